"""The product page's "Download all (zip)" button, in Chromium, on a plain and a sealed site.

A copy of the example catalog, one of whose products also carries files in a sub-folder
(a name with a space and a ``#``, an empty file and a file of several 1 MiB sealing chunks),
is built plain and sealed. The button is clicked on each site; the zip that Chromium saves
is read with :mod:`zipfile`, and every member is checked byte for byte (SHA-256) against the
repository's files and the site's SHA256SUMS and product.json.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import copy_example_catalog
from .test_site_e2e import login

PRODUCT = "official/synth-training-ecdfs-dp1"
SLUG = PRODUCT.rsplit("/", 1)[-1]
EXTRA = {  # path in the product folder -> bytes
    "extra/notes v1 #2.txt": "Zebracorn notes, ünïcode.\n".encode(),
    "extra/empty.dat": b"",
    "extra/big.bin": os.urandom(2 * (1 << 20) + 12345),
}


@dataclass(frozen=True)
class Sites:
    root: Path  # the catalog
    plain: Path
    sealed: Path
    pem: str  # a reader of the sealed site
    key: Path  # its file


def _add_files(root: Path) -> None:
    folder = root / "products" / PRODUCT
    meta = yaml.safe_load((folder / "product.yaml").read_text(encoding="utf-8"))
    for path, data in EXTRA.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
        meta["files"].append({"path": path, "role": "auxiliary"})
    (folder / "product.yaml").write_text(yaml.safe_dump(meta, sort_keys=False,
                                                        allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    pytest.importorskip("material")
    from pzbuild.access import generate_key
    from pzbuild.config import load_catalog
    from pzbuild.publish import publish
    from pzbuild.seal import Reader

    base = tmp_path_factory.mktemp("product-zip")
    root = copy_example_catalog(base / "catalog")
    _add_files(root)
    catalog = load_catalog(root)
    plain = publish(catalog, base / "plain", plain=True, jobs=1)
    assert plain.build.ok, [p.format() for p in plain.build.problems]
    key = generate_key(base / "keys" / "reader.pem")
    sealed = publish(catalog, base / "sealed", plain=False, jobs=1,
                     extra_readers=[Reader("reader", key.public_key)])
    assert sealed.build.ok and sealed.seal is not None
    return Sites(root, base / "plain", base / "sealed", key.path.read_text(), key.path)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _click_zip(page: Any, url: str, dest: Path) -> Path:
    page.goto(url)
    button = page.get_by_role("button", name="Download all (zip)")
    button.wait_for()  # pz-product.js shows it
    with page.expect_download(timeout=30_000) as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == f"{SLUG}.zip"
    download.save_as(dest)
    assert page.locator(".pz-product__zip-status").inner_text() == f"Saved {SLUG}.zip"
    return dest


def _check_zip(zip_path: Path, root: Path, read_site: Any) -> None:
    """Every member against the product folder (data files) or the site (the rest)."""
    folder = root / "products" / PRODUCT
    meta = yaml.safe_load((folder / "product.yaml").read_text(encoding="utf-8"))
    paths = [f["path"] for f in meta["files"]]
    assert set(EXTRA) <= set(paths)
    with zipfile.ZipFile(zip_path) as z:
        assert z.testzip() is None  # every member's CRC-32
        names = z.namelist()
        want = {f"{SLUG}/files/{p}" for p in paths} | {f"{SLUG}/SHA256SUMS",
                                                         f"{SLUG}/product.json"}
        assert sorted(names) == sorted(want)
        for path in paths:
            got = z.read(f"{SLUG}/files/{path}")
            assert _sha(got) == _sha((folder / path).read_bytes()), path
        for name in ("SHA256SUMS", "product.json"):
            assert _sha(z.read(f"{SLUG}/{name}")) == _sha(read_site(name)), name
        # SHA256SUMS, as sha256sum -c would read it in the extracted folder
        sums = z.read(f"{SLUG}/SHA256SUMS").decode()
        listed = dict(reversed(line.split("  ", 1)) for line in sums.splitlines())
        assert sorted(listed) == sorted(f"files/{p}" for p in paths)
        for member, sha in listed.items():
            assert _sha(z.read(f"{SLUG}/{member}")) == sha, member


def test_zip_of_the_whole_product_plain(page: Any, page_log: Any, serve: Any, sites: Sites,
                                        tmp_path: Path) -> None:
    base = serve(sites.plain)
    zip_path = _click_zip(page, base + f"products/{PRODUCT}/", tmp_path / "plain.zip")
    site = sites.plain / "products" / PRODUCT
    _check_zip(zip_path, sites.root, lambda name: (site / name).read_bytes())
    page_log.assert_clean()


def test_zip_of_the_whole_product_sealed(page: Any, page_log: Any, serve: Any, sites: Sites,
                                         tmp_path: Path) -> None:
    from pzbuild.seal import open_sealed

    base = serve(sites.sealed)
    login(page, base, sites.pem)
    zip_path = _click_zip(page, base + f"products/{PRODUCT}/", tmp_path / "sealed.zip")
    opened = open_sealed(sites.sealed, sites.key)
    _check_zip(zip_path, sites.root,
               lambda name: opened.read(f"products/{PRODUCT}/{name}"))
    page_log.assert_clean()
    # nothing of the archive was published: the sealed site holds no zip, and no file
    # there is named after the product
    assert not list(sites.sealed.rglob("*.zip"))
    assert not [p for p in sites.sealed.rglob("*") if SLUG in p.name]


def test_a_failing_file_is_reported_not_saved(page: Any, serve: Any, sites: Sites,
                                              tmp_path: Path) -> None:
    """A file that no longer matches its record (here: cut short) stops the zip with a
    message naming it, and nothing is saved."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(sites.plain, site)
    big = site / "products" / PRODUCT / "files" / "extra" / "big.bin"
    data = big.read_bytes()
    big.unlink()  # a hard link to the repository's file: replace it, never change it
    big.write_bytes(data[:1000])
    base = serve(site)
    page.goto(base + f"products/{PRODUCT}/")
    downloads: list[Any] = []
    page.on("download", lambda d: downloads.append(d))
    page.get_by_role("button", name="Download all (zip)").click()
    status = page.locator(".pz-product__zip-status")
    page.wait_for_function("el => el.textContent.startsWith('The zip could not be made')",
                           arg=status.element_handle())
    assert "extra/big.bin" in status.inner_text()
    assert downloads == []
