"""`pzbuild review` on real git repositories: a copy of the example catalog committed as the
base on main, a branch with the change of a pull request, the report read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner, Result

from pzbuild.cli import main
from pzbuild.codeowners import write_codeowners

from .conftest import copy_example_catalog

#: The review command of the pull-request workflow, as the tests run it (test_workflows.py
#: checks that .github/workflows/pull-request.yml runs exactly this, with the base branch
#: "main").
CI_REVIEW_ARGS = ["review", "--base", "origin/main", "--format", "markdown"]

GIT_ENV = {"GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.org",
           "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def make_base_repo(dest: Path) -> Path:
    """The example catalog with a current .github/CODEOWNERS, committed on main."""
    copy_example_catalog(dest)
    _, wrote = write_codeowners(dest)
    assert wrote
    git(dest, "init", "-q", "-b", "main")
    commit_all(dest, "base catalog")
    # Warm the inspection cache (ignored by git): copies of this repository reuse it.
    assert run(dest, "inspect").exit_code == 0
    return dest


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base_repo(tmp_path_factory.mktemp("review") / "catalog")


@pytest.fixture
def pr_repo(base_repo: Path, tmp_path: Path) -> Path:
    """A copy of the base repository on a new branch `pr`."""
    repo = tmp_path / "catalog"
    shutil.copytree(base_repo, repo, symlinks=True)
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def run(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--root", str(repo)])


def review_json(repo: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run(repo, "review", "--base", "main", "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def review_markdown(repo: Path, *extra: str) -> tuple[int, str]:
    result = run(repo, "review", "--base", "main", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout


def ids(report: dict[str, Any], status: str) -> list[str]:
    return [p["id"] for p in report[status]]


def flags(report: dict[str, Any]) -> dict[str, list[str]]:
    return {f["kind"]: f["paths"] for f in report["flags"]}


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")


def add_user_product(repo: Path, owner: str = "newbie", slug: str = "wide-specz-copy",
                     **fields: Any) -> Path:
    """A new user product: a copy of user/asmith/synth-specz-wide with other fields."""
    folder = repo / "products" / "user" / owner / slug
    shutil.copytree(repo / "products" / "user" / "asmith" / "synth-specz-wide", folder)
    edit_yaml(folder / "product.yaml",
              lambda d: d.update({"name": f"A copy by {owner}", **fields}))
    return folder


# -- the five kinds of pull request ---------------------------------------------------------

def test_adding_a_user_product(pr_repo: Path) -> None:
    folder = add_user_product(pr_repo)
    commit_all(pr_repo, "add a user product")
    code, report = review_json(pr_repo)
    assert code == 0 and report["ok"] is True
    assert ids(report, "added") == ["user/newbie/wide-specz-copy"]
    assert ids(report, "changed") == [] and ids(report, "removed") == []
    assert report["flags"] == []
    added = report["added"][0]
    assert added["valid"] is True and added["name"] == "A copy by newbie"
    rows = len((folder / "specz_wide.csv").read_text().splitlines()) - 1  # one header line
    assert added["rows"] == {"before": None, "after": rows}
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert added["size"] == {"before": None, "after": size}
    assert sorted(f["path"] for f in added["files"]) == ["product.yaml", "specz_wide.csv"]
    code, text = review_markdown(pr_repo)
    assert code == 0
    assert text.startswith("<!-- pzbuild-review -->\n## pzbuild review: ✅ valid")
    assert "### Added" in text and "`user/newbie/wide-specz-copy`" in text
    assert "Needs a maintainer" not in text and "### Changed" not in text


def test_editing_an_official_product(pr_repo: Path) -> None:
    folder = pr_repo / "products" / "official" / "synth-specz-ecdfs"
    edit_yaml(folder / "product.yaml", lambda d: d.update(
        name="ECDFS spec-z, first half", tags=["synthetic", "ecdfs"]))
    table = pq.read_table(folder / "specz_ecdfs.parquet")
    before_rows = table.num_rows
    before_size = (folder / "specz_ecdfs.parquet").stat().st_size
    pq.write_table(table.slice(0, before_rows // 2), folder / "specz_ecdfs.parquet")
    after_size = (folder / "specz_ecdfs.parquet").stat().st_size
    commit_all(pr_repo, "official: keep half the rows")
    code, report = review_json(pr_repo)
    assert code == 0, report
    assert ids(report, "changed") == ["official/synth-specz-ecdfs"]
    assert ids(report, "added") == [] and ids(report, "removed") == []
    assert flags(report) == {"official": ["official/synth-specz-ecdfs"]}
    changed = report["changed"][0]
    assert changed["valid"] is True
    assert changed["rows"] == {"before": before_rows, "after": before_rows // 2}
    fields = {f["field"]: (f["before"], f["after"]) for f in changed["metadata"]}
    assert fields["name"] == ("Synthetic spec-z compilation in ECDFS",
                              "ECDFS spec-z, first half")
    assert fields["tags"][1] == ["synthetic", "ecdfs"]
    assert set(fields) == {"name", "tags"}  # nothing else differs once read
    files = {f["path"]: f for f in changed["files"]}
    assert files["specz_ecdfs.parquet"]["status"] == "changed"
    assert (files["specz_ecdfs.parquet"]["size_before"],
            files["specz_ecdfs.parquet"]["size_after"]) == (before_size, after_size)
    code, text = review_markdown(pr_repo)
    assert "### Needs a maintainer's approval" in text
    assert "- **official**:" in text and "`official/synth-specz-ecdfs`" in text
    assert f"rows {before_rows:,} → {before_rows // 2:,}" in text
    assert "| `name` | `Synthetic spec-z compilation in ECDFS` | " \
           "`ECDFS spec-z, first half` |" in text


def test_changing_the_access_list(pr_repo: Path, tmp_path: Path) -> None:
    from pzbuild.access import add_user, generate_key

    key = generate_key(tmp_path / "reader.pem")
    add_user(pr_repo / "access" / "users.yaml", "areader", key.public_key, name="A Reader")
    commit_all(pr_repo, "access: add a reader")
    code, report = review_json(pr_repo)
    assert code == 0, report
    assert flags(report) == {"access": ["access/users.yaml"]}
    assert report["added"] == report["changed"] == report["removed"] == []
    assert report["other_changes"] == [{"status": "M", "path": "access/users.yaml"}]
    # A broken access list fails the review: the sealed build of main would fail.
    users = pr_repo / "access" / "users.yaml"
    users.write_text(users.read_text().replace("p256:", "p256:broken"))
    commit_all(pr_repo, "access: break a key")
    code, report = review_json(pr_repo)
    assert code == 1 and report["ok"] is False
    assert [p["code"] for p in report["problems"]] == ["A807"]
    assert report["problems"][0]["location"]["path"] == "access/users.yaml"


def test_deleting_a_product(pr_repo: Path) -> None:
    git(pr_repo, "rm", "-r", "-q", "products/user/asmith/synth-objects-wide")
    commit_all(pr_repo, "remove a product")
    code, report = review_json(pr_repo)
    assert code == 0, report
    assert ids(report, "removed") == ["user/asmith/synth-objects-wide"]
    assert flags(report) == {"deletion": ["user/asmith/synth-objects-wide"]}
    removed = report["removed"][0]
    assert removed["valid"] is None and removed["problems"] == []
    assert removed["size"]["after"] is None and removed["size"]["before"] > 0
    assert removed["rows"]["before"] > 0 and removed["rows"]["after"] is None
    code, text = review_markdown(pr_repo)
    assert "- **deletion**: deletes products or files: `user/asmith/synth-objects-wide`" \
        in text
    assert "### Removed" in text


def test_deleting_a_product_others_derive_from(pr_repo: Path) -> None:
    git(pr_repo, "rm", "-r", "-q", "products/user/jcarberry/synth-linear-model")
    commit_all(pr_repo, "remove a product others cite")
    code, report = review_json(pr_repo)
    assert code == 1
    broken = {p["product"] for p in report["problems"] if p["code"] == "R410"}
    assert broken == {"user/jcarberry/synth-pz-pdfs-ecdfs",
                      "user/jcarberry/synth-pz-validation-ecdfs"}


def test_an_invalid_product(pr_repo: Path) -> None:
    add_user_product(pr_repo, slug="bad-type", type="spectra")
    commit_all(pr_repo, "add an invalid product")
    code, report = review_json(pr_repo)
    assert code == 1 and report["ok"] is False and report["errors"] >= 1
    added = report["added"][0]
    assert added["id"] == "user/newbie/bad-type" and added["valid"] is False
    codes = {p["code"] for p in added["problems"]}
    assert "R401" in codes or "S204" in codes
    where = added["problems"][0]["location"]
    assert where["path"] == "products/user/newbie/bad-type/product.yaml"
    assert where["line"] is not None
    assert added["rows"]["after"] is None  # an invalid product is not inspected
    code, text = review_markdown(pr_repo)
    assert code == 1
    assert "## pzbuild review: ❌" in text and "❌" in text.split("`user/newbie/bad-type`")[1]
    assert "products/user/newbie/bad-type/product.yaml:" in text


# -- the head: working tree (default) or a ref ----------------------------------------------

def test_the_working_tree_is_the_default_head(pr_repo: Path) -> None:
    add_user_product(pr_repo, slug="not-committed-yet")  # untracked
    readme = pr_repo / "products" / "official" / "synth-specz-ecdfs" / "README.md"
    readme.write_text(readme.read_text() + "\nOne more line.\n")  # modified, not staged
    code, report = review_json(pr_repo)
    assert ids(report, "added") == ["user/newbie/not-committed-yet"]
    assert ids(report, "changed") == ["official/synth-specz-ecdfs"]
    assert report["head"]["ref"] is None
    # --head HEAD reviews the commit alone: no change at all.
    code, report = review_json(pr_repo, "--head", "HEAD")
    assert code == 0 and report["added"] == report["changed"] == []


def test_head_ref_is_read_from_git_not_the_working_tree(pr_repo: Path) -> None:
    add_user_product(pr_repo, slug="on-the-branch")
    commit_all(pr_repo, "add")
    git(pr_repo, "checkout", "-q", "main")
    assert not (pr_repo / "products" / "user" / "newbie").exists()
    code, report = review_json(pr_repo, "--head", "pr")
    assert code == 0, report
    assert ids(report, "added") == ["user/newbie/on-the-branch"]
    assert report["added"][0]["rows"]["after"] > 0
    assert report["head"]["ref"] == "pr"


def test_review_compares_with_the_merge_base(pr_repo: Path) -> None:
    """Products added to main after the branch point are not part of the pull request."""
    add_user_product(pr_repo, slug="from-the-pr")
    commit_all(pr_repo, "pr")
    git(pr_repo, "checkout", "-q", "main")
    add_user_product(pr_repo, owner="other", slug="merged-meanwhile")
    commit_all(pr_repo, "main moves on")
    git(pr_repo, "checkout", "-q", "pr")
    code, report = review_json(pr_repo)
    assert ids(report, "added") == ["user/newbie/from-the-pr"]
    assert report["removed"] == []


# -- CODEOWNERS and the maintainers ---------------------------------------------------------

def test_maintainers_changed_without_codeowners(pr_repo: Path) -> None:
    edit_yaml(pr_repo / "catalog.yaml", lambda d: d["maintainers"].append(
        {"handle": "second-maintainer", "name": "Another"}))
    commit_all(pr_repo, "a new maintainer")
    code, report = review_json(pr_repo)
    assert code == 1
    assert set(flags(report)) == {"catalog", "codeowners"}
    assert [p["code"] for p in report["problems"]] == ["G906"]
    code, text = review_markdown(pr_repo)
    assert "- **codeowners**:" in text and "G906" in text
    assert run(pr_repo, "codeowners").exit_code == 0
    commit_all(pr_repo, "CODEOWNERS follows")
    code, report = review_json(pr_repo)
    assert code == 0
    assert flags(report) == {"catalog": ["catalog.yaml"], "ci": [".github/CODEOWNERS"]}


def test_missing_codeowners_fails(pr_repo: Path) -> None:
    git(pr_repo, "rm", "-q", ".github/CODEOWNERS")
    commit_all(pr_repo, "drop CODEOWNERS")
    code, report = review_json(pr_repo)
    assert code == 1
    assert [p["code"] for p in report["problems"]] == ["G905"]
    assert set(flags(report)) == {"ci", "deletion", "codeowners"}


def test_schema_and_site_changes_are_flagged(pr_repo: Path) -> None:
    vocab = pr_repo / "schema" / "vocabulary.yaml"
    vocab.write_text(vocab.read_text() + "\n# a comment\n")
    template = next((pr_repo / "site_templates").glob("*.j2"))
    template.write_text(template.read_text() + "\n")
    commit_all(pr_repo, "schema and templates")
    code, report = review_json(pr_repo)
    assert code == 0
    assert flags(report)["schema"] == ["schema/vocabulary.yaml"]
    assert flags(report)["site"] == [template.relative_to(pr_repo).as_posix()]
    # The whole catalog is validated, not only the changed products.
    assert report["products_checked"] == len(list(pr_repo.glob("products/**/product.yaml")))


# -- what a submitter writes cannot forge the report ----------------------------------------

def test_submitted_text_stays_inert_in_the_markdown(pr_repo: Path) -> None:
    add_user_product(pr_repo, slug="tricky", name="x | y` ## ✅ valid <script>@admin</script>")
    commit_all(pr_repo, "tricky name")
    code, text = review_markdown(pr_repo)
    heading = next(line for line in text.splitlines() if "tricky" in line)
    assert heading.startswith("#### `user/newbie/tricky` — `")
    # The name is one code span: its backquote is replaced, its pipe escaped.
    assert "`x \\| y' ## ✅ valid <script>@admin</script>`" in heading
    assert not any(line.startswith("## ✅") for line in text.splitlines()[2:])


# -- usage errors: exit 2 with a clear message -----------------------------------------------

def test_unknown_ref(pr_repo: Path) -> None:
    result = run(pr_repo, "review", "--base", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown git ref 'no-such-branch'" in result.stderr
    assert "Traceback" not in result.output


def test_not_a_git_repository(tmp_path: Path) -> None:
    root = copy_example_catalog(tmp_path / "plain")
    result = run(root, "review", "--base", "main")
    assert result.exit_code == 2
    assert "is not in a git repository" in result.stderr


def test_catalog_below_the_top_of_the_repository(tmp_path: Path) -> None:
    copy_example_catalog(tmp_path / "repo" / "catalog")
    git(tmp_path / "repo", "init", "-q", "-b", "main")
    commit_all(tmp_path / "repo", "nested")
    result = run(tmp_path / "repo" / "catalog", "review", "--base", "main")
    assert result.exit_code == 2
    assert "is not the top folder of its git repository" in result.stderr


def _shallow_clone(source: Path, dest: Path, *extra: str) -> Path:
    git(source.parent, "clone", "-q", "--depth", "1", *extra, f"file://{source}", str(dest))
    return dest


def test_shallow_clone_without_the_base(pr_repo: Path, tmp_path: Path) -> None:
    add_user_product(pr_repo)
    commit_all(pr_repo, "pr")
    clone = _shallow_clone(pr_repo, tmp_path / "shallow", "--branch", "pr")
    result = run(clone, "review", "--base", "origin/main")
    assert result.exit_code == 2, result.output
    assert "'origin/main' is not in this shallow clone" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_shallow_clone_without_the_merge_base(pr_repo: Path, tmp_path: Path) -> None:
    add_user_product(pr_repo)
    commit_all(pr_repo, "pr")
    clone = _shallow_clone(pr_repo, tmp_path / "shallow", "--branch", "pr",
                           "--no-single-branch")
    result = run(clone, "review", "--base", "origin/main")
    assert result.exit_code == 2, result.output
    assert "history joining the base and the head is not in this shallow clone" \
        in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_full_clone_reviews_like_ci(pr_repo: Path, tmp_path: Path) -> None:
    """The command of the pull-request workflow, in a full clone with origin/main."""
    add_user_product(pr_repo)
    commit_all(pr_repo, "pr")
    git(tmp_path, "clone", "-q", "--branch", "pr", f"file://{pr_repo}", "clone")
    result = CliRunner().invoke(main, [*CI_REVIEW_ARGS, "--root", str(tmp_path / "clone")])
    assert result.exit_code == 0, result.output
    assert "`user/newbie/wide-specz-copy`" in result.stdout


def test_a_long_report_is_cut_to_fit_a_comment(pr_repo: Path) -> None:
    from pzbuild.review import review, to_markdown

    for i in range(12):
        add_user_product(pr_repo, slug=f"copy-{i}")
    commit_all(pr_repo, "many products")
    result = review(pr_repo, "main")
    full = to_markdown(result, max_chars=10**9)
    assert full.count("#### `user/newbie/copy-") == 12
    cut = to_markdown(result, max_chars=2_000)
    kept, _, note = cut.partition("\n_The report is cut here")
    assert len(cut) <= 2_000 and kept.endswith("\n") and full.startswith(kept)
    assert f"({len(full) - len(kept):,} more characters)" in note
