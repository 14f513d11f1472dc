"""Maintainers in catalog.yaml and the .github/CODEOWNERS made from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pzbuild.cli import main
from pzbuild.codeowners import (
    CODEOWNERS,
    OWNED_PATHS,
    check_codeowners,
    owned_kind,
    read_maintainers,
)
from pzbuild.config import load_catalog

from .conftest import REPO, make_catalog_root

HEAD = "title: Test catalog\n"


def write_catalog(root: Path, maintainers_yaml: str) -> Path:
    (root / "catalog.yaml").write_text(HEAD + maintainers_yaml, encoding="utf-8")
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["codeowners", *args, "--root", str(root)])


def test_the_repository_codeowners_is_current() -> None:
    check = check_codeowners(REPO)
    assert check.ok, [p.format() for p in check.problems]


def test_write_then_check(empty_catalog: Path) -> None:
    write_catalog(empty_catalog, "maintainers:\n  - {handle: alice, name: Alice}\n"
                                 "  - {handle: lsst-pz/maintainers}\n")
    assert run(empty_catalog, "--check").exit_code == 1  # missing
    result = run(empty_catalog)
    assert result.exit_code == 0, result.output
    text = (empty_catalog / CODEOWNERS).read_text()
    for pattern, _, _ in OWNED_PATHS:
        assert f"\n{pattern.ljust(19)} @alice @lsst-pz/maintainers\n" in text
    assert sorted(p.name for p in (empty_catalog / ".github").iterdir()) == ["CODEOWNERS"]
    assert run(empty_catalog, "--check").exit_code == 0
    again = run(empty_catalog)
    assert again.exit_code == 0 and "up to date" in again.stderr


def test_check_finds_a_stale_file(empty_catalog: Path) -> None:
    write_catalog(empty_catalog, "maintainers:\n  - {handle: alice}\n")
    assert run(empty_catalog).exit_code == 0
    write_catalog(empty_catalog, "maintainers:\n  - {handle: alice}\n  - {handle: bob}\n")
    result = run(empty_catalog, "--check")
    assert result.exit_code == 1
    assert result.stderr.startswith(".github/CODEOWNERS: G906 ")
    assert "@bob" not in (empty_catalog / CODEOWNERS).read_text()  # --check writes nothing
    # A hand edit is stale too.
    assert run(empty_catalog).exit_code == 0
    with (empty_catalog / CODEOWNERS).open("a") as f:
        f.write("/products/user/ @someone\n")
    assert run(empty_catalog, "--check").exit_code == 1


@pytest.mark.parametrize(("maintainers", "code", "line", "words"), [
    ("", "G901", 1, "maintainers is empty"),
    ("maintainers: []\n", "G901", 2, "maintainers is empty"),
    ("maintainers: alice\n", "G901", 2, "is not a list"),
    ("maintainers:\n  - {name: Alice}\n", "G902", 3, "maintainer 1 has no handle"),
    ("maintainers:\n  - {handle: alice}\n  - bob\n", "G902", 4, "maintainer 2 has no handle"),
    ("maintainers:\n  - {handle: ''}\n", "G902", 3, "no handle"),
    ("maintainers:\n  - handle: '@alice'\n", "G903", 3, "without the leading @"),
    ("maintainers:\n  - handle: -alice\n", "G903", 3, "is not a GitHub handle"),
    ("maintainers:\n  - handle: al--ice\n", "G903", 3, "is not a GitHub handle"),
    ("maintainers:\n  - handle: al_ice\n", "G903", 3, "is not a GitHub handle"),
    ("maintainers:\n  - handle: " + "a" * 40 + "\n", "G903", 3, "at most 39"),
    ("maintainers:\n  - handle: 12345\n", "G903", 3, "'12345' is not a GitHub handle"),
    ("maintainers:\n  - handle: org/\n", "G903", 3, "is not a GitHub handle"),
])
def test_bad_maintainers(empty_catalog: Path, maintainers: str, code: str, line: int,
                         words: str) -> None:
    write_catalog(empty_catalog, maintainers)
    found = read_maintainers(empty_catalog)
    assert [p.code for p in found.errors] == [code]
    problem = found.errors[0]
    assert problem.location.path == "catalog.yaml" and problem.location.line == line
    assert words in problem.message
    result = run(empty_catalog)
    assert result.exit_code == 1
    assert f"catalog.yaml:{line}:" in result.stderr and code in result.stderr
    assert not (empty_catalog / ".github").exists()  # nothing written
    assert "Traceback" not in result.output


def test_a_maintainer_listed_twice_is_a_warning(empty_catalog: Path) -> None:
    write_catalog(empty_catalog, "maintainers:\n  - {handle: alice}\n  - {handle: Alice}\n")
    found = read_maintainers(empty_catalog)
    assert [p.code for p in found.problems] == ["G904"] and not found.errors
    assert found.handles == ["alice"]
    assert run(empty_catalog).exit_code == 0


def test_unreadable_catalog_yaml(empty_catalog: Path) -> None:
    (empty_catalog / "catalog.yaml").write_text("maintainers: [\n")
    result = run(empty_catalog)
    assert result.exit_code == 1 and "catalog.yaml:" in result.stderr
    assert "Y101" in result.stderr


def test_the_catalog_loader_keeps_only_well_formed_maintainers(tmp_path: Path) -> None:
    root = make_catalog_root(tmp_path / "c")
    write_catalog(root, "maintainers:\n  - {handle: alice}\n  - bob\n")
    assert load_catalog(root).maintainers == [{"handle": "alice"}]
    write_catalog(root, "maintainers: bob\n")
    assert load_catalog(root).maintainers == []


@pytest.mark.parametrize(("path", "kind"), [
    ("products/official/x/product.yaml", "official"),
    ("products/user/a/x/product.yaml", None),
    ("access/users.yaml", "access"),
    ("schema/vocabulary.yaml", "schema"),
    ("catalog.yaml", "catalog"),
    ("catalog.yaml.bak", None),
    ("mkdocs.yml", "site"),
    ("docs/site/index.md", "site"),
    ("docs/design/site-format.md", None),
    (".github/workflows/deploy.yml", "ci"),
])
def test_owned_kinds(path: str, kind: str | None) -> None:
    assert owned_kind(path) == kind


def test_no_catalog(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.exit_code == 2 and "no catalog.yaml" in result.stderr
