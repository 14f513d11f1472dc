"""Nothing of the catalog shows in a sealed site: the example catalog is built plain and
sealed, and every byte and every file name of the sealed output is searched for what the
plain site reveals (product ids, slugs, names, column names, descriptions, preview values,
the bytes of the data files). Its public part is only the login shell, the keystore, the
theme's own assets and the blobs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import copy_example_catalog
from .restricted import RESTRICTED, RestrictedExample, build_restricted_example

REPO = Path(__file__).resolve().parents[1]
MIN_COLUMN = 4  # shorter column names ("z", "ra") are everyday words and letters
MIN_VALUE = 6
#: Shared files whose entries of restricted products are held back by the seal
AGGREGATE_FILES = {"catalog.json", "search/search_index.json", "sitemap.xml", "sitemap.xml.gz"}
SHELL = {"index.html", "404.html", "sw.js", ".nojekyll", "robots.txt", "keystore.json",
         ".pzbuild-site", "_pz/pzseal.js", "_pz/login.js", "_pz/login.css", "_pz/session.js"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The plain and the sealed site of a copy of the example catalog."""
    from pzbuild.access import generate_key
    from pzbuild.config import load_catalog
    from pzbuild.publish import publish
    from pzbuild.seal import Reader

    base = tmp_path_factory.mktemp("sealed-leaks")
    root = copy_example_catalog(base / "catalog")
    key = generate_key(base / "keys" / "reader.pem")
    plain = publish(load_catalog(root), base / "plain", plain=True, jobs=1)
    assert plain.build.ok
    sealed = publish(load_catalog(root), base / "site", plain=False, jobs=1,
                     extra_readers=[Reader("reader", key.public_key)])
    assert sealed.build.ok and sealed.seal is not None
    return base / "plain", base / "site"


def _secrets(plain: Path, only: tuple[str, ...] | None = None) -> dict[bytes, str]:
    """What must not be found in the sealed site: needle -> where it comes from (of the
    products ``only``, or of all)."""
    records = [json.loads(p.read_text("utf-8"))
               for p in sorted((plain / "products").rglob("product.json"))]
    assert len(records) == sum(1 for _ in (REPO / "products").rglob("product.yaml"))
    if only is not None:
        records = [r for r in records if r["id"] in only]
        assert len(records) == len(only)
    found: dict[bytes, str] = {}

    def add(text: Any, why: str, min_len: int = 1) -> None:
        if text is None:
            return
        text = str(text)
        if len(text) >= min_len:
            found.setdefault(text.encode("utf-8"), why)

    tables = 0
    for r in records:
        pid = r["id"]
        add(pid, f"{pid}: id")
        add(r["slug"], f"{pid}: slug")
        add(r["name"], f"{pid}: name")
        add((r["description"] or "").strip()[:40], f"{pid}: description")
        table = (r.get("main") or {}).get("table")
        if table:
            tables += 1
            for col in table["columns"]:
                add(col["name"], f"{pid}: column", MIN_COLUMN)
            for cells in _preview_cells(table.get("preview")):
                add(cells, f"{pid}: preview value", MIN_VALUE)
        for f in r["files"]:
            data = (plain / f["url"]).read_bytes()[16:80]
            if len(data) >= 16:
                found.setdefault(data, f"{pid}: bytes 16..80 of {f['path']}")
    assert tables >= (3 if only is None else 1), "too few main tables to look for"
    return found


def _preview_cells(preview: Any) -> list[str]:
    """The cells of a table preview as text, whatever its layout (rows of lists or of
    dicts, or columns of lists)."""
    cells: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None and not isinstance(value, bool):
            cells.append(str(value))

    walk(preview)
    return cells


def test_sealed_site_reveals_nothing_of_the_catalog(built: tuple[Path, Path]) -> None:
    plain, site = built
    secrets = _secrets(plain)
    values = [s for s, why in secrets.items() if "preview value" in why]
    assert len(values) >= 20, "too few preview values to make a sample"
    _assert_not_in_clear(site, secrets)


def _assert_not_in_clear(site: Path, secrets: dict[bytes, str]) -> None:
    """No needle in any byte or file name of the folder ``site``."""
    from pzbuild.seal.shell import theme_public_files

    pattern = re.compile(b"|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    theme = theme_public_files()
    hits, theme_words = [], set()
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        for m in pattern.finditer(rel.encode("utf-8")):
            hits.append(f"file name {rel}: {secrets[m.group()]} {m.group()!r}")
        if not path.is_file():
            continue
        theirs = theme(rel, path)  # byte for byte one of mkdocs-material's own files
        for m in pattern.finditer(path.read_bytes()):
            if theirs and ": column" in secrets[m.group()]:
                theme_words.add(m.group())  # an English word of the theme's code ("means")
                continue
            hits.append(f"{rel} at {m.start()}: {secrets[m.group()]} {m.group()[:40]!r}")
    assert not hits, "\n".join(hits[:50])
    assert theme_words <= {b"means"}, theme_words  # a new one: check it is a common word


def test_public_part_is_the_shell_the_theme_and_blobs(built: tuple[Path, Path]) -> None:
    from pzbuild.seal.format import BLOB_DIR
    from pzbuild.seal.shell import THEME_DIRS, theme_public_files

    plain, site = built
    theme = theme_public_files()
    blobs = 0
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site).as_posix()
        if rel in SHELL:
            continue
        if rel.startswith(BLOB_DIR + "/"):
            assert re.fullmatch(r"[0-9a-f]{32,64}", rel.rsplit("/", 1)[1]), rel
            blobs += 1
            continue
        assert rel.startswith(THEME_DIRS), f"unexpected public file {rel}"
        assert (plain / rel).is_file() and theme(rel, path), f"{rel}: not mkdocs-material's"
    assert {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} >= SHELL
    plain_files = sum(1 for p in plain.rglob("*") if p.is_file())
    assert blobs > plain_files // 2, "every sealed file should be a blob"


# -- a product restricted to a group -------------------------------------------------------

@pytest.fixture(scope="module")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> RestrictedExample:
    pytest.importorskip("material")
    return build_restricted_example(tmp_path_factory.mktemp("restricted-leaks"))


def _restricted_secrets(example: RestrictedExample) -> dict[bytes, str]:
    """What only the restricted products hold: their needles that no open product's folder,
    nor a page or file outside the product folders, holds as well (a column name or a value
    two products share is not the restricted product's to hide)."""
    secrets = _secrets(example.plain, RESTRICTED)
    open_files = [p for p in example.plain.rglob("*") if p.is_file() and not any(
        p.is_relative_to(example.plain / "products" / pid) for pid in RESTRICTED)
        and p.relative_to(example.plain).as_posix() not in AGGREGATE_FILES]
    shared = set()
    for path in open_files:
        data = path.read_bytes()
        shared.update(s for s in secrets if s in data)
    kept = {s: why for s, why in secrets.items() if s not in shared}
    for pid in RESTRICTED:  # the tutorial names an id: its name and description stay
        assert {f"{pid}: name", f"{pid}: description"} <= set(kept.values()), pid
        assert sum(why.startswith(f"{pid}: preview value") for why in kept.values()) >= 5
    return kept


def test_restricted_products_are_not_in_clear(restricted: RestrictedExample) -> None:
    _assert_not_in_clear(restricted.site, _secrets(restricted.plain, RESTRICTED))


def test_an_outsider_opens_nothing_of_the_restricted_products(
        restricted: RestrictedExample) -> None:
    """Every file the outsider's key opens, decrypted, and every path in their manifests:
    no id, name, slug, description, column, preview value or data byte of the restricted
    products. A member opens them all."""
    from pzbuild.seal import open_sealed

    secrets = _restricted_secrets(restricted)
    pattern = re.compile(b"|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    outsider = open_sealed(restricted.site, restricted.outsider)
    hits = []
    for path in outsider.paths():
        for m in pattern.finditer(path.encode("utf-8")):
            hits.append(f"path {path}: {secrets[m.group()]}")
        for m in pattern.finditer(outsider.read(path)):
            hits.append(f"{path} at {m.start()}: {secrets[m.group()]} {m.group()[:40]!r}")
    assert not hits, "\n".join(hits[:50])
    assert len(outsider.paths()) > 50

    member = open_sealed(restricted.site, restricted.member)
    text = b"".join(member.read(p) for p in member.paths()
                    if p.startswith(tuple(f"products/{pid}/" for pid in RESTRICTED)))
    assert all(s in text for s in secrets)  # the needles were worth looking for
