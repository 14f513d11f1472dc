"""The history of products from git (pzbuild/site/history.py): commits, contributors, data
changes, renames and promotions, the fallbacks, the History section of the page and the
incremental build. Every test runs git on a repository made in a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pzbuild.config import load_catalog
from pzbuild.site.build import build_site
from pzbuild.site.history import ProductFiles, product_history
from pzbuild.site.product_page import ProductPage, render_product_body

from .conftest import copy_example_catalog

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="no git")

HOSTILE_AUTHOR = 'Mallory "&amp;" <i>O\'Hare</i> {{ 7*7 }}'
HOSTILE_SUBJECT = "Fix <script>alert(1)</script> <img src=x onerror=alert(2)> {{ 7*7 }} &amp;"


class Repo:
    """A git repository in a temporary folder, committing with given authors and dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str, author: str = "Ann Author", date: str = "2024-01-01") -> str:
        stamp = f"{date}T12:00:00+00:00"
        env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "a@example.org",
               "GIT_COMMITTER_NAME": "Committer", "GIT_COMMITTER_EMAIL": "c@example.org",
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
               "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        return subprocess.run(["git", *args], cwd=self.root, check=True, env=env,
                              capture_output=True, text=True).stdout

    def commit(self, message: str, **kwargs: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, **kwargs)
        return self.git("rev-parse", "HEAD").strip()

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def files(root: Path, pid: str, *names: str, text: tuple[str, ...] = (),
          promoted_from: str | None = None) -> ProductFiles:
    return ProductFiles(pid, root / "products" / pid, names, text, promoted_from)


def test_commits_contributors_and_data_changes(tmp_path) -> None:
    repo = Repo(tmp_path)
    a = "products/official/a"
    repo.write(f"{a}/product.yaml", "name: a\n")
    repo.write(f"{a}/data.csv", "x\n1\n")
    repo.write(f"{a}/README.md", "# A\n")
    first = repo.commit("Add a", author="Ann Author", date="2024-01-02")
    repo.write(f"{a}/product.yaml", "name: a, renamed\n")
    repo.commit("Metadata only", author="Bob Builder", date="2024-02-03")
    repo.write(f"{a}/README.md", "# A, better described\n")
    repo.commit("Description only", author="Ann Author", date="2024-03-04")
    repo.write(f"{a}/data.csv", "x\n1\n2\n")
    repo.commit(HOSTILE_SUBJECT + "\n\nA body that is not shown.", author=HOSTILE_AUTHOR,
                date="2024-04-05")
    repo.write("products/official/b/product.yaml", "name: b\n")
    last = repo.commit("Add b, not a", date="2024-05-06")

    history = product_history(tmp_path, [files(tmp_path, "official/a", "data.csv",
                                               "README.md", text=("README.md",)),
                                         files(tmp_path, "official/b")])
    assert history.warnings == []
    h = history.products["official/a"]
    assert h.source == "git" and h.note is None and h.former_ids == ()
    assert [c.subject for c in h.commits] == [HOSTILE_SUBJECT, "Description only",
                                              "Metadata only", "Add a"]
    assert [c.data_changed for c in h.commits] == [True, False, False, True]
    assert [c.date for c in h.commits] == ["2024-04-05", "2024-03-04", "2024-02-03",
                                           "2024-01-02"]
    assert h.commits[-1].hash == first and h.commits[-1].short == first[:len(h.commits[-1].short)]
    assert (h.dates.created, h.dates.updated) == ("2024-01-02", "2024-04-05")
    # git drops the angle brackets of a name; everything else is kept as written
    hostile = h.commits[0].author
    assert hostile == HOSTILE_AUTHOR.replace("<", "").replace(">", "")
    assert h.contributors() == [("Ann Author", 2), ("Bob Builder", 1), (hostile, 1)]
    record = h.to_dict()
    assert record["contributors"][0] == {"name": "Ann Author", "commits": 2}
    assert set(record["commits"][0]) == {"hash", "short", "date", "author", "subject",
                                         "data_changed"}
    b = history.products["official/b"]
    assert [c.hash for c in b.commits] == [last] and b.commits[0].data_changed is False
    assert json.loads(json.dumps(record)) == record


def test_a_moved_folder_keeps_its_history(tmp_path) -> None:
    repo = Repo(tmp_path)
    old, new = "products/user/jdoe/x", "products/official/x"
    repo.write(f"{old}/product.yaml", "name: x\ntype: other\n" + "line\n" * 20)
    repo.write(f"{old}/data.csv", "x\n1\n")
    repo.commit("Submit x", author="Jane Doe", date="2024-01-02")
    repo.write(f"{old}/data.csv", "x\n1\n2\n")
    repo.commit("More rows", author="Jane Doe", date="2024-02-03")
    (tmp_path / "products/official").mkdir()
    repo.git("mv", old, new)
    repo.write(f"{new}/product.yaml", "name: x\ntype: other\n" + "line\n" * 20 +
               "provenance: {promoted_from: {id: user/jdoe/x, date: '2024-03-04'}}\n")
    repo.commit("Promote x", author="Maintainer", date="2024-03-04")
    # a new product later takes the old id: its history is its own
    repo.write(f"{old}/product.yaml", "name: another x\n")
    repo.commit("Reuse the old id", author="Jane Doe", date="2024-04-05")

    history = product_history(tmp_path, [files(tmp_path, "official/x", "data.csv"),
                                         files(tmp_path, "user/jdoe/x")])
    h = history.products["official/x"]
    assert [c.subject for c in h.commits] == ["Promote x", "More rows", "Submit x"]
    assert [c.data_changed for c in h.commits] == [False, True, True]
    assert h.former_ids == ("user/jdoe/x",)
    assert h.dates.created == "2024-01-02"
    assert h.contributors() == [("Jane Doe", 2), ("Maintainer", 1)]
    assert [c.subject for c in history.products["user/jdoe/x"].commits] == ["Reuse the old id"]


def test_promoted_from_merges_what_git_did_not_see_as_a_rename(tmp_path) -> None:
    repo = Repo(tmp_path)
    repo.write("products/user/jdoe/x/product.yaml", "name: x\n")
    repo.commit("Submit x", date="2024-01-02")
    # moved and rewritten in one commit: too different for git's rename detection
    shutil.rmtree(tmp_path / "products/user/jdoe/x")
    repo.write("products/official/y/product.yaml", "something: else entirely\n" * 5)
    repo.commit("Promote x as y", date="2024-02-03")

    plain = product_history(tmp_path, [files(tmp_path, "official/y")])
    assert [c.subject for c in plain.products["official/y"].commits] == ["Promote x as y"]
    merged = product_history(tmp_path, [files(tmp_path, "official/y",
                                              promoted_from="user/jdoe/x")])
    h = merged.products["official/y"]
    assert [c.subject for c in h.commits] == ["Promote x as y", "Submit x"]
    assert h.former_ids == ("user/jdoe/x",) and h.dates.created == "2024-01-02"


def test_odd_paths_and_subjects_are_read_whole(tmp_path) -> None:
    repo = Repo(tmp_path)
    weird = "products/official/a/dir with space/tab\there\nnewline é.csv"
    repo.write("products/official/a/product.yaml", "name: a\n")
    repo.write(weird, "x\n")
    repo.commit("\x01 starts like a header\ttab — ünïcode", date="2024-01-02")
    history = product_history(tmp_path, [files(tmp_path, "official/a")])
    h = history.products["official/a"]
    assert len(h.commits) == 1 and h.commits[0].data_changed
    assert h.commits[0].subject.endswith("tab — ünïcode")


def test_a_shallow_clone_gives_file_dates_and_a_warning(tmp_path) -> None:
    repo = Repo(tmp_path / "origin")
    repo.write("products/official/a/product.yaml", "name: a\n")
    repo.commit("one", date="2024-01-02")
    repo.write("products/official/a/product.yaml", "name: a2\n")
    repo.commit("two", date="2024-02-03")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True, capture_output=True)
    history = product_history(clone, [files(clone, "official/a")])
    h = history.products["official/a"]
    assert h.source == "files" and h.commits == () and "shallow" in (h.note or "")
    assert any("shallow" in w and "fetch-depth: 0" in w for w in history.warnings)
    assert h.dates.created is not None and h.to_dict()["commits"] == []


def test_outside_git_and_uncommitted_products_say_why(tmp_path) -> None:
    (tmp_path / "plain/products/official/a").mkdir(parents=True)
    (tmp_path / "plain/products/official/a/product.yaml").write_text("name: a\n")
    outside = product_history(tmp_path / "plain", [files(tmp_path / "plain", "official/a")])
    assert "not a git checkout" in (outside.products["official/a"].note or "")
    repo = Repo(tmp_path / "repo")
    repo.write("products/official/a/product.yaml", "name: a\n")
    repo.commit("a")
    repo.write("products/official/b/product.yaml", "name: b\n")  # not committed
    history = product_history(repo.root, [files(repo.root, "official/a"),
                                          files(repo.root, "official/b")])
    assert history.products["official/a"].source == "git"
    assert "not committed" in (history.products["official/b"].note or "")
    assert any("not committed" in w for w in history.warnings)


# The product page and the build --------------------------------------------------------


def _example_repo(tmp_path: Path) -> Repo:
    root = copy_example_catalog(tmp_path / "catalog")
    repo = Repo(root)
    repo.write(".gitignore", ".pzbuild-cache/\n")
    repo.commit("The example catalog", date="2024-01-02")
    return repo


def test_the_history_section_shows_git_text_as_text(tmp_path) -> None:
    repo = _example_repo(tmp_path)
    pid = "user/jcarberry/synth-linear-model"
    with open(repo.root / "products" / pid / "product.yaml", "a", encoding="utf-8") as f:
        f.write("# a comment\n")
    repo.commit(HOSTILE_SUBJECT, author=HOSTILE_AUTHOR, date="2024-02-03")
    out = tmp_path / "site"
    result = build_site(load_catalog(repo.root), out, jobs=1)
    assert result.ok and not [w for w in result.warnings if "history" in w]
    record = json.loads((out / "products" / pid / "product.json").read_text(encoding="utf-8"))
    hist = record["history"]
    assert hist["source"] == "git"
    assert [c["subject"] for c in hist["commits"]] == [HOSTILE_SUBJECT, "The example catalog"]
    assert record["created"] == "2024-01-02" and record["updated"] == "2024-02-03"
    page = (out / "products" / pid / "index.html").read_text(encoding="utf-8")
    section = page[page.index('<section class="pz-product__section pz-product__history"'):]
    section = section[:section.index("</section>")]
    assert "<script>alert" not in section and "<img" not in section and "<i>" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "&amp;amp;" in section and "{{" not in section and "&#123;&#123; 7*7" in section
    assert "Ann Author <small>(1 commit)</small>" in section
    assert '<a href="#history"' in page  # in the table of contents
    # the page model is the one place records become text
    view = ProductPage.from_record(record, vocabulary_roles={}, root="../../../../")
    assert view.history is not None and view.history.total == 2
    assert view.history.commits[0].subject == HOSTILE_SUBJECT
    assert "History" in [title for _, title in view.sections]
    assert "pz-product__history" not in render_product_body(
        ProductPage.from_record({**record, "history": None}, vocabulary_roles={},
                                root="../../../../"))


def test_a_history_change_renders_the_page_again(tmp_path) -> None:
    repo = _example_repo(tmp_path)
    out = tmp_path / "site"
    catalog = load_catalog(repo.root)
    first = build_site(catalog, out, jobs=1)
    assert first.ok and first.rendered == first.products
    again = build_site(catalog, out, jobs=1)
    assert again.rendered == 0 and again.reused == again.products
    # A comment changes nothing in the record but the history: the page must follow.
    pid = "official/synth-specz-ecdfs"
    with open(repo.root / "products" / pid / "product.yaml", "a", encoding="utf-8") as f:
        f.write("# reviewed\n")
    repo.commit("Reviewed the spec-z catalog", author="Rita Reviewer", date="2024-03-04")
    third = build_site(load_catalog(repo.root), out, jobs=1)
    assert third.rendered == 1 and third.reused == third.products - 1
    page = (out / "products" / pid / "index.html").read_text(encoding="utf-8")
    assert "Reviewed the spec-z catalog" in page and "Rita Reviewer" in page


def test_a_malformed_history_leaves_out_what_is_wrong() -> None:
    from pzbuild.site.history_view import history_view

    view = history_view({"created": 5, "history": {
        "source": "git", "former_ids": ["user/a/b", None, 3],
        "contributors": [{"name": "A", "commits": 2}, {"name": "B", "commits": "2"}, "C"],
        "commits": [{"hash": "<script>", "subject": "x"}, "nope",
                    {"hash": "a" * 40, "short": "<b>", "subject": ["x"], "date": 1}]}})
    assert view is not None and view.created == "5" and view.former_ids == ["user/a/b", "3"]
    assert [c.name for c in view.contributors] == ["A"]
    assert [(c.hash, c.short, c.subject) for c in view.commits] == [("a" * 40, "a" * 7, "")]
    assert history_view({"history": "nope"}) is None and history_view({}) is None
