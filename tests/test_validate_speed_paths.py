"""The short cuts of validation and of the inspection cache's stat index: each must give what
the long way gives, and notice every change it should."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

import pzbuild.tables
from pzbuild.checks import columns
from pzbuild.config import load_catalog
from pzbuild.discover import find_product_yamls
from pzbuild.inspect.cache import CACHE_DIR, InspectCache
from pzbuild.validate import validate_catalog

from .test_bad_inputs import MANIFEST, _place, build_case

TABLE_CASES = ["valid-base", "role-names-missing-column", "main-not-a-table", "corrupt-parquet",
               "header-names-fewer-columns", "extension-mismatch", "column-two-roles"]


def age(path: Path, seconds: float = 3600) -> None:
    """Make a file look old, as data in a catalog checkout is (see RACY_SECONDS)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def age_tree(root: Path) -> None:
    for p in (root / "products").rglob("*"):
        if p.is_file() and not p.is_symlink():
            age(p)


def refuse(*args: object, **kw: object) -> None:
    raise AssertionError("a table was opened")


def formatted(report: Any) -> list[str]:
    return [p.format() for p in report.problems]


def of_base(report: Any) -> list[Any]:
    """The problems of valid-base, but that the cases share its name (L305)."""
    return [p for p in report.problems
            if p.product == "user/tester/valid-base" and p.code != "L305"]


@pytest.fixture
def several(tmp_path: Path) -> Path:
    """One catalog holding several labelled cases whose main file is read."""
    root = build_case(tmp_path, "valid-base")
    for name in TABLE_CASES[1:]:
        _place(root, name)
    age_tree(root)
    return root


# -- the stat index ------------------------------------------------------------------------

def test_stat_index_notices_an_in_place_rewrite_with_a_new_mtime(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"a" * 1000)
    age(path)
    with InspectCache(tmp_path) as cache:
        assert cache.digest(path)[1] == hashlib.sha256(b"a" * 1000).hexdigest()
    inode = path.stat().st_ino
    with open(path, "r+b") as f:  # same size, same inode: only the mtime tells
        f.write(b"b" * 1000)
    age(path, 1800)
    assert path.stat().st_ino == inode
    with InspectCache(tmp_path) as cache:
        assert cache.digest(path)[1] == hashlib.sha256(b"b" * 1000).hexdigest()


def test_stat_index_keeps_a_file_that_only_gained_a_hard_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new hard link (as the site build makes) changes the file's ctime, not its content:
    it is not hashed again."""
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 4096)
    age(path)
    with InspectCache(tmp_path) as cache:
        first = cache.digest(path)
    before = path.stat().st_ctime_ns
    os.link(path, tmp_path / "linked.bin")
    assert path.stat().st_ctime_ns != before or path.stat().st_nlink == 2
    monkeypatch.setattr("pzbuild.inspect.cache.file_digest", refuse)
    with InspectCache(tmp_path) as cache:
        assert cache.digest(path) == first


# -- finding products ----------------------------------------------------------------------

def test_find_product_yamls_skips_linked_folders_and_takes_linked_files(tmp_path: Path) -> None:
    root = build_case(tmp_path, "valid-base")
    outside = tmp_path / "elsewhere" / "linked-product"
    outside.mkdir(parents=True)
    (outside / "product.yaml").write_text("name: x\n")
    (root / "products" / "user" / "tester" / "linked").symlink_to(outside)
    real = root / "products" / "user" / "other" / "real"
    real.mkdir(parents=True)
    (real / "product.yaml").symlink_to(root / "products" / "user" / "tester" / "valid-base"
                                       / "product.yaml")
    (root / "products" / "official" / "folder-named" / "product.yaml").mkdir(parents=True)
    found = find_product_yamls(load_catalog(root))
    rel = [p.relative_to(root / "products").as_posix() for p in found]
    assert rel == ["user/other/real/product.yaml", "user/tester/valid-base/product.yaml"]


# -- the validation memo -------------------------------------------------------------------

def test_second_validation_opens_no_table_and_keeps_one_state_file(
        several: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = formatted(validate_catalog(several))
    codes = {p.split(" ")[1] for p in first}
    assert {"R406", "R414", "T601", "T602", "T606", "R415"} <= codes
    entries = list((several / CACHE_DIR).rglob("*.json"))
    assert [e.name for e in entries] == ["validation.json"]
    assert formatted(validate_catalog(several, use_cache=False)) == first
    monkeypatch.setattr(pzbuild.tables, "open_table", refuse)
    monkeypatch.setattr(pzbuild.tables, "sniff_format", refuse)
    assert formatted(validate_catalog(several)) == first


def test_a_changed_product_yaml_reuses_the_header_without_reading_or_hashing(
        several: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    validate_catalog(several)
    yaml_path = several / "products" / "user" / "tester" / "valid-base" / "product.yaml"
    text = yaml_path.read_text()
    yaml_path.write_text(text.replace("  z: z\n", "  z: redshift\n"))
    monkeypatch.setattr(pzbuild.tables, "open_table", refuse)
    monkeypatch.setattr("pzbuild.inspect.summary.file_digest", refuse)
    monkeypatch.setattr("pzbuild.inspect.cache.file_digest", refuse)
    found = of_base(validate_catalog(several))
    assert [(p.code, p.location.line) for p in found] == [("R406", 18)]
    assert "has no column 'redshift'" in found[0].message


def test_a_rewritten_table_is_read_again(several: Path) -> None:
    validate_catalog(several)
    main = several / "products" / "user" / "tester" / "valid-base" / "specz.csv"
    lines = main.read_text().splitlines()
    header = lines[0].split(",")
    renamed = ",".join("redshift" if h == "z" else h for h in header)
    main.write_text("\n".join([renamed, *lines[1:]]) + "\n")
    age(main, 1800)  # older than RACY_SECONDS, but newer than what the memo saw
    found = of_base(validate_catalog(several))
    assert [p.code for p in found] == ["R406"]
    assert found[0].message == "columns.z: 'specz.csv' has no column 'z'"


def test_a_table_changed_just_now_is_not_remembered(several: Path) -> None:
    main = several / "products" / "user" / "tester" / "valid-base" / "specz.csv"
    os.utime(main)  # modified now: within RACY_SECONDS
    validate_catalog(several)
    state = json.loads((several / CACHE_DIR / "validation.json").read_text())
    names = set(state["state"]["headers"])
    assert "products/user/tester/valid-base/specz.csv|None" not in names
    assert any(n.startswith("products/user/tester/role-names-missing-column/") for n in names)


def test_headers_read_ahead_in_workers_give_the_same_problems(
        several: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = formatted(validate_catalog(several, use_cache=False))
    monkeypatch.setattr(columns, "MIN_PARALLEL", 1)
    ahead: list[int] = []
    real = columns.read_headers_ahead

    def spy(files: Any, memo: Any, jobs: int) -> None:
        real(files, memo, jobs)
        ahead.append(len(memo.read_ahead))

    monkeypatch.setattr("pzbuild.validate.read_headers_ahead", spy)
    assert formatted(validate_catalog(several, jobs=2)) == alone
    assert ahead and ahead[0] >= len(TABLE_CASES) - 1  # every main file but a broken one


def test_a_partial_validation_keeps_what_the_others_remembered(several: Path) -> None:
    validate_catalog(several)
    state_file = several / CACHE_DIR / "validation.json"
    before = json.loads(state_file.read_text())["state"]
    one = several / "products" / "user" / "tester" / "valid-base"
    report = validate_catalog(several, paths=[one])
    assert {p.product for p in report.problems} <= {"user/tester/valid-base"}
    after = json.loads(state_file.read_text())["state"]
    assert set(after["checks"]) == set(before["checks"]) == {
        f"user/tester/{n}" for n in TABLE_CASES if "id" not in MANIFEST[n]}


def test_an_exported_copy_finds_headers_by_content(
        several: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pzbuild review validates a head exported to a temporary folder with the catalog's own
    cache: every file has a new stamp there, so headers are found by content."""
    import shutil

    first = []
    for n in range(2):
        copy = tmp_path / f"export-{n}"
        shutil.copytree(several, copy, ignore=shutil.ignore_patterns(CACHE_DIR), symlinks=True)
        if n:
            monkeypatch.setattr(pzbuild.tables, "open_table", refuse)
        with InspectCache(several) as cache:
            first.append(formatted(validate_catalog(copy, cache=cache)))
    assert first[0] == first[1] and any(" R406 " in p for p in first[0])
