"""`pzbuild promote` (pzbuild/promote.py, pzbuild/yamledit.py): a user product moves into the
official section with git mv, keeps its history, records where it came from, and its old
URL stays a redirect in the built site. Every test runs git in a temporary folder."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pzbuild import promote as promote_module
from pzbuild.cli import main
from pzbuild.config import load_catalog
from pzbuild.problems import Location, Problem
from pzbuild.site.build import build_site
from pzbuild.validate import validate_catalog
from pzbuild.yamledit import EditError, add_promoted_from, replace_derived_from
from pzbuild.yamlload import load_yaml_bytes

from .conftest import copy_example_catalog, make_catalog_root
from .test_history import HOSTILE_AUTHOR, HOSTILE_SUBJECT, Repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="no git")

OLD = "user/jcarberry/synth-linear-model"
NEW = "official/linear-model"
USERS_OF_OLD = ("user/jcarberry/synth-pz-pdfs-ecdfs", "user/jcarberry/synth-pz-validation-ecdfs")
BAD = Path(__file__).parent / "bad"


def promoted_catalog(tmp_path: Path) -> tuple[Repo, str]:
    """The example catalog in a git repository: committed, then a change to a user product
    committed (by a hostile author), then that product promoted to NEW and committed with
    the command `pzbuild promote` printed. Returns the repository and that output."""
    root = copy_example_catalog(tmp_path / "catalog")
    repo = Repo(root)
    repo.write(".gitignore", ".pzbuild-cache/\n")
    repo.commit("The example catalog", author="Ann Author", date="2024-01-02")
    yaml_path = root / "products" / OLD / "product.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(text.replace("provenance:\n", "provenance:  # where it comes from\n"),
                         encoding="utf-8")
    (root / "products" / OLD / "model.json").write_text('{"coefficients": [1, 2]}\n')
    repo.commit(HOSTILE_SUBJECT, author=HOSTILE_AUTHOR, date="2024-02-03")

    result = CliRunner().invoke(main, ["promote", OLD, "--as", "linear-model",
                                       "--root", str(root)])
    assert result.exit_code == 0, result.output
    command = result.output.strip().splitlines()[-1]
    args = shlex.split(command)
    assert args[:4] == ["git", "-C", str(root), "commit"]
    repo.git(*args[3:], date="2024-03-04")
    return repo, result.output


def test_promote_moves_records_rewrites_and_keeps_history(tmp_path) -> None:
    repo, output = promoted_catalog(tmp_path)
    root = repo.root
    assert f"moved products/{OLD} -> products/{NEW} (git mv)" in output
    for pid in USERS_OF_OLD:
        assert f"rewrote derived_from {OLD} -> {NEW} in products/{pid}/product.yaml" in output
    # the printed commit took everything: nothing is left uncommitted
    assert repo.git("status", "--porcelain") == ""
    assert not (root / "products" / OLD).exists()

    # product.yaml: one line more, comments and layout kept
    before = repo.git("show", f"HEAD~1:products/{OLD}/product.yaml")
    after = (root / "products" / NEW / "product.yaml").read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [f'  promoted_from: {{id: {OLD}, date: "{_today()}"}}']
    assert "provenance:  # where it comes from\n  promoted_from:" in after
    assert after.replace(added[0] + "\n", "") == before
    data = load_yaml_bytes(after.encode(), "x").data
    assert data["provenance"]["promoted_from"] == {"id": OLD, "date": _today()}
    for pid in USERS_OF_OLD:
        text = (root / "products" / pid / "product.yaml").read_text(encoding="utf-8")
        old_text = repo.git("show", f"HEAD~1:products/{pid}/product.yaml")
        assert text == old_text.replace(OLD, NEW) and OLD not in text
    report = validate_catalog(root)
    assert not report.errors, [p.format() for p in report.errors]

    # git log --follow sees the commits from before the move
    follow = repo.git("log", "--follow", "--format=%s", "--",
                      f"products/{NEW}/product.yaml").splitlines()
    assert follow == [f"Promote {OLD} to {NEW}", HOSTILE_SUBJECT, "The example catalog"]

    # the site: a redirect at the old URL, the history of the new product
    out = tmp_path / "site"
    result = build_site(load_catalog(root), out, jobs=1)
    assert result.ok, result.problems
    old_page = (out / "products" / OLD / "index.html").read_text(encoding="utf-8")
    target = f"../../../../products/{NEW}/"
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in old_page
    assert f'<a href="{target}">{NEW}</a>' in old_page and "<script" not in old_page
    assert (out / target.replace("../", "")).joinpath("index.html").is_file()
    new_json = (out / "products" / NEW / "product.json").read_bytes()
    assert (out / "products" / OLD / "product.json").read_bytes() == new_json
    record = json.loads(new_json)
    assert record["provenance"]["promoted_from"] == {"id": OLD, "date": _today()}
    history = record["history"]
    assert history["former_ids"] == [OLD]
    assert [c["subject"] for c in history["commits"]] == [
        f"Promote {OLD} to {NEW}", HOSTILE_SUBJECT, "The example catalog"]
    assert [c["data_changed"] for c in history["commits"]] == [False, True, True]
    assert record["created"] == "2024-01-02" and record["updated"] == "2024-03-04"
    page = (out / "products" / NEW / "index.html").read_text(encoding="utf-8")
    section = page[page.index('class="pz-product__section pz-product__history"'):]
    assert "The example catalog" in section and "&lt;script&gt;alert(1)" in section
    assert f"<code>{OLD}</code>" in section
    users = json.loads((out / "products" / USERS_OF_OLD[0] / "product.json").read_text())
    assert NEW in [link["id"] for link in users["provenance"]["derived_from"]]
    # the old id is in no list, search or sitemap: only its redirect remains
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert OLD not in [e["id"] for e in catalog["products"]]
    assert f"products/{OLD}/" not in (out / "sitemap.xml").read_text(encoding="utf-8")

    # the Python client finds the product by its old id too, and says it moved
    from pzbuild.client import Catalog, ProductMoved, ProductNotFound

    cat = Catalog(out)
    with pytest.warns(ProductMoved, match=f"{OLD}.*now '{NEW}'"):
        assert cat.get_product_metadata(OLD)["id"] == NEW
    with pytest.warns(ProductMoved):
        assert cat[OLD]["url"] == f"products/{NEW}/"
    with pytest.raises(ProductNotFound):  # an id that never was, of the same form
        cat.get_product_metadata("user/jcarberry/never-was")

    # a rebuild keeps the redirect (it comes from the records, not from the last site)
    again = build_site(load_catalog(root), out, jobs=1)
    assert again.rendered == 0 and (out / "products" / OLD / "index.html").is_file()


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


# Refusals: exit 2 (1 for an invalid product), a clear message, nothing changed ---------


def small_repo(tmp_path: Path, *, git: bool = True) -> Path:
    """A catalog with one valid user product, user/tester/x, committed."""
    root = make_catalog_root(tmp_path / "catalog")
    folder = root / "products" / "user" / "tester" / "x"
    folder.mkdir(parents=True)
    shutil.copy(BAD / "valid-base" / "product.yaml", folder / "product.yaml")
    shutil.copy(BAD / "_data" / "specz.csv", folder / "specz.csv")
    (root / ".gitignore").write_text(".pzbuild-cache/\n")
    if git:
        Repo(root).commit("x")
    return root


def _state(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "products").rglob("*")) if p.is_file()}


def _git_status(root: Path) -> str:
    out = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=root,
                         capture_output=True, text=True).stdout
    return "".join(line for line in out.splitlines(keepends=True)
                   if ".pzbuild-cache/" not in line)  # made by validation, ignored by git


@pytest.mark.parametrize("case, args, message", [
    ("not-git", ["user/tester/x"], "is not a git checkout"),
    ("plain", ["user/tester/nope"], "no product user/tester/nope"),
    ("plain", ["official/x"], "is not the id of a user product"),
    ("plain", ["user/tester"], "is not the id of a user product"),
    ("plain", ["user/Tester/x"], "owner handle 'Tester' must be lower-case"),
    ("plain", ["user/tester/x", "--as", "Bad_Slug"], "slug given by --as 'Bad_Slug'"),
    ("target-exists", ["user/tester/x"], "products/official/x already exists"),
    ("target-exists-case", ["user/tester/x"], "already exists"),
    ("modified", ["user/tester/x"], "uncommitted changes in products/user/tester/x "
                                    "(products/user/tester/x/specz.csv)"),
    ("untracked", ["user/tester/x"], "products/user/tester/x/notes.txt"),
    ("never-committed", ["user/tester/y"], "products/user/tester/y is not committed"),
])
def test_promote_refuses(tmp_path, case, args, message) -> None:
    root = small_repo(tmp_path, git=case != "not-git")
    if case.startswith("target-exists"):
        name = "X" if case.endswith("case") else "x"
        shutil.copytree(root / "products/user/tester/x", root / "products/official" / name)
    elif case == "modified":
        with open(root / "products/user/tester/x/specz.csv", "a") as f:
            f.write("5,150.1,2.1,0.5,0.001,4\n")
    elif case == "untracked":
        (root / "products/user/tester/x/notes.txt").write_text("draft\n")
    elif case == "never-committed":
        shutil.copytree(root / "products/user/tester/x", root / "products/user/tester/y")
    before, status = _state(root), _git_status(root)
    result = CliRunner().invoke(main, ["promote", *args, "--root", str(root)])
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert _state(root) == before and _git_status(root) == status


def test_promote_refuses_an_invalid_product_with_its_problems(tmp_path) -> None:
    root = small_repo(tmp_path)
    path = root / "products/user/tester/x/product.yaml"
    path.write_text(path.read_text().replace("license: CC-BY-4.0", "license: Not-A-Licence"))
    Repo(root).commit("break it")
    before = _state(root)
    result = CliRunner().invoke(main, ["promote", "user/tester/x", "--root", str(root)])
    assert result.exit_code == 1, result.output
    assert "products/user/tester/x/product.yaml:9:" in result.output and "R408" in result.output
    assert "user/tester/x is invalid" in result.output
    assert _state(root) == before and _git_status(root) == ""


def test_a_failure_after_the_move_puts_everything_back(tmp_path, monkeypatch) -> None:
    root = small_repo(tmp_path)
    other = root / "products/user/tester/uses-x"
    other.mkdir()
    text = (BAD / "valid-base" / "product.yaml").read_text().replace(
        "name: Test spec-z catalog", "name: Uses x")
    (other / "product.yaml").write_text(text + "provenance:\n  derived_from: ['user/tester/x']\n")
    shutil.copy(BAD / "_data" / "specz.csv", other / "specz.csv")
    Repo(root).commit("uses x")
    before = _state(root)
    real = promote_module._errors
    calls: list[int] = []

    def fail_after_the_move(catalog, folders):  # the real validation, then one problem more
        found = real(catalog, folders)
        calls.append(1)
        if len(calls) == 2:
            assert (root / "products/official/x/product.yaml").is_file()  # really moved
            found = [*found, Problem("R410", "made up for the test",
                                     Location("products/official/x/product.yaml"), "official/x")]
        return found

    monkeypatch.setattr(promote_module, "_errors", fail_after_the_move)
    result = CliRunner().invoke(main, ["promote", "user/tester/x", "--root", str(root)])
    assert result.exit_code == 1 and "made up for the test" in result.output
    assert "would be invalid; nothing was changed" in result.output
    assert _state(root) == before and _git_status(root) == ""


# Text edits of product.yaml ------------------------------------------------------------

BASE = (BAD / "valid-base" / "product.yaml").read_text()


@pytest.mark.parametrize("tail, expect", [
    ("", "provenance:\n  promoted_from: {id: user/a/b, date: \"2025-01-02\"}\n"),
    ("provenance:   # kept\n    notes: Some notes.\n",
     "provenance:   # kept\n    promoted_from: {id: user/a/b, date: \"2025-01-02\"}\n"
     "    notes: Some notes.\n"),
    ("provenance: {notes: n}  # flow\n",
     "provenance: {promoted_from: {id: user/a/b, date: \"2025-01-02\"}, notes: n}  # flow\n"),
    ("provenance: {}\n", "provenance: {promoted_from: {id: user/a/b, date: \"2025-01-02\"}}\n"),
])
def test_add_promoted_from_keeps_the_text(tail, expect) -> None:
    text = BASE + tail
    out = add_promoted_from(text, "p.yaml", "user/a/b", "2025-01-02")
    assert out == BASE + expect
    crlf = add_promoted_from(text.replace("\n", "\r\n"), "p.yaml", "user/a/b", "2025-01-02")
    assert crlf == (BASE + expect).replace("\n", "\r\n")


def test_add_promoted_from_refuses_what_it_cannot_edit_safely() -> None:
    with pytest.raises(EditError, match="already set"):
        add_promoted_from(BASE + "provenance:\n  promoted_from: {id: user/a/c, date: "
                          "'2024-01-01'}\n", "p.yaml", "user/a/b", "2025-01-02")
    with pytest.raises(EditError, match="more than asked"):  # after the end of the document
        add_promoted_from(BASE + "...\n", "p.yaml", "user/a/b", "2025-01-02")
    with pytest.raises(EditError, match="does not know"):
        add_promoted_from(BASE + "provenance: !!map {notes: n}\n", "p.yaml", "user/a/b", "2025")


def test_replace_derived_from_keeps_quotes_and_other_items() -> None:
    text = BASE + ("provenance:\n  derived_from:\n    - 'user/a/b'   # the model\n"
                   "    - official/c\n    - \"user/a/b-2\"\n")
    out = replace_derived_from(text, "p.yaml", "user/a/b", "official/b")
    assert out == text.replace("'user/a/b'", "'official/b'")
    flow = BASE + "provenance: {derived_from: [official/c, user/a/b]}\n"
    assert replace_derived_from(flow, "p.yaml", "user/a/b", "official/b") == \
        flow.replace("user/a/b]", "official/b]")
    assert replace_derived_from(BASE, "p.yaml", "user/a/b", "official/b") == BASE


# The redirects of the site ---------------------------------------------------------------


def test_redirects_come_from_promoted_from_and_never_overwrite(tmp_path) -> None:
    from pzbuild.site.redirects import redirect_page, redirects, write_redirects

    records = [
        {"id": "official/a", "name": 'A <script>alert(1)</script> & "b"',
         "provenance": {"promoted_from": {"id": "user/x/a", "date": "2025-01-02"}}},
        {"id": "official/b", "name": "B", "provenance": {"promoted_from": None}},
        {"id": "official/c", "name": "C",
         "provenance": {"promoted_from": {"id": "user/x/taken", "date": "2025-01-02"}}},
    ]
    found = redirects(records)
    assert [(r.old_id, r.new_id) for r in found] == [("user/x/a", "official/a"),
                                                      ("user/x/taken", "official/c")]
    page = redirect_page(found[0])
    assert "<script>alert" not in page and "A &lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    (tmp_path / "products/user/x/taken").mkdir(parents=True)
    (tmp_path / "products/user/x/taken/index.html").write_text("a page of its own")
    warnings = write_redirects(tmp_path, records, {"official/a": '{"id": "official/a"}',
                                                   "official/c": "{}"})
    assert warnings == ["official/c: no redirect from products/user/x/taken/: that URL is "
                        "taken"]
    assert (tmp_path / "products/user/x/taken/index.html").read_text() == "a page of its own"
    assert (tmp_path / "products/user/x/a/product.json").read_text() == '{"id": "official/a"}'
