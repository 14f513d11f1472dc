"""The sealed site in Python: round trips, tampering, keys, groups, and no plaintext left.

A small fake plain site (pages, catalog.json, product.json, search index, SHA256SUMS, a
Parquet file, a theme file) is generated here, sealed, and opened again with
:func:`pzbuild.seal.open_sealed`. The browser side (tests/browser/test_sealed_browser.py)
uses the same site.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pzbuild.seal import (
    NotOnAccessList,
    Reader,
    SealResult,
    Tampered,
    WrongKey,
    open_sealed,
    seal_site,
)
from pzbuild.seal.format import (
    BLOB_DIR,
    HEADER_SIZE,
    TAG_SIZE,
    BlobSealer,
    ClassKey,
    KeyFormatError,
    NotInSite,
    PrivateKeyGiven,
    SealError,
    b64u,
    blob_size,
    canonical_public_key,
    fingerprint,
    load_private_key,
    load_public_key,
    private_key_pem,
    raw_point,
)
from pzbuild.seal.shell import THEME_DIRS, theme_public_files

SMALL = 4096  # chunk size of most tests: many chunks from small files
SECRET_NAME = "Zebracorn Deep Field Redshifts"
SECRET_ID = "official/zebracorn-deep-fields"
RESTRICTED_ID = "user/okapi/quokka-restricted-run"
RESTRICTED_NAME = "Quokka Restricted Photo-z Run"
SECRETS = [
    SECRET_NAME, SECRET_ID, "zebracorn", RESTRICTED_ID, RESTRICTED_NAME, "quokka", "okapi",
    "ZEBRA_REDSHIFT_COLUMN", "ZEBRA_FLAG_COLUMN", "0.81234567891", "Spectroscopic zebras",
    "zebracorn_table.parquet", "Dr. Aardvark Person", "catalog.json", "product.json",
    "search_index", "SHA256SUMS", "products/", "pz-extra-script",
]


@dataclass
class PlainSite:
    root: Path
    secrets: list[str]
    data_files: dict[str, bytes] = field(default_factory=dict)
    float_bytes: list[bytes] = field(default_factory=list)


def _page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<link rel='icon' href='data:,'>"
            f"<link rel='stylesheet' href='{up}assets/stylesheets/pz-extra.css'></head><body>"
            f"<h1>{title}</h1>{body}<script src='{up}assets/pzbuild/pz-extra-script.js'>"
            "</script></body></html>")


def make_plain_site(dest: Path, *, big: int = 3 * SMALL + 5) -> PlainSite:
    """A plain site in the layout of docs/design/site-format.md, full of recognisable
    secrets; ``big`` is the size of a random data file (many chunks)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    site = PlainSite(dest, list(SECRETS))
    dest.mkdir(parents=True)
    products = [(SECRET_ID, SECRET_NAME), (RESTRICTED_ID, RESTRICTED_NAME),
                ("official/plain-public-one", "Public one")]
    entries = []
    for pid, name in products:
        base = dest / "products" / pid
        (base / "files").mkdir(parents=True)
        z = rng.uniform(0, 2, 50)
        z[0] = 0.81234567891
        site.float_bytes += [z[i].tobytes() for i in range(1, 50)]
        table = pa.table({"ZEBRA_REDSHIFT_COLUMN": z,
                          "ZEBRA_FLAG_COLUMN": rng.integers(0, 4, 50)})
        pq.write_table(table, base / "files" / "zebracorn_table.parquet")
        blob = rng.bytes(big)
        (base / "files" / "big.bin").write_bytes(blob)
        (base / "files" / "empty.txt").write_bytes(b"")
        (base / "files" / "one.txt").write_bytes(b"z")
        (base / "files" / "exact.bin").write_bytes(rng.bytes(SMALL))
        (base / "files" / "README.md").write_text(f"# {name}\nSpectroscopic zebras.\n")
        for f in sorted((base / "files").iterdir()):
            site.data_files[f"products/{pid}/files/{f.name}"] = f.read_bytes()
        sums = "".join(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n"
                       for f in sorted((base / "files").iterdir()))
        (base / "SHA256SUMS").write_text(sums)
        record = {"version": 1, "id": pid, "name": name, "description": "Spectroscopic zebras",
                  "authors": [{"name": "Dr. Aardvark Person"}],
                  "main": {"table": {"columns": [{"name": "ZEBRA_REDSHIFT_COLUMN"},
                                                 {"name": "ZEBRA_FLAG_COLUMN"}],
                                     "preview": [[0.81234567891, 3]]}}}
        (base / "product.json").write_text(json.dumps(record))
        (base / "index.html").write_text(_page(name, "<p>Spectroscopic zebras</p>"
                                               "<a href='files/big.bin'>big</a>",
                                               pid.count("/") + 2))
        entries.append({"id": pid, "name": name, "url": f"products/{pid}/",
                        "json": f"products/{pid}/product.json"})
    (dest / "catalog.json").write_text(json.dumps({"version": 1, "title": "t",
                                                   "products": entries}))
    (dest / "search").mkdir()
    docs = [{"location": "", "title": "Home", "text": "welcome"}]
    docs += [{"location": f"products/{pid}/#columns", "title": name, "text": name}
             for pid, name in products]
    (dest / "search" / "search_index.json").write_text(json.dumps({"config": {},
                                                                   "docs": docs}))
    (dest / "index.html").write_text(_page("Home", "<a href='official/'>Official</a>", 0))
    (dest / "official").mkdir()
    (dest / "official" / "index.html").write_text(_page("Official", "<div id=list></div>", 1))
    (dest / "404.html").write_text(_page("Not here", "<p>404 zebracorn</p>", 0))
    sitemap = "<urlset>" + "".join(f"\n  <url>\n    <loc>https://zebracorn.example/products/"
                                   f"{pid}/</loc>\n  </url>" for pid, _ in products) + "\n</urlset>"
    (dest / "sitemap.xml").write_text(sitemap)
    (dest / "sitemap.xml.gz").write_bytes(gzip.compress(sitemap.encode(), mtime=0))
    (dest / "assets" / "pzbuild").mkdir(parents=True)
    (dest / "assets" / "pzbuild" / "pz-extra-script.js").write_text("// zebracorn\n")
    (dest / "assets" / "stylesheets").mkdir(parents=True)
    (dest / "assets" / "stylesheets" / "pz-extra.css").write_text("/* zebracorn */\n")
    theme = _theme_file()
    if theme is not None:
        rel, path = theme
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)
    return site


def _theme_file() -> tuple[str, Path] | None:
    import importlib.util

    spec = importlib.util.find_spec("material")
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))) / "templates"
    path = base / "assets" / "images" / "favicon.png"
    return ("assets/images/favicon.png", path) if path.is_file() else None


def restricted(path: str) -> set[str] | None:
    return {"okapi-team"} if path.startswith(f"products/{RESTRICTED_ID}/") else None


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def reader(handle: str, key: ec.EllipticCurvePrivateKey, *,
           groups: frozenset[str] = frozenset(), expires: dt.date | None = None) -> Reader:
    return Reader(handle, canonical_public_key(key.public_key()), groups, expires)


class Sealed(NamedTuple):
    plain: PlainSite
    site: Path
    alice: ec.EllipticCurvePrivateKey  # in the group okapi-team
    bob: ec.EllipticCurvePrivateKey
    result: SealResult


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Sealed:
    base = tmp_path_factory.mktemp("sealed")
    plain = make_plain_site(base / "plain")
    alice, bob = new_key(), new_key()
    result = seal_site(plain.root, base / "site", [
        reader("alice", alice, groups=frozenset({"okapi-team"})), reader("bob", bob)],
        groups_of=restricted, chunk_size=SMALL)
    return Sealed(plain, base / "site", alice, bob, result)


def _copy(site: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(site, dest)
    return dest


def _blob_of(site: Path, key: ec.EllipticCurvePrivateKey, path: str) -> Path:
    entry = open_sealed(site, key).entry(path)
    return site / BLOB_DIR / entry.blob


# -- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["empty.txt", "one.txt", "exact.bin", "big.bin",
                                  "zebracorn_table.parquet", "README.md"])
def test_round_trip_byte_for_byte(sealed: Sealed, name: str) -> None:
    plain, site, alice, bob, _ = sealed
    path = f"products/{SECRET_ID}/files/{name}"
    opened = open_sealed(site, bob)
    assert opened.read(path) == plain.data_files[path]
    chunks = list(opened.iter_chunks(path))
    size = len(plain.data_files[path])
    assert len(chunks) == max(1, -(-size // SMALL))
    assert (site / BLOB_DIR / opened.entry(path).blob).stat().st_size == \
        HEADER_SIZE + size + TAG_SIZE * len(chunks)


def test_every_plain_file_opens_for_a_reader_of_every_group(sealed: Sealed) -> None:
    plain, site, alice, bob, result = sealed
    opened = open_sealed(site, alice)
    expected = {p.relative_to(plain.root).as_posix() for p in plain.root.rglob("*")
                if p.is_file()} - set(result.public)
    assert set(opened.paths()) == expected
    for path in expected:
        data = opened.read(path)
        original = (plain.root / path).read_bytes()
        if path.endswith(".html") and path != "404.html":
            assert data.replace(b'<script src="' + b"../" * path.count("/")
                                + b'_pz/session.js" defer></script>', b"") == original
        elif path in ("catalog.json", "search/search_index.json"):
            assert json.loads(data) == json.loads(original)  # order restored
        elif path.startswith("sitemap.xml"):
            assert _sitemap_urls(data) == _sitemap_urls(original) - {
                f"https://zebracorn.example/products/{RESTRICTED_ID}/"}
        else:
            assert data == original, path
    assert {"sitemap.xml", "sitemap.xml.gz", "404.html"} <= expected
    assert opened.read("") == opened.read("index.html")


def _sitemap_urls(data: bytes) -> set[str]:
    text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode()
    return set(re.findall(r"<loc>([^<]*)</loc>", text))


def test_the_sitemaps_leave_restricted_pages_out_for_everyone(sealed: Sealed) -> None:
    plain, site, alice, bob, _ = sealed
    for key in (alice, bob):
        opened = open_sealed(site, key)
        for name in ("sitemap.xml", "sitemap.xml.gz"):
            urls = _sitemap_urls(opened.read(name))
            assert f"https://zebracorn.example/products/{SECRET_ID}/" in urls
            assert not [u for u in urls if RESTRICTED_ID in u], name
    unrestricted = plain.root.parent / "unrestricted"
    seal_site(plain.root, unrestricted, [reader("bob", bob)])
    assert open_sealed(unrestricted, bob).read("sitemap.xml") == (
        plain.root / "sitemap.xml").read_bytes()


@pytest.mark.parametrize("size", [0, 1, SMALL - 1, SMALL, SMALL + 1, 3 * SMALL + 5])
def test_the_blob_sealer_writes_the_format(tmp_path: Path, size: int) -> None:
    """BlobSealer (the build's, from a file or from bytes) writes blobs that open_bytes
    reads, of the documented size; a file that is not the size it was said to be fails."""
    from pzbuild.seal.format import open_bytes

    key = ClassKey(1, os.urandom(32), os.urandom(16))
    data = os.urandom(size)
    src = tmp_path / "plain.bin"
    src.write_bytes(data)
    sealer = BlobSealer(SMALL)
    for i, source in enumerate((data, None)):
        out = tmp_path / f"blob{i}"
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            if source is None:
                with open(src, "rb", buffering=0) as fh:
                    written = sealer.seal(fh, size, fd, key, b"id" * 16, path="x")
            else:
                written = sealer.seal(source, size, fd, key, b"id" * 16, path="x")
        finally:
            os.close(fd)
        blob = out.read_bytes()
        assert written == len(blob) == blob_size(size, SMALL)
        assert open_bytes(blob, key, b"id" * 16, size, SMALL, path="x") == data
        with pytest.raises(Tampered):
            open_bytes(blob, key, b"other-id" * 4, size, SMALL, path="x")
    for wrong in (size + 1, max(0, size - 1)):
        if wrong == size:
            continue
        fd = os.open(tmp_path / f"bad{wrong}", os.O_WRONLY | os.O_CREAT)
        try:
            with open(src, "rb", buffering=0) as fh, pytest.raises(SealError, match="x: the file"):
                sealer.seal(fh, wrong, fd, key, b"id" * 16, path="x")
        finally:
            os.close(fd)


def test_one_mebibyte_chunks_default(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain", big=(1 << 20) * 2 + 1)
    key = new_key()
    seal_site(plain.root, tmp_path / "site", [reader("a", key)])
    opened = open_sealed(tmp_path / "site", key)
    path = f"products/{SECRET_ID}/files/big.bin"
    assert [len(c) for c in opened.iter_chunks(path)] == [1 << 20, 1 << 20, 1]


# -- tampering -----------------------------------------------------------------------------

def test_a_flipped_byte_in_each_chunk_names_that_chunk(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    path = f"products/{SECRET_ID}/files/big.bin"
    n_chunks = 4
    for chunk in range(n_chunks):
        copy = _copy(site, tmp_path / str(chunk))
        blob = _blob_of(copy, bob, path)
        data = bytearray(blob.read_bytes())
        data[HEADER_SIZE + chunk * (SMALL + TAG_SIZE) + 3] ^= 0x01
        blob.write_bytes(bytes(data))
        opened = open_sealed(copy, bob)
        with pytest.raises(Tampered) as info:
            opened.read(path)
        assert (info.value.path, info.value.chunk) == (path, chunk)
        assert f"chunk {chunk}" in str(info.value)
        # the chunks before the bad one did come out, verified
        assert len(list(_until_error(opened.iter_chunks(path)))) == chunk


def _until_error(chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    except Tampered:
        return


@pytest.mark.parametrize("offset", [0, 7, 9, 12, 19])
def test_a_flipped_header_byte_is_detected(sealed: Sealed, tmp_path: Path, offset: int) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    path = f"products/{SECRET_ID}/product.json"
    blob = _blob_of(copy, bob, path)
    data = bytearray(blob.read_bytes())
    data[offset] ^= 0x40
    blob.write_bytes(bytes(data))
    with pytest.raises((Tampered, SealError)):
        open_sealed(copy, bob).read(path)


def test_swapped_blobs_are_detected(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    a = _blob_of(copy, bob, f"products/{SECRET_ID}/files/big.bin")
    b = _blob_of(copy, bob, "products/official/plain-public-one/files/big.bin")
    assert a.stat().st_size == b.stat().st_size
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)
    with pytest.raises(Tampered) as info:
        open_sealed(copy, bob).read(f"products/{SECRET_ID}/files/big.bin")
    assert info.value.chunk == 0


@pytest.mark.parametrize("cut", ["last-bytes", "last-chunk", "header", "all"])
def test_truncated_blobs_are_detected(sealed: Sealed, tmp_path: Path, cut: str) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    path = f"products/{SECRET_ID}/files/big.bin"
    blob = _blob_of(copy, bob, path)
    data = blob.read_bytes()
    keep = {"last-bytes": len(data) - 3, "last-chunk": len(data) - (5 + TAG_SIZE),
            "header": 10, "all": 0}[cut]
    blob.write_bytes(data[:keep])
    with pytest.raises(Tampered) as info:
        open_sealed(copy, bob).read(path)
    assert info.value.chunk == {"last-bytes": 3, "last-chunk": 3, "header": 0, "all": 0}[cut]


def test_extra_bytes_after_the_last_chunk_are_detected(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    path = f"products/{SECRET_ID}/files/one.txt"
    blob = _blob_of(copy, bob, path)
    blob.write_bytes(blob.read_bytes() + b"\0")
    with pytest.raises(Tampered, match="extra data"):
        open_sealed(copy, bob).read(path)


def test_a_missing_blob_is_reported(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    path = f"products/{SECRET_ID}/files/one.txt"
    _blob_of(copy, bob, path).unlink()
    with pytest.raises(Tampered, match="missing") as info:
        open_sealed(copy, bob).read(path)
    assert info.value.path == path and str(info.value).startswith(path)


def test_a_tampered_manifest_is_detected(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    ks = json.loads((copy / "keystore.json").read_text())
    blob = copy / BLOB_DIR / ks["manifests"][0]["blob"]
    data = bytearray(blob.read_bytes())
    data[-1] ^= 1
    blob.write_bytes(bytes(data))
    with pytest.raises(Tampered, match="manifest"):
        open_sealed(copy, bob)


# -- keys ----------------------------------------------------------------------------------

def test_a_key_not_on_the_list_is_refused(sealed: Sealed) -> None:
    _, site, _, _, _ = sealed
    stranger = new_key()
    with pytest.raises(WrongKey) as info:
        open_sealed(site, stranger)
    assert isinstance(info.value, NotOnAccessList)
    assert fingerprint(stranger.public_key()) in str(info.value)


def test_a_damaged_wrapped_key_is_a_wrong_key(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    copy = _copy(site, tmp_path)
    ks = json.loads((copy / "keystore.json").read_text())
    entry = ks["readers"][fingerprint(bob.public_key())]
    raw = bytearray(base64.urlsafe_b64decode(entry["keys"]["0"] + "=="))
    raw[5] ^= 1
    entry["keys"]["0"] = b64u(bytes(raw))
    (copy / "keystore.json").write_text(json.dumps(ks))
    with pytest.raises(WrongKey) as info:
        open_sealed(copy, bob)
    assert not isinstance(info.value, NotOnAccessList)


def test_private_key_forms(sealed: Sealed, tmp_path: Path) -> None:
    _, site, _, bob, _ = sealed
    pem = private_key_pem(bob)
    sec1 = bob.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    (tmp_path / "k.pem").write_bytes(pem)
    for form in (pem, pem.decode(), sec1, tmp_path / "k.pem", str(tmp_path / "k.pem")):
        assert open_sealed(site, form).build
    locked = bob.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(WrongKey, match="passphrase"):
        load_private_key(locked)
    with pytest.raises(WrongKey, match="P-256"):
        load_private_key(private_key_pem(ec.generate_private_key(ec.SECP384R1())))
    with pytest.raises(WrongKey):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")


def test_public_key_forms_are_one_key() -> None:
    key = new_key().public_key()
    raw = raw_point(key)
    numbers = key.public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64u(numbers.x.to_bytes(32, "big")),
           "y": b64u(numbers.y.to_bytes(32, "big"))}
    spki = key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    compressed = key.public_bytes(serialization.Encoding.X962,
                                  serialization.PublicFormat.CompressedPoint)
    forms = [canonical_public_key(key), spki, json.dumps(jwk), b64u(raw),
             base64.b64encode(raw).decode(), base64.b64encode(der).decode(), b64u(compressed)]
    assert {canonical_public_key(load_public_key(f)) for f in forms} == \
        {canonical_public_key(key)}
    assert canonical_public_key(key).startswith("p256:") and len(canonical_public_key(key)) == 92


@pytest.mark.parametrize("text", ["", "p256:AAAA", "hello world", "{\"kty\": \"EC\"}",
                                  "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
def test_bad_public_keys(text: str) -> None:
    with pytest.raises(KeyFormatError):
        load_public_key(text)


def test_a_private_key_is_never_taken_for_a_public_one() -> None:
    key = new_key()
    pem = private_key_pem(key).decode()
    with pytest.raises(PrivateKeyGiven) as info:
        load_public_key(pem)
    assert pem.splitlines()[1][:20] not in str(info.value)
    d = key.private_numbers().private_value.to_bytes(32, "big")
    with pytest.raises(PrivateKeyGiven):
        load_public_key(json.dumps({"kty": "EC", "crv": "P-256", "d": b64u(d), "x": "", "y": ""}))


def test_p384_public_key_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(KeyFormatError, match="P-256"):
        load_public_key(other.public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo))


# -- the access list over builds -----------------------------------------------------------

def test_expired_readers_are_not_wrapped(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain")
    today = dt.date(2026, 5, 1)
    gone, last_day, later = new_key(), new_key(), new_key()
    result = seal_site(plain.root, tmp_path / "site", [
        reader("gone", gone, expires=dt.date(2026, 4, 30)),
        reader("lastday", last_day, expires=today),
        reader("later", later, expires=dt.date(2027, 1, 1))], today=today, chunk_size=SMALL)
    assert result.expired == ["gone"] and sorted(result.readers) == ["lastday", "later"]
    ks = json.loads((tmp_path / "site" / "keystore.json").read_text())
    assert fingerprint(gone.public_key()) not in ks["readers"]
    with pytest.raises(NotOnAccessList, match="expired"):
        open_sealed(tmp_path / "site", gone)
    assert open_sealed(tmp_path / "site", last_day).read("index.html")


def test_a_removed_reader_cannot_open_the_next_build(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain")
    stays, leaves = new_key(), new_key()
    first = seal_site(plain.root, tmp_path / "site", [reader("stays", stays),
                                                      reader("leaves", leaves)],
                      chunk_size=SMALL)
    old_blobs = {p.name for p in (tmp_path / "site" / BLOB_DIR).iterdir()}
    assert open_sealed(tmp_path / "site", leaves).read("index.html")
    second = seal_site(plain.root, tmp_path / "site", [reader("stays", stays)],
                       chunk_size=SMALL)
    assert first.build != second.build
    with pytest.raises(NotOnAccessList):
        open_sealed(tmp_path / "site", leaves)
    assert open_sealed(tmp_path / "site", stays).read("catalog.json")
    new_blobs = {p.name for p in (tmp_path / "site" / BLOB_DIR).iterdir()}
    assert not old_blobs & new_blobs  # fresh keys: no name is reused across builds
    assert not list(tmp_path.glob(".site.*"))  # no leftover temporary folders


def test_duplicate_readers_are_refused(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain")
    key = new_key()
    with pytest.raises(SealError, match="twice"):
        seal_site(plain.root, tmp_path / "site", [reader("a", key), reader("b", key)])


# -- groups --------------------------------------------------------------------------------

def test_groups_see_only_their_products(sealed: Sealed) -> None:
    plain, site, alice, bob, result = sealed
    assert result.key_classes == 2 and result.unopened == []
    member, other = open_sealed(site, alice), open_sealed(site, bob)
    page = f"products/{RESTRICTED_ID}/index.html"
    assert member.read(page)
    with pytest.raises(NotInSite):
        other.read(page)
    assert not [p for p in other.paths() if RESTRICTED_ID in p]
    full = json.loads((plain.root / "catalog.json").read_text())
    assert json.loads(member.read("catalog.json")) == full
    seen = json.loads(other.read("catalog.json"))
    assert [e["id"] for e in seen["products"]] == [
        e["id"] for e in full["products"] if e["id"] != RESTRICTED_ID]
    docs = json.loads(other.read("search/search_index.json"))["docs"]
    assert not [d for d in docs if RESTRICTED_ID in d["location"]]
    assert len(json.loads(member.read("search/search_index.json"))["docs"]) == len(docs) + 1


def test_a_group_nobody_holds_is_reported(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain")
    result = seal_site(plain.root, tmp_path / "site", [reader("a", new_key())],
                       groups_of=restricted, chunk_size=SMALL)
    assert result.unopened == [["okapi-team"]]


def test_an_empty_group_set_is_refused(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain")
    with pytest.raises(SealError, match="empty"):
        seal_site(plain.root, tmp_path / "site", [reader("a", new_key())],
                  groups_of=lambda p: set())


# -- nothing in clear ----------------------------------------------------------------------

def test_no_plaintext_anywhere_in_the_sealed_folder(sealed: Sealed) -> None:
    plain, site, _, _, result = sealed
    # the secrets are really in the plain site, where a scan would find them
    plain_bytes = b"".join(p.read_bytes() for p in plain.root.rglob("*") if p.is_file())
    plain_names = "\n".join(p.relative_to(plain.root).as_posix()
                            for p in plain.root.rglob("*"))
    for secret in plain.secrets:
        assert secret.encode() in plain_bytes or secret in plain_names, secret
    needles = [s.encode() for s in plain.secrets] + [s.lower().encode() for s in plain.secrets]
    needles += [s.encode("utf-16-le") for s in plain.secrets]
    found = []
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        found += [f"name {rel}: {s}" for s in plain.secrets if s.lower() in rel.lower()]
        if path.is_file():
            data = path.read_bytes()
            found += [f"{rel}: {n!r}" for n in needles if n in data]
            found += [f"{rel}: a float of the data" for f in plain.float_bytes if f in data]
    assert not found, found
    # what is in clear is the seal's own code and mkdocs-material's untouched files
    clear = {p.relative_to(site).as_posix() for p in site.rglob("*")
             if p.is_file() and not p.relative_to(site).as_posix().startswith(BLOB_DIR)}
    assert clear - set(result.public) == {
        "index.html", "404.html", "sw.js", "keystore.json", ".nojekyll", "robots.txt",
        ".pzbuild-site",
        "_pz/pzseal.js", "_pz/login.js", "_pz/login.css", "_pz/session.js"}
    assert all(p.startswith(THEME_DIRS) for p in result.public)


def test_only_untouched_theme_files_stay_public(tmp_path: Path) -> None:
    theme = _theme_file()
    if theme is None:
        pytest.skip("mkdocs-material is not installed")
    rel, path = theme
    plain = tmp_path / "plain"
    (plain / rel).parent.mkdir(parents=True)
    (plain / "index.html").write_text("<html></html>")
    shutil.copyfile(path, plain / rel)
    (plain / "assets/images/logo-zebracorn.png").write_bytes(b"zebracorn")
    changed = plain / "assets/javascripts" / "bundle.min.js"
    changed.parent.mkdir(parents=True)
    changed.write_text("zebracorn")
    public = theme_public_files()
    assert public(rel, plain / rel)
    logo = "assets/images/logo-zebracorn.png"
    assert not public(logo, plain / logo)
    assert not public("assets/javascripts/bundle.min.js", changed)
    result = seal_site(plain, tmp_path / "site", [reader("a", new_key())])
    assert result.public == [rel]


# -- the public shell and the output folder ------------------------------------------------

def test_the_shell_pins_its_scripts(sealed: Sealed) -> None:
    _, site, _, _, result = sealed
    shell = (site / "index.html").read_text()
    assert hashlib.sha256(shell.encode()).hexdigest() == result.shell_sha256
    for name in ("pzseal.js", "login.js", "login.css"):
        digest = base64.b64encode(hashlib.sha384((site / "_pz" / name).read_bytes()).digest())
        assert f"sha384-{digest.decode()}" in shell
    stub = (site / "404.html").read_text()
    script = stub.split("<script>", 1)[1].split("</script>", 1)[0]
    pin = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{pin}'" in stub
    assert "{{" not in shell + stub


def test_the_output_folder_is_replaced_only_when_it_is_a_sealed_site(tmp_path: Path) -> None:
    plain = make_plain_site(tmp_path / "plain")
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(SealError, match="not replacing"):
        seal_site(plain.root, other, [reader("a", new_key())])
    assert (other / "keep.txt").read_text() == "mine"
    with pytest.raises(SealError, match="contain"):
        seal_site(plain.root, plain.root / "sealed", [reader("a", new_key())])
    earlier_plain = tmp_path / "earlier"
    earlier_plain.mkdir()
    (earlier_plain / ".pzbuild-site").write_text('{"build": "x"}')
    (earlier_plain / "index.html").write_text("old")
    (plain.root / ".pzbuild-site").write_text('{"build": "plain-build-id"}')
    key = new_key()
    seal_site(plain.root, earlier_plain, [reader("a", key)])  # a plain build's output
    assert "plain-build-id" not in (earlier_plain / ".pzbuild-site").read_text()
    assert ".pzbuild-site" not in open_sealed(earlier_plain, key).paths()
    (plain.root / "sw.js").write_text("//")
    with pytest.raises(SealError, match="needs for itself"):
        seal_site(plain.root, tmp_path / "site", [reader("a", new_key())])


def test_open_over_http(sealed: Sealed) -> None:
    plain, site, _, bob, _ = sealed

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        opened = open_sealed(f"http://127.0.0.1:{server.server_address[1]}/", bob)
        path = f"products/{SECRET_ID}/files/big.bin"
        assert opened.read(path) == plain.data_files[path]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_scripts_from_elsewhere_are_reported(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "index.html").write_text(
        "<html><head><link rel='stylesheet' href='https://cdn.example/a.css'>"
        "<link rel='icon' href='https://cdn.example/i.png'><script>var x = 1</script>"
        "<script src='assets/local.js'></script></head><body>"
        "<script src=\"https://unpkg.com/mermaid@11/dist/mermaid.min.js\"></script></body></html>")
    result = seal_site(plain, tmp_path / "site", [reader("a", new_key())])
    assert result.external == {"https://cdn.example/a.css": ["index.html"],
                               "https://unpkg.com/mermaid@11/dist/mermaid.min.js": ["index.html"]}


def test_linked_files_and_folders_are_sealed(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "data").mkdir(parents=True)
    (plain / "index.html").write_text("<html></html>")
    (plain / "data" / "a.txt").write_text("zebracorn")
    (plain / "linked").symlink_to(plain / "data", target_is_directory=True)
    (plain / "data" / "loop").symlink_to(plain, target_is_directory=True)
    (plain / "b.txt").symlink_to(plain / "data" / "a.txt")
    key = new_key()
    seal_site(plain, tmp_path / "site", [reader("a", key)])
    opened = open_sealed(tmp_path / "site", key)
    assert opened.read("linked/a.txt") == opened.read("b.txt") == b"zebracorn"
