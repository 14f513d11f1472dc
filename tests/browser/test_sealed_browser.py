"""The sealed site in Chromium: login, the service worker's decryption, tampering, deep links.

Python seals the fake plain site of tests/test_seal_format.py (and a small real
mkdocs-material site); Chromium opens it through the login page and the service worker
(pzbuild/seal/web/). The browser's decryption (web/pzseal.js) is also checked directly against
blobs, keystores and tampered copies written by Python.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pzbuild.seal import Reader, open_sealed, seal_site
from pzbuild.seal.format import BLOB_DIR, HEADER_SIZE, TAG_SIZE, fingerprint, private_key_pem
from pzbuild.seal.shell import WEB

from ..test_seal_format import (
    RESTRICTED_ID,
    SECRET_ID,
    SECRET_NAME,
    PlainSite,
    make_plain_site,
    new_key,
    reader,
    restricted,
)

MIB = 1 << 20
PRODUCT = f"products/{SECRET_ID}/"
BIG = f"products/{SECRET_ID}/files/big.bin"


class Site(NamedTuple):
    plain: PlainSite
    site: Path
    alice: ec.EllipticCurvePrivateKey  # group okapi-team
    bob: ec.EllipticCurvePrivateKey
    readers: list[Reader]


def _seal(plain: PlainSite | Path, out: Path, readers: list[Reader],
          keep: Path | None = None) -> Any:
    root = plain if isinstance(plain, Path) else plain.root
    result = seal_site(root, out, readers, groups_of=restricted, keep=keep)
    # http.server's Last-Modified counts whole seconds: a rebuild within the same second
    # would be answered "304 Not Modified" to the service worker's revalidation.
    stamp = (out / "keystore.json").stat().st_mtime + 2 * _seal.count  # type: ignore[attr-defined]
    _seal.count += 1  # type: ignore[attr-defined]
    os.utime(out / "keystore.json", (stamp, stamp))
    return result


_seal.count = 1  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Site:
    base = tmp_path_factory.mktemp("sealed-browser")
    plain = make_plain_site(base / "plain", big=2 * MIB + 100)  # three 1 MiB chunks
    alice, bob = new_key(), new_key()
    readers = [reader("alice", alice, groups=frozenset({"okapi-team"})), reader("bob", bob)]
    _seal(plain, base / "site", readers)
    return Site(plain, base / "site", alice, bob, readers)


def pem(key: ec.EllipticCurvePrivateKey) -> str:
    return private_key_pem(key).decode()


def login(page: Any, base: str, key: ec.EllipticCurvePrivateKey | str, *,
          remember: bool = False, then: str | None = None) -> None:
    """Log in on the login page at ``base`` (already open, or opened here)."""
    if not page.url.startswith(base) or "pz-login" not in page.content():
        page.goto(base)
    page.fill("#pz-key", key if isinstance(key, str) else pem(key))
    if remember:
        page.check("#pz-remember")
    if then is None:
        page.click("#pz-open")
        return
    with page.expect_navigation(url=then):
        page.click("#pz-open")
    assert page.locator("#pz-login").count() == 0, page.inner_text("body")


def fetch_json(page: Any, url: str) -> Any:
    return page.evaluate("async (u) => { const r = await fetch(u); return [r.status, "
                         "r.headers.get('content-type'), await r.text()]; }", url)


def sha256_in_page(page: Any, url: str) -> dict[str, Any]:
    return page.evaluate("""async (u) => {
        try {
          const t0 = performance.now();
          const r = await fetch(u);
          const b = await r.arrayBuffer();
          const d = new Uint8Array(await crypto.subtle.digest('SHA-256', b));
          return {status: r.status, size: b.byteLength, ms: performance.now() - t0,
                  sha256: Array.from(d, x => x.toString(16).padStart(2, '0')).join('')};
        } catch (e) { return {error: String(e)}; }
    }""", url)


def _copy(site: Path, dest: Path) -> Path:
    shutil.copytree(site, dest)
    return dest


def _flip(site: Path, key: ec.EllipticCurvePrivateKey, path: str, offset: int) -> None:
    blob = site / BLOB_DIR / open_sealed(site, key).entry(path).blob
    data = bytearray(blob.read_bytes())
    data[offset] ^= 0x01
    blob.write_bytes(bytes(data))


# -- before login --------------------------------------------------------------------------

def test_only_the_login_page_before_login(page: Any, page_log: Any, serve: Any,
                                          sealed: Site, screenshot: Any) -> None:
    base = serve(sealed.site)
    page.goto(base)
    assert page.locator("#pz-login").is_visible()
    assert SECRET_NAME not in page.content()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    screenshot(page, "sealed-login")
    page_log.assert_clean()
    for path in ("catalog.json", "search/search_index.json", "sitemap.xml", PRODUCT,
                 f"{PRODUCT}product.json", BIG):
        status, _, text = fetch_json(page, base + path)
        assert status == 404 and SECRET_NAME not in text, path
    page.goto(base + PRODUCT)  # the service worker sends a deep link to the login page
    assert page.url == f"{base}?next={quote(PRODUCT, safe='')}"
    assert page.locator("#pz-login").is_visible()


# -- after login ---------------------------------------------------------------------------

def test_login_opens_pages_json_and_a_download(page: Any, page_log: Any, serve: Any,
                                               sealed: Site, screenshot: Any) -> None:
    base = serve(sealed.site)
    login(page, base, sealed.bob, then=base)
    assert page.inner_text("h1") == "Home"
    assert page.locator("button.pz-logout").is_visible()
    page.click("text=Official")
    page.wait_for_url(base + "official/")
    page.goto(base + PRODUCT)
    assert page.inner_text("h1") == SECRET_NAME
    screenshot(page, "sealed-product")

    status, ctype, text = fetch_json(page, base + "catalog.json")
    assert (status, ctype) == (200, "application/json")
    ids = [e["id"] for e in json.loads(text)["products"]]
    assert SECRET_ID in ids and RESTRICTED_ID not in ids  # bob is not in okapi-team
    status, _, text = fetch_json(page, base + f"{PRODUCT}product.json")
    assert json.loads(text)["main"]["table"]["columns"][0]["name"] == "ZEBRA_REDSHIFT_COLUMN"
    assert fetch_json(page, base + "no/such/page.json")[0] == 404

    want = hashlib.sha256(sealed.plain.data_files[BIG]).hexdigest()
    got = sha256_in_page(page, base + BIG)
    assert (got.get("status"), got.get("size"), got.get("sha256")) == (
        200, 2 * MIB + 100, want), got
    with page.expect_download() as info:
        page.click("a[href='files/big.bin']")
    downloaded = Path(info.value.path())
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == want
    page_log.console_errors = [e for e in page_log.console_errors if "404" not in e]
    page_log.assert_clean()


def test_empty_and_one_byte_files(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    login(page, base, sealed.bob, then=base)
    for name in ("empty.txt", "one.txt", "exact.bin", "zebracorn_table.parquet"):
        path = f"{PRODUCT}files/{name}"
        got = sha256_in_page(page, base + path)
        assert got["sha256"] == hashlib.sha256(sealed.plain.data_files[path]).hexdigest()


def test_a_key_not_on_the_list_is_refused(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    page.goto(base)
    stranger = new_key()
    login(page, base, stranger)
    error = page.locator("#pz-error")
    error.wait_for()
    assert "This key is not on the access list" in error.inner_text()
    assert fingerprint(stranger.public_key()) in error.inner_text()
    assert page.url == base
    public = stranger.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    locked = stranger.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(b"pw")).decode()
    for text, message in ((public, "This is a public key"),
                          ("hello", "not a P-256 private key"),
                          (locked, "passphrase"),
                          (pem(ec.generate_private_key(ec.SECP384R1())), "not a P-256")):
        login(page, base, text)
        page.wait_for_function("(m) => document.querySelector('#pz-error').textContent"
                               ".includes(m)", arg=message)
    # nothing was stored: a page still goes to the login page
    page.goto(base + PRODUCT)
    assert "?next=" in page.url


def test_sec1_key_and_key_file(page: Any, serve: Any, sealed: Site, tmp_path: Path) -> None:
    base = serve(sealed.site)
    sec1 = sealed.bob.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()).decode()
    login(page, base, sec1, then=base)
    assert page.inner_text("h1") == "Home"
    page.click("button.pz-logout")
    page.wait_for_url(base + "?why=logout")
    key_file = tmp_path / "alice.pem"
    key_file.write_text(pem(sealed.alice))
    page.set_input_files("#pz-file", str(key_file))
    page.click("#pz-open")
    page.wait_for_url(base)
    assert page.inner_text("h1") == "Home"


# -- tampering -----------------------------------------------------------------------------

def test_a_flipped_byte_shows_the_integrity_error(page: Any, serve: Any, sealed: Site,
                                                  tmp_path: Path, screenshot: Any) -> None:
    site = _copy(sealed.site, tmp_path / "site")
    _flip(site, sealed.bob, f"{PRODUCT}index.html", HEADER_SIZE + 10)
    _flip(site, sealed.bob, BIG, HEADER_SIZE + (MIB + TAG_SIZE) + 5)  # in chunk 1 of 3
    base = serve(site)
    login(page, base, sealed.bob, then=base)
    response = page.goto(base + PRODUCT)
    assert response.status == 502
    assert "This file failed its integrity check" in page.inner_text("body")
    assert SECRET_NAME not in page.content()
    screenshot(page, "sealed-integrity")
    page.goto(base)
    got = sha256_in_page(page, base + BIG)
    assert "error" in got, got  # the stream fails: no altered bytes reach the page
    banner = page.locator(".pz-integrity")
    banner.wait_for()
    assert "failed its integrity check" in banner.inner_text()


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static host that serves single byte ranges (as GitHub Pages and buckets do), and
    notes the ranges asked for."""

    asked: list[str] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self) -> Any:
        import io
        import re

        value = self.headers.get("Range")
        path = self.translate_path(self.path)
        m = re.fullmatch(r"bytes=(\d+)-(\d+)", value or "")
        if m is None or not os.path.isfile(path):
            return super().send_head()
        RangeHandler.asked.append(f"{self.path.rsplit('/', 1)[-1][:8]} {value}")
        data = Path(path).read_bytes()
        a, b = int(m[1]), min(int(m[2]), len(data) - 1)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {a}-{b}/{len(data)}")
        self.send_header("Content-Length", str(b - a + 1))
        self.end_headers()
        return io.BytesIO(data[a:b + 1])


@pytest.fixture
def range_host(sealed: Site) -> Iterator[str]:
    handler = functools.partial(RangeHandler, directory=str(sealed.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


RANGED = """async ([u, range]) => {
  try {
    const r = await fetch(u, {headers: {Range: range}});
    const b = new Uint8Array(await r.arrayBuffer());
    return {status: r.status, range: r.headers.get('content-range'),
            length: r.headers.get('content-length'), hex: Array.from(b, x => x.toString(16)
            .padStart(2, '0')).join('')};
  } catch (e) { return {error: String(e)}; }
}"""


@pytest.mark.parametrize("host", ["ranges", "whole blobs"])
def test_byte_ranges_of_a_sealed_file(page: Any, serve: Any, sealed: Site, range_host: str,
                                      host: str) -> None:
    """A Range request gets its bytes (206), decrypted and verified, whether or not the
    host serves ranges; with one that does, only the chunks that hold them are fetched."""
    base = range_host if host == "ranges" else serve(sealed.site)
    data = sealed.plain.data_files[BIG]
    size = len(data)
    login(page, base, sealed.bob, then=base)
    page.goto(base)
    cases = {f"bytes={MIB - 6}-{2 * MIB + 9}": (MIB - 6, 2 * MIB + 9),  # over 3 chunks
             f"bytes={2 * MIB}-": (2 * MIB, size - 1),                    # the last chunk
             "bytes=-100": (size - 100, size - 1),
             "bytes=5-9": (5, 9),
             f"bytes=0-{10 * size}": (0, size - 1)}
    for value, (a, b) in cases.items():
        RangeHandler.asked.clear()
        got = page.evaluate(RANGED, [base + BIG, value])
        assert got.get("status") == 206, (value, got)
        assert got["range"] == f"bytes {a}-{b}/{size}" and got["length"] == str(b - a + 1)
        assert bytes.fromhex(got["hex"]) == data[a:b + 1], value
        if host == "ranges":  # the header and the chunks of the range, no more
            first, last = a // MIB, b // MIB
            span_end = (HEADER_SIZE + (last + 1) * (MIB + TAG_SIZE) - 1 if last < 2
                        else HEADER_SIZE + 2 * (MIB + TAG_SIZE) + size - 2 * MIB + TAG_SIZE - 1)
            assert sorted(r.split()[1] for r in RangeHandler.asked) == sorted([
                f"bytes=0-{HEADER_SIZE - 1}",
                f"bytes={HEADER_SIZE + first * (MIB + TAG_SIZE)}-{span_end}"]), value
    got = page.evaluate(RANGED, [base + BIG, f"bytes={size}-"])
    assert got["status"] == 416 and got["range"] == f"bytes */{size}"
    whole = page.evaluate(RANGED, [base + BIG, "bytes=0-1,5-6"])  # several: the whole file
    assert whole["status"] == 200 and bytes.fromhex(whole["hex"]) == data


def test_a_flipped_byte_in_a_range_fails_it(page: Any, serve: Any, sealed: Site,
                                            tmp_path: Path) -> None:
    site = _copy(sealed.site, tmp_path / "site")
    _flip(site, sealed.bob, BIG, HEADER_SIZE + (MIB + TAG_SIZE) + 5)  # in chunk 1 of 3
    base = serve(site)
    login(page, base, sealed.bob, then=base)
    page.goto(base)
    fine = page.evaluate(RANGED, [base + BIG, "bytes=10-20"])  # chunk 0: intact
    assert fine["status"] == 206
    assert bytes.fromhex(fine["hex"]) == sealed.plain.data_files[BIG][10:21]
    got = page.evaluate(RANGED, [base + BIG, f"bytes={MIB + 3}-{MIB + 30}"])
    assert "error" in got or got["status"] == 502, got  # never the altered bytes


def test_a_swapped_blob_is_refused(page: Any, serve: Any, sealed: Site, tmp_path: Path) -> None:
    site = _copy(sealed.site, tmp_path / "site")
    opened = open_sealed(site, sealed.bob)
    a = site / BLOB_DIR / opened.entry(f"{PRODUCT}product.json").blob
    b = site / BLOB_DIR / opened.entry("products/official/plain-public-one/product.json").blob
    a.write_bytes(b.read_bytes())
    base = serve(site)
    login(page, base, sealed.bob, then=base)
    status, _, text = fetch_json(page, base + f"{PRODUCT}product.json")
    assert status == 502 and "failed its integrity check" in text


# -- deep links, logout, sessions ------------------------------------------------------------

def test_deep_link_after_login(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    page.goto(base)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(base + PRODUCT + "?tab=files#files")
    assert "?next=" in page.url
    login(page, base, sealed.bob, then=base + PRODUCT + "?tab=files#files")
    assert page.inner_text("h1") == SECRET_NAME


def test_next_never_leaves_the_site(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example",
                "javascript:alert(1)"):
        page.goto(f"{base}?next={quote(bad, safe='')}")
        login(page, base, sealed.bob, then=base)
        page.click("button.pz-logout")
        page.wait_for_url(base + "?why=logout")


class GitHubPagesLike(http.server.SimpleHTTPRequestHandler):
    """Serves 404.html for a missing path, as GitHub Pages (and most buckets) do."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def pages_host(sealed: Site) -> Iterator[str]:
    """The sealed site below /catalog/ of a host that answers unknown paths with 404.html."""
    root = sealed.site.parent / "host"
    if not root.exists():
        root.mkdir()
        (root / "catalog").symlink_to(sealed.site)
        shutil.copy(sealed.site / "404.html", root / "404.html")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(GitHubPagesLike, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/catalog/"
    server.shutdown()
    server.server_close()
    thread.join()


def test_deep_link_on_first_visit_through_the_404_page(page: Any, page_log: Any,
                                                       pages_host: str, sealed: Site) -> None:
    deep = pages_host + PRODUCT + "?tab=files#files"
    page.goto(deep)  # no service worker yet: the host answers with 404.html
    page.wait_for_url(pages_host + "?next=*")
    assert page.locator("#pz-login").is_visible()
    login(page, pages_host, sealed.bob, then=deep)
    assert page.inner_text("h1") == SECRET_NAME
    page_log.console_errors = [e for e in page_log.console_errors if "404" not in e]
    page_log.assert_clean()


def test_next_cannot_climb_out_of_a_site_below_the_root(page: Any, pages_host: str,
                                                       sealed: Site) -> None:
    page.goto(pages_host + "?next=" + quote("../elsewhere/", safe=""))
    login(page, pages_host, sealed.bob, then=pages_host)


def test_logout_forgets_the_keys(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    login(page, base, sealed.bob, remember=True, then=base)
    page.goto(base + PRODUCT)
    page.click("button.pz-logout")
    page.wait_for_url(base + "?why=logout")
    assert "logged out" in page.inner_text("#pz-status")
    assert page.evaluate(f"PZSeal.session.get({json.dumps(base)})") is None
    page.goto(base + PRODUCT)
    assert "?next=" in page.url and SECRET_NAME not in page.content()


def test_the_keys_in_indexeddb_are_not_extractable(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    login(page, base, sealed.bob, remember=True, then=base)
    page.add_script_tag(url=base + "_pz/pzseal.js")
    stored = page.evaluate("""async (scope) => {
        const r = await PZSeal.session.get(scope);
        const keys = [r.privateKey, ...Object.values(r.keys)];
        const out = keys.map(k => [k.type, k.extractable, k.algorithm.name]);
        for (const k of keys) {
          try { await crypto.subtle.exportKey('jwk', k); out.push('exported!'); }
          catch (e) { out.push(e.name); }
        }
        return {out, fields: Object.keys(r).sort()};
    }""", base)
    assert stored["out"][:2] == [["private", False, "ECDH"], ["secret", False, "AES-GCM"]]
    assert stored["out"][2:] == ["InvalidAccessError", "InvalidAccessError"]
    assert "pem" not in " ".join(stored["fields"]).lower()


def test_remember_survives_a_rebuild_and_removal_takes_effect(page: Any, serve: Any,
                                                              sealed: Site,
                                                              tmp_path: Path) -> None:
    site = tmp_path / "site"
    _seal(sealed.plain, site, sealed.readers)
    base = serve(site)
    login(page, base, sealed.bob, remember=True, then=base)
    _seal(sealed.plain, site, sealed.readers)  # a new build: new keys
    page.goto(base + PRODUCT)
    assert page.inner_text("h1") == SECRET_NAME
    _seal(sealed.plain, site, sealed.readers[:1])  # bob removed
    page.goto(base + PRODUCT)
    assert "why=removed" in page.url
    assert "no longer on the access list" in page.inner_text("#pz-error")


def test_without_remember_a_rebuild_asks_again(page: Any, serve: Any, sealed: Site,
                                               tmp_path: Path) -> None:
    site = tmp_path / "site"
    _seal(sealed.plain, site, sealed.readers)
    base = serve(site)
    login(page, base, sealed.bob, then=base)
    _seal(sealed.plain, site, sealed.readers)
    page.goto(base + PRODUCT)
    assert "why=rebuilt" in page.url and "rebuilt" in page.inner_text("#pz-status")
    login(page, base, sealed.bob, then=base + PRODUCT)


def test_kept_keys_open_the_next_build_without_asking(page: Any, serve: Any, sealed: Site,
                                                      tmp_path: Path) -> None:
    """A build that keeps the keys (no reader lost access) is opened by the session of the
    last one, with the new content; once a reader is removed, new keys ask for the key."""
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(sealed.plain.root, plain)
    site, keep = tmp_path / "site", tmp_path / "keep"

    def build(readers: list[Reader]) -> Any:
        return _seal(plain, site, readers, keep)

    build(sealed.readers)
    base = serve(site)
    login(page, base, sealed.bob, then=base)
    product = plain / PRODUCT / "index.html"
    product.write_text(product.read_text().replace("Spectroscopic zebras",
                                                   "Spectroscopic okapis, revised"))
    assert build(sealed.readers).epoch_kept
    page.goto(base + PRODUCT)
    assert page.inner_text("h1") == SECRET_NAME
    assert "Spectroscopic okapis, revised" in page.inner_text("body")
    result = build(sealed.readers[1:])  # alice removed: new keys for everyone
    assert not result.epoch_kept
    page.goto(base + PRODUCT)
    assert "why=rebuilt" in page.url


def test_groups_in_the_browser(page: Any, serve: Any, sealed: Site) -> None:
    base = serve(sealed.site)
    restricted_page = f"products/{RESTRICTED_ID}/"
    login(page, base, sealed.alice, then=base)
    _, _, text = fetch_json(page, base + "catalog.json")
    full = json.loads((sealed.plain.root / "catalog.json").read_text())
    assert json.loads(text) == full  # the held-back entry is back in its place
    page.goto(base + restricted_page)
    assert "Quokka" in page.inner_text("h1")
    page.click("button.pz-logout")
    page.wait_for_url(base + "?why=logout")
    login(page, base, sealed.bob, then=base)
    response = page.goto(base + restricted_page)
    assert response.status == 404 and "Quokka" not in page.content()


# -- the JavaScript format against Python's ------------------------------------------------

def _vectors(sealed: Site, dest: Path) -> dict[str, Any]:
    """A folder with pzseal.js, a blank page, a copy of the sealed site and tampered blobs;
    returns what the browser must find."""
    dest.mkdir()
    shutil.copy(WEB / "pzseal.js", dest / "pzseal.js")
    (dest / "blank.html").write_text("<!doctype html><meta charset=utf-8>"
                                     "<link rel=icon href='data:,'>"
                                     "<script src='pzseal.js'></script>")
    site = _copy(sealed.site, dest / "site")
    opened = open_sealed(site, sealed.bob)
    files = {p: {"sha256": hashlib.sha256(opened.read(p)).hexdigest(),
                 **opened.entry(p).to_json()} for p in opened.paths()}
    big = opened.entry(BIG)
    data = (site / BLOB_DIR / big.blob).read_bytes()
    tampered = []
    for chunk in range(3):
        bad = bytearray(data)
        bad[HEADER_SIZE + chunk * (MIB + TAG_SIZE) + 1] ^= 0x80
        (dest / f"t{chunk}.bin").write_bytes(bytes(bad))
        tampered.append({"file": f"t{chunk}.bin", "chunk": chunk})
    (dest / "cut.bin").write_bytes(data[:-7])
    tampered.append({"file": "cut.bin", "chunk": 2})
    other = opened.entry(f"{PRODUCT}product.json")
    return {"pem": pem(sealed.bob), "alice": pem(sealed.alice), "stranger": pem(new_key()),
            "kid": fingerprint(sealed.bob.public_key()), "files": files, "big": big.to_json(),
            "tampered": tampered, "swapped": {"blob_of": other.blob, **big.to_json()},
            "catalog": json.loads((sealed.plain.root / "catalog.json").read_text())}


VECTOR_CHECK = """async (v) => {
  const out = {files: {}, tampered: [], stream: null};
  const ks = PZSeal.parseKeystore(await (await fetch('site/keystore.json')).json());
  const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  const hex = async (b) => PZSeal.toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', b)));
  const me = await PZSeal.importPrivateKey(v.pem);
  out.kid = me.kid;
  const keys = await PZSeal.unwrapKeys(ks, me.privateKey, me.kid);
  const site = await PZSeal.openManifests(ks, keys, (h) => get('site/_pz/b/' + h));
  for (const [path, e] of site.files) {
    const plain = await PZSeal.decryptBlob(await get('site/_pz/b/' + e.blob), keys[e.key],
                                           e.blob, e.size, ks.chunk_size, path);
    out.files[path] = await hex(plain);
  }
  const big = v.big;
  const key0 = keys['0'];
  const body = (await fetch('site/_pz/b/' + big.blob)).body;
  const stream = PZSeal.decryptStream(body, key0, big.blob, big.size, ks.chunk_size, 'big');
  out.stream = await hex(await new Response(stream).arrayBuffer());
  for (const t of v.tampered) {
    try {
      await PZSeal.decryptBlob(await get(t.file), key0, big.blob, big.size, ks.chunk_size, 'big');
      out.tampered.push('no error');
    } catch (e) { out.tampered.push([e.kind, e.chunk]); }
    try {
      const r = PZSeal.decryptStream((await fetch(t.file)).body, key0, big.blob, big.size,
                                     ks.chunk_size, 'big').getReader();
      while (!(await r.read()).done) { /* the chunks before the bad one */ }
      out.tampered.push('no error');
    } catch (e) { out.tampered.push([e.kind, e.chunk]); }
  }
  try {
    await PZSeal.decryptBlob(await get('site/_pz/b/' + v.swapped.blob_of), key0, v.swapped.blob,
                             v.swapped.size, ks.chunk_size, 'swapped');
    out.swapped = 'no error';
  } catch (e) { out.swapped = [e.kind, e.chunk]; }
  const stranger = await PZSeal.importPrivateKey(v.stranger);
  try { await PZSeal.unwrapKeys(ks, stranger.privateKey, stranger.kid); out.stranger = 'opened'; }
  catch (e) { out.stranger = e.kind; }
  const alice = await PZSeal.importPrivateKey(v.alice);
  const akeys = await PZSeal.unwrapKeys(ks, alice.privateKey, alice.kid);
  const asite = await PZSeal.openManifests(ks, akeys, (h) => get('site/_pz/b/' + h));
  const cat = asite.files.get('catalog.json');
  const base = await PZSeal.decryptBlob(await get('site/_pz/b/' + cat.blob), akeys[cat.key],
                                        cat.blob, cat.size, ks.chunk_size, 'catalog.json');
  out.catalog = JSON.parse(PZSeal.mergeJson(new TextDecoder().decode(base),
                                            asite.merge.get('catalog.json')));
  out.keys = Object.keys(akeys).sort();
  return out;
}"""


def test_browser_decryption_matches_python_vectors(page: Any, page_log: Any, serve: Any,
                                                   sealed: Site, tmp_path: Path) -> None:
    v = _vectors(sealed, tmp_path / "vectors")
    base = serve(tmp_path / "vectors")
    page.goto(base + "blank.html")
    out = page.evaluate(VECTOR_CHECK, v)
    assert out["kid"] == v["kid"]
    assert out["files"] == {p: f["sha256"] for p, f in v["files"].items()}
    assert out["stream"] == v["files"][BIG]["sha256"]
    assert out["tampered"] == [["tampered", t["chunk"]] for t in v["tampered"] for _ in (0, 1)]
    assert out["swapped"] == ["tampered", 0]
    assert out["stranger"] == "not-listed"
    assert out["catalog"] == v["catalog"] and out["keys"] == ["0", "1"]
    page_log.assert_clean()


# -- a real mkdocs-material site -----------------------------------------------------------

def _mkdocs_site(dest: Path) -> Path:
    docs = dest / "docs"
    docs.mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(
        "site_name: Zebracorn catalog\ntheme:\n  name: material\n  font: false\n"
        "  features: [navigation.instant]\nplugins: [search]\n"
        "nav:\n  - Home: index.md\n  - About: about.md\n")
    (docs / "index.md").write_text("# Welcome\n\nThe zebracorn deep fields.\n\n"
                                   "[About the catalog](about.md)\n")
    (docs / "about.md").write_text("# About\n\nOkapi quokka redshifts.\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                    str(dest / "mkdocs.yml"), "-d", str(dest / "plain")],
                   check=True, env=env, capture_output=True)
    return dest / "plain"


def test_a_real_mkdocs_material_site(page: Any, page_log: Any, serve: Any,
                                     tmp_path: Path, screenshot: Any) -> None:
    pytest.importorskip("material")
    plain = _mkdocs_site(tmp_path / "mk")
    key = new_key()
    result = seal_site(plain, tmp_path / "site", [reader("a", key)])
    assert any(p.startswith("assets/javascripts/bundle.") for p in result.public)
    base = serve(tmp_path / "site")
    login(page, base, key, then=base)
    assert page.inner_text("article h1") == "Welcome"
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header'))"
                         ".backgroundColor") != "rgba(0, 0, 0, 0)"  # the theme's CSS
    page.click("text=About the catalog")
    page.wait_for_url(base + "about/")
    assert page.inner_text("article h1") == "About"
    page.locator(".md-search__input").click()
    page.locator(".md-search__input").press_sequentially("quokka", delay=30)
    page.locator(".md-search-result__item").first.wait_for()
    assert "Okapi quokka" in page.inner_text(".md-search-result__list")
    screenshot(page, "sealed-mkdocs-search")
    page_log.assert_clean()
