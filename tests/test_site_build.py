"""The site build (pzbuild/site/build.py): layout and records of docs/design/site-format.md,
incremental rebuilds, the atomic swap of the output, and the build and serve commands.

The repository's example catalog is copied into a temporary folder and built there, so that
neither the repository nor its cache is touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pzbuild.cli import main
from pzbuild.config import load_catalog
from pzbuild.site import render
from pzbuild.site.build import BuildResult, build_site
from pzbuild.site.errors import OutputNotASite, SealingUnavailable
from pzbuild.site.files import sha256sums
from pzbuild.site.history import ProductFiles, product_history
from pzbuild.site.output import empty_trash
from pzbuild.site.plaintext import markdown_to_text
from pzbuild.site.records import used_by
from pzbuild.site.serve import serve_site
from pzbuild.site.template import PageTemplate, toc_html

REPO = Path(__file__).resolve().parents[1]
SHELL = ["products", "schema", "docs/site", "docs/notebooks", "site_templates", "mkdocs.yml",
         "catalog.yaml"]
BANNER = "Unprotected preview build — do not publish"


def copy_catalog(dest: Path) -> Path:
    """The repository's example catalog and site sources, copied to ``dest``."""
    if not any((REPO / "products").rglob("product.yaml")):
        pytest.skip("the example catalog (products/) is empty: run scripts/make_examples.py")
    for rel in SHELL:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest / rel)
    return dest


def build(root: Path, out: Path, **kwargs: Any) -> BuildResult:
    result = build_site(load_catalog(root), out, jobs=1, **kwargs)
    assert result.ok, [p.format() for p in result.problems]
    return result


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(p.relative_to(folder).as_posix().encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def set_description(root: Path, pid: str, text: str) -> None:
    path = root / "products" / pid / "product.yaml"
    old = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(?ms)^description: \|\n.*?(?=^\S)",
                     "description: |\n  " + text + "\n", old)
    assert n == 1
    path.write_text(new, encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BuildResult]:
    root = copy_catalog(tmp_path_factory.mktemp("catalog"))
    out = root / "site"
    return root, out, build(root, out)


@pytest.fixture(scope="module")
def catalog_json(built: tuple[Path, Path, BuildResult]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((built[1] / "catalog.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def records(built: tuple[Path, Path, BuildResult],
            catalog_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = built[1]
    return {e["id"]: json.loads((out / e["json"]).read_text(encoding="utf-8"))
            for e in catalog_json["products"]}


# The layout and records ------------------------------------------------------------------


def test_every_product_has_a_page_with_its_name(built, records) -> None:
    root, out, result = built
    ids = {p.parent.relative_to(root / "products").as_posix()
           for p in (root / "products").rglob("product.yaml")}
    assert set(records) == ids and result.products == len(ids) == result.rendered
    for pid, rec in records.items():
        page = (out / "products" / pid / "index.html").read_text(encoding="utf-8")
        title = rec["name"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"<title>{title} - " in page
        assert 'class="pz-product"' in page
        assert "PZBUILDxSLOT" not in page and "__page__" not in page
        assert f'href="https://example.org/pz-catalog/products/{pid}/"' in page  # canonical


def test_template_pages_are_not_published(built) -> None:
    out = built[1]
    assert not (out / "products" / "official" / "__page__").exists()
    assert not (out / "products" / "user" / "__owner__").exists()
    assert "__page__" not in (out / "sitemap.xml").read_text(encoding="utf-8")


PRODUCT_KEYS: dict[str, Any] = {
    "version": int, "id": str, "name": str, "section": str, "official": bool,
    "owner": (str, type(None)), "slug": str, "type": str, "type_name": str,
    "release": (str, type(None)), "release_name": (str, type(None)),
    "pz_code": (str, type(None)), "description": str, "authors": list, "license": str,
    "tags": list, "created": (str, type(None)), "updated": (str, type(None)),
    "history": (dict, type(None)), "files": list,
    "description_file": (str, type(None)), "columns": dict, "null_values": list,
    "table": (str, type(None)), "provenance": dict, "citation": (str, type(None)),
    "main": (dict, type(None)), "url": str, "sha256sums": str,
}
FILE_KEYS: dict[str, Any] = {"path": str, "role": str, "size": int, "sha256": str,
                             "format": (str, type(None)), "url": str}
ENTRY_KEYS: dict[str, Any] = {
    "id": str, "name": str, "section": str, "official": bool, "type": str, "type_name": str,
    "release": (str, type(None)), "release_name": (str, type(None)),
    "owner": (str, type(None)), "authors": list, "tags": list, "summary": str,
    "rows": (int, type(None)), "size": int, "n_files": int, "created": (str, type(None)),
    "updated": (str, type(None)), "url": str, "json": str,
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_keys(data: dict[str, Any], spec: dict[str, Any], what: str) -> None:
    missing = set(spec) - set(data)
    assert not missing, f"{what}: missing {missing}"
    for key, kind in spec.items():
        assert isinstance(data[key], kind), f"{what}.{key}: {data[key]!r}"


def test_product_json_follows_the_site_format(records) -> None:
    for pid, rec in records.items():
        _check_keys(rec, PRODUCT_KEYS, pid)
        assert rec["version"] == 1 and rec["id"] == pid
        assert rec["url"] == f"products/{pid}/"
        assert rec["sha256sums"] == f"products/{pid}/SHA256SUMS"
        assert rec["section"] == pid.split("/")[0] and rec["official"] == (
            rec["section"] == "official")
        assert rec["owner"] == (pid.split("/")[1] if rec["section"] == "user" else None)
        assert rec["slug"] == pid.rsplit("/", 1)[-1]
        for key in ("created", "updated"):
            assert rec[key] is None or DATE.match(rec[key])
        for a in rec["authors"]:
            assert isinstance(a["name"], str) and set(a) <= {"name", "orcid", "affiliation"}
        for f in rec["files"]:
            _check_keys(f, FILE_KEYS, f"{pid} file")
            assert f["role"] in ("main", "description", "auxiliary")
            assert f["url"] == f"products/{pid}/files/{f['path']}"
        assert sum(f["role"] == "main" for f in rec["files"]) == 1
        prov = rec["provenance"]
        assert set(prov) == {"derived_from", "used_by", "software", "config", "notes",
                             "promoted_from"}
        for link in prov["derived_from"] + prov["used_by"]:
            assert set(link) == {"id", "name", "url"} and link["id"] in records
        if rec["main"] is not None:
            assert rec["main"]["role"] == "main"
            table = rec["main"]["table"]
            if table is not None:
                assert isinstance(table["num_rows"], int) and isinstance(table["columns"], list)


def test_the_sky_density_is_packed_and_expands_to_the_inspection(built, records) -> None:
    from pzbuild.config import load_catalog
    from pzbuild.inspect import InspectCache, inspect_products
    from pzbuild.site.skygrid import expand
    from pzbuild.validate import validate_catalog

    root, out, _ = built
    products = validate_catalog(catalog=load_catalog(root)).products
    with InspectCache(root) as cache:
        summaries = dict(zip([p.id for p in products], inspect_products(products, cache, jobs=1),
                             strict=True))
    packed = 0
    for pid, rec in records.items():
        table = (rec["main"] or {}).get("table") or {}
        sky = table.get("sky_density")
        main = summaries[pid].main
        inspected = main.table.sky_density if main and main.table else None
        if sky is None:
            assert inspected is None
            continue
        packed += 1
        counts = sky["counts"]
        assert set(counts) == {"encoding", "dtype", "shape", "data"}, pid
        assert counts["encoding"] == "zlib+base64" and counts["dtype"] in ("<u1", "<u2", "<u4")
        assert expand(sky) == inspected.to_dict()  # nothing lost, value for value
        text = (out / rec["url"] / "product.json").read_text(encoding="utf-8")
        # no indentation, no space after separators
        assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    assert packed >= 1


def test_theme_files_no_page_loads_are_left_out(built) -> None:
    out = built[1]
    assets = out / "assets"
    assert not list(assets.rglob("*.map"))
    assert not list((assets / "javascripts" / "lunr").rglob("*.js"))  # English only
    assert list((assets / "javascripts").glob("bundle.*.min.js"))
    assert list((assets / "javascripts" / "workers").glob("search.*.min.js"))


def test_pruning_keeps_the_search_languages_of_the_index(tmp_path) -> None:
    from pzbuild.site.shell import prune_theme_assets

    lunr = tmp_path / "assets" / "javascripts" / "lunr"
    (lunr / "min").mkdir(parents=True)
    names = ["min/lunr.de.min.js", "min/lunr.ja.min.js", "min/lunr.fr.min.js",
             "min/lunr.multi.min.js", "min/lunr.stemmer.support.min.js", "tinyseg.js",
             "wordcut.js"]
    for name in names:
        (lunr / name).write_text("//", encoding="utf-8")
    (tmp_path / "assets" / "javascripts" / "bundle.min.js.map").write_text("{}")
    (tmp_path / "search").mkdir()
    index = tmp_path / "search" / "search_index.json"
    index.write_text(json.dumps({"config": {"lang": ["en", "ja"]}, "docs": []}))
    removed = prune_theme_assets(tmp_path)
    left = sorted(p.relative_to(lunr).as_posix() for p in lunr.rglob("*.js"))
    assert left == ["min/lunr.ja.min.js", "min/lunr.multi.min.js",
                    "min/lunr.stemmer.support.min.js", "tinyseg.js"]
    assert "assets/javascripts/bundle.min.js.map" in removed
    # without a readable index every language stays
    for name in names:
        (lunr / name).write_text("//", encoding="utf-8")
    index.write_text("not json")
    prune_theme_assets(tmp_path)
    assert len(list(lunr.rglob("*.js"))) == len(names)


def test_used_by_is_the_reverse_of_derived_from(records) -> None:
    forward = {(pid, link["id"]) for pid, rec in records.items()
               for link in rec["provenance"]["derived_from"]}
    backward = {(link["id"], pid) for pid, rec in records.items()
                for link in rec["provenance"]["used_by"]}
    assert forward == backward


def test_catalog_json_lists_every_product(catalog_json, records) -> None:
    assert catalog_json["version"] == 1 and catalog_json["title"]
    assert isinstance(catalog_json["$schema"], str) and catalog_json["generated"]
    entries = {e["id"]: e for e in catalog_json["products"]}
    assert set(entries) == set(records)
    for pid, e in entries.items():
        _check_keys(e, ENTRY_KEYS, pid)
        rec = records[pid]
        assert e["url"] == rec["url"] and e["json"] == f"{rec['url']}product.json"
        assert e["size"] == sum(f["size"] for f in rec["files"])
        assert e["n_files"] == len(rec["files"])
        assert e["authors"] == [a["name"] for a in rec["authors"]]
        assert 0 < len(e["summary"]) <= 300 and "\n" not in e["summary"]


def test_checksums_verify_and_files_are_identical(built, records) -> None:
    root, out, _ = built
    for pid, rec in records.items():
        folder = out / "products" / pid
        lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(rec["files"])
        for line in lines:
            digest, name = line.split("  ", 1)
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
        for f in rec["files"]:
            assert (folder / "files" / f["path"]).read_bytes() == \
                (REPO / "products" / pid / f["path"]).read_bytes()


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="no sha256sum")
def test_sha256sum_accepts_the_checksums(built, records) -> None:
    for pid in records:
        subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], check=True,
                       cwd=built[1] / "products" / pid)


def test_search_index_holds_the_products(built, records) -> None:
    index = json.loads((built[1] / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = {d["location"]: d for d in index["docs"]}
    for rec in records.values():
        entry = docs[rec["url"]]
        assert rec["name"].split()[0] in entry["title"]
        assert rec["authors"][0]["name"].split()[-1] in entry["text"]
    assert not any("__page__" in loc for loc in docs)
    assert "" in docs and "about/" in docs  # the shell's own pages are still there


def test_product_pages_stay_out_of_the_navigation(built, records) -> None:
    out = built[1]
    for page in ("index.html", "official/index.html", "about/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        nav = html[html.index('<nav class="md-nav md-nav--primary"'):]
        nav = nav[:nav.index("</nav>")]
        for rec in records.values():
            assert rec["name"] not in nav and rec["url"] not in nav


def test_every_page_says_it_is_an_unprotected_preview(built) -> None:
    pages = list(built[1].rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        assert BANNER in page.read_text(encoding="utf-8"), page


def test_the_skip_link_of_a_product_page_reaches_its_title(built) -> None:
    for page in built[1].glob("products/**/index.html"):
        html = page.read_text(encoding="utf-8")
        assert 'class="md-skip"' in html and 'href="#pz-title"' in html
        assert html.count('id="pz-title"') == 1
        assert "pzbuildxslot" not in html.lower()  # no marker of the template page is left


def test_list_pages_and_product_types_are_generated(built) -> None:
    out = built[1]
    for section in ("official", "user"):
        html = (out / section / "index.html").read_text(encoding="utf-8")
        assert f'data-section="{section}"' in html and 'data-catalog="../catalog.json"' in html
    types = (out / "product-types" / "index.html").read_text(encoding="utf-8")
    assert "redshift_catalog" in types and "src.redshift" in types and "LSST DP1" in types
    assert (out / "assets" / "pzbuild" / "pz-list.js").is_file()


# Incremental and atomic ------------------------------------------------------------------


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Path, Path]:
    root = copy_catalog(tmp_path / "catalog")
    out = tmp_path / "out" / "site"
    build(root, out)
    return root, out


def test_a_rebuild_without_change_renders_nothing_and_skips_mkdocs(fresh) -> None:
    root, out = fresh
    result = build(root, out)
    assert result.rendered == 0 and result.reused == result.products > 0
    assert not result.shell_built
    assert (out / "products").is_dir() and (out / "index.html").is_file()


def test_a_changed_description_renders_one_product(fresh) -> None:
    root, out = fresh
    pid = "official/synth-specz-ecdfs"
    set_description(root, pid, "A new description of the compilation.")
    result = build(root, out)
    assert result.rendered == 1 and result.reused == result.products - 1
    assert not result.shell_built
    assert "A new description" in (out / "products" / pid / "index.html").read_text("utf-8")
    # a shell input changed: mkdocs runs again, unchanged products are still reused
    about = root / "docs" / "site" / "about.md"
    about.write_text(about.read_text("utf-8") + "\nMore about it.\n", "utf-8")
    result = build(root, out)
    assert result.shell_built and result.rendered == 0
    assert "More about it." in (out / "about" / "index.html").read_text("utf-8")


def test_a_rebuild_inspects_only_what_changed_and_keeps_the_other_folders(
        fresh, monkeypatch) -> None:
    """Unchanged products are neither inspected nor linked again: their folders move from
    the previous site into the new one, so the repository's files keep their inodes' change
    time (a new hard link would change it, and make the inspection cache hash them again)."""
    from pzbuild.site import build as build_module

    root, out = fresh
    build(root, out)  # a second build: every folder now comes from a previous site
    changed = "official/synth-specz-ecdfs"
    other = root / "products" / "user" / "asmith" / "synth-specz-wide" / "specz_wide.csv"
    before = os.stat(other).st_ctime_ns
    page = out / "products" / "user" / "asmith" / "synth-specz-wide" / "index.html"
    inode = os.stat(page).st_ino
    seen: list[str] = []
    real = build_module.inspect_products

    def spy(products: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(p.id for p in products)
        return real(products, *args, **kwargs)

    monkeypatch.setattr(build_module, "inspect_products", spy)
    set_description(root, changed, "Changed again.")
    result = build(root, out)
    assert seen == [changed] and result.rendered == 1
    assert os.stat(other).st_ctime_ns == before
    assert os.stat(page).st_ino == inode  # the same file, moved with its folder
    catalog = json.loads((out / "catalog.json").read_text("utf-8"))
    entry = next(e for e in catalog["products"] if e["id"] == changed)
    assert entry["summary"] == "Changed again."
    assert len(catalog["products"]) == result.products
    index = json.loads((out / "search" / "search_index.json").read_text("utf-8"))
    assert sum(d["location"].startswith("products/") for d in index["docs"]) == result.products


def test_a_new_name_renders_the_products_that_link_to_it(fresh) -> None:
    root, out = fresh
    pid = "official/synth-specz-ecdfs"
    linking = {e["id"] for e in json.loads(
        (out / "products" / pid / "product.json").read_text("utf-8"))["provenance"]["used_by"]}
    assert linking
    path = root / "products" / pid / "product.yaml"
    text = path.read_text("utf-8")
    path.write_text(re.sub(r"(?m)^name: .*$", "name: Zebracorn spec-z compilation", text),
                    "utf-8")
    result = build(root, out)
    assert result.rendered == 1 + len(linking)
    for other in linking:
        record = json.loads((out / "products" / other / "product.json").read_text("utf-8"))
        names = [link["name"] for link in record["provenance"]["derived_from"]]
        assert "Zebracorn spec-z compilation" in names
        assert "Zebracorn spec-z compilation" in \
            (out / "products" / other / "index.html").read_text("utf-8")


def test_a_build_that_fails_after_moving_folders_puts_them_back(fresh, monkeypatch) -> None:
    from pzbuild.site import build as build_module

    root, out = fresh
    before = tree_hash(out)
    set_description(root, "official/synth-specz-ecdfs", "A changed description.")

    def failing_swap(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "swap_in", failing_swap)
    with pytest.raises(OSError, match="disk full"):
        build(root, out)
    assert tree_hash(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


def test_a_build_killed_after_moving_folders_is_repaired_by_the_next(fresh,
                                                                     monkeypatch) -> None:
    """A kill between moving the unchanged folders and the swap (simulated: no clean-up)
    leaves the moves in a journal; the next build puts the folders back first."""
    from pzbuild.site import build as build_module

    root, out = fresh
    pages = sorted(p.relative_to(out) for p in out.glob("products/**/index.html"))
    set_description(root, "official/synth-specz-ecdfs", "A changed description.")

    def killed(*args: Any) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(build_module, "swap_in", killed)
        m.setattr(build_module, "move_back", lambda journal: None)
        m.setattr(build_module, "discard", lambda folder: None)
        with pytest.raises(KeyboardInterrupt):
            build(root, out)
    assert len(list(out.glob("products/**/index.html"))) < len(pages)  # moved away
    result = build(root, out)
    assert result.rendered == 1 and result.reused == result.products - 1
    assert sorted(p.relative_to(out) for p in out.glob("products/**/index.html")) == pages
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


def test_the_replaced_site_is_removed_off_the_critical_path(fresh) -> None:
    root, out = fresh
    build(root, out)
    trash = root / ".pzbuild-cache" / "site" / "trash"
    assert [p.name for p in trash.iterdir()]  # the first site, put aside by the swap
    thread = empty_trash(trash)
    assert thread is not None
    thread.join(60)
    assert not list(trash.iterdir())


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_build_leaves_the_previous_site_whole(fresh, monkeypatch, error) -> None:
    root, out = fresh
    before = tree_hash(out)
    set_description(root, "official/synth-specz-ecdfs", "A changed description.")
    set_description(root, "user/asmith/synth-specz-wide", "Another changed description.")
    real = render.render_product
    calls = []

    def failing(ctx: Any, task: Any) -> None:
        calls.append(task)
        if len(calls) == 2:
            raise error
        real(ctx, task)

    monkeypatch.setattr(render, "render_product", failing)
    with pytest.raises(type(error)):
        build(root, out)
    assert len(calls) == 2
    assert tree_hash(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]  # no temporary folder
    monkeypatch.setattr(render, "render_product", real)
    assert build(root, out).rendered == 2


def test_a_page_that_cannot_be_made_names_its_product(fresh, monkeypatch) -> None:
    root, out = fresh
    set_description(root, "official/synth-specz-ecdfs", "A changed description.")

    def broken(ctx: Any, record: dict[str, Any]) -> str:
        raise ValueError("no page today")

    monkeypatch.setattr(render, "render_page", broken)
    res = CliRunner().invoke(main, ["build", "--plain", "--root", str(root), "--out", str(out)])
    assert res.exit_code == 1
    assert "official/synth-specz-ecdfs: cannot write its folder: ValueError: no page today" \
        in res.output


def test_parallel_rendering_gives_the_same_pages(built, tmp_path, monkeypatch) -> None:
    root, out, _ = built
    monkeypatch.setattr(render, "MIN_PARALLEL", 1)
    other = tmp_path / "parallel"
    result = build_site(load_catalog(root), other, jobs=2)
    assert result.rendered == result.products
    for page in out.glob("products/**/index.html"):
        assert page.read_bytes() == (other / page.relative_to(out)).read_bytes()


def test_the_output_must_be_a_site_or_empty(built, tmp_path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputNotASite):
        build_site(load_catalog(built[0]), folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"
    for inside in (built[0], built[0] / "products" / "site"):
        with pytest.raises(OutputNotASite):
            build_site(load_catalog(built[0]), inside)
    assert not (built[0] / "products" / "site").exists()


def test_a_sealed_build_needs_a_sealing_stage(built, tmp_path) -> None:
    with pytest.raises(SealingUnavailable):
        build_site(load_catalog(built[0]), tmp_path / "sealed", plain=False)


def test_the_seal_stage_gets_the_plain_site(built, tmp_path) -> None:
    seen = []
    result = build_site(load_catalog(built[0]), tmp_path / "sealed", plain=False, jobs=1,
                        seal=lambda plain, products: seen.append(plain))
    assert result.ok and len(seen) == 1
    assert (seen[0] / "catalog.json").is_file()
    assert BANNER not in (seen[0] / "index.html").read_text(encoding="utf-8")


# The command line ------------------------------------------------------------------------


def test_build_command(built, tmp_path) -> None:
    out = tmp_path / "site"
    res = CliRunner().invoke(main, ["build", "--plain", "--root", str(built[0]),
                                    "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert (out / "catalog.json").is_file()
    assert "products" in res.output


def test_sealed_build_without_readers_is_refused(built, tmp_path) -> None:
    res = CliRunner().invoke(main, ["build", "--root", str(built[0]),
                                    "--out", str(tmp_path / "s")])
    assert res.exit_code == 1 and "nobody could open" in res.output and "--plain" in res.output
    assert not (tmp_path / "s").exists()


def test_sealed_build_for_a_reader(catalog_json, tmp_path) -> None:
    root = copy_catalog(tmp_path / "catalog")
    key = tmp_path / "keys" / "reader.pem"
    runner = CliRunner()
    res = runner.invoke(main, ["access", "keygen", "--out", str(key)])
    assert res.exit_code == 0, res.output
    public = next(w for w in res.output.split() if w.startswith("p256:"))
    res = runner.invoke(main, ["access", "add", "reader1", "--key", public, "--root", str(root)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "sealed"
    res = runner.invoke(main, ["build", "--root", str(root), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "sealed for 1 readers (reader1)" in res.output
    assert (out / "keystore.json").is_file() and not (out / "catalog.json").exists()
    from pzbuild.seal import open_sealed

    site = open_sealed(out, key.read_text())
    catalog = json.loads(site.read("catalog.json"))
    assert [p["id"] for p in catalog["products"]] == [p["id"] for p in catalog_json["products"]]


def test_an_invalid_catalog_exits_1_with_its_problems(fresh) -> None:
    root, out = fresh
    before = tree_hash(out)
    yaml_path = root / "products" / "official" / "synth-specz-ecdfs" / "product.yaml"
    yaml_path.write_text(yaml_path.read_text("utf-8").replace("license: CC-BY-4.0",
                                                              "license: not-a-licence"), "utf-8")
    res = CliRunner().invoke(main, ["build", "--plain", "--root", str(root), "--out", str(out)])
    assert res.exit_code == 1
    assert re.search(r"products/official/synth-specz-ecdfs/product\.yaml:\d+:\d+: R408 ",
                     res.output), res.output
    assert tree_hash(out) == before


def test_serve_builds_serves_and_rebuilds_on_change(tmp_path) -> None:
    root = copy_catalog(tmp_path / "catalog")
    stop = threading.Event()
    urls: list[str] = []
    results: list[Any] = []
    thread = threading.Thread(target=serve_site, args=(load_catalog(root),), kwargs=dict(
        port=0, jobs=1, interval=0.2, stop=stop, on_ready=urls.append,
        on_build=results.append), daemon=True)
    thread.start()
    try:
        _wait(lambda: urls, 120)
        page = urllib.request.urlopen(urls[0] + "products/official/synth-specz-ecdfs/").read()
        assert b"Synthetic spec-z" in page
        set_description(root, "official/synth-specz-ecdfs", "Served anew.")
        _wait(lambda: len(results) >= 2, 120)
        assert isinstance(results[-1], BuildResult) and results[-1].rendered == 1
        page = urllib.request.urlopen(urls[0] + "products/official/synth-specz-ecdfs/").read()
        assert b"Served anew." in page
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


def _wait(condition: Any, seconds: float) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


# The parts ------------------------------------------------------------------------------


def test_dates_come_from_git(tmp_path) -> None:
    if shutil.which("git") is None:
        pytest.skip("no git")
    folder = tmp_path / "products" / "official" / "a"
    folder.mkdir(parents=True)

    def commit(date: str) -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
               "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
               "GIT_COMMITTER_EMAIL": "a@b"}
        subprocess.run(["git", "add", "."], cwd=tmp_path, check=True, env=env)
        subprocess.run(["git", "commit", "-qm", date], cwd=tmp_path, check=True, env=env)

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (folder / "product.yaml").write_text("one\n")
    commit("2024-01-02T10:00:00+00:00")
    (folder / "data.csv").write_text("a\n1\n")
    commit("2024-03-04T10:00:00+00:00")
    other = tmp_path / "products" / "user" / "bob" / "b"
    other.mkdir(parents=True)
    (other / "product.yaml").write_text("new\n")  # not committed
    history = product_history(tmp_path, [ProductFiles("official/a", folder, ("data.csv",)),
                                         ProductFiles("user/bob/b", other, ())])
    assert history.dates["official/a"].created == "2024-01-02"
    assert history.dates["official/a"].updated == "2024-03-04"
    assert DATE.match(history.dates["user/bob/b"].created or "")
    assert any("not committed" in w for w in history.warnings)


def test_dates_without_git_are_file_dates_with_a_warning(tmp_path) -> None:
    folder = tmp_path / "products" / "official" / "a"
    folder.mkdir(parents=True)
    (folder / "product.yaml").write_text("x\n")
    os.utime(folder / "product.yaml", (1_700_000_000, 1_700_000_000))
    history = product_history(tmp_path, [ProductFiles("official/a", folder, ())])
    assert history.dates["official/a"].created == "2023-11-14"
    assert history.warnings and "modification times" in history.warnings[0]


@pytest.mark.parametrize("source, text", [
    ("# Title\n\nSome *bold* and __strong__ `code`.", "Title Some bold and strong code."),
    ("A [link](https://x.org) and ![an image](a.png).", "A link and an image."),
    ("<script>alert(1)</script>Hi &amp; bye", "alert(1) Hi & bye"),
    ("Names like make_examples.py keep_underscores.", "Names like make_examples.py "
     "keep_underscores."),
    ("Text\n\n```python\nprint(1)\n```\n\n- one\n- two", "Text one two"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "a b 1 2"),
    (None, ""),
])
def test_markdown_to_text(source, text) -> None:
    assert markdown_to_text(source) == text


def test_markdown_to_text_cuts_on_a_word() -> None:
    out = markdown_to_text("word " * 100, 30)
    assert len(out) <= 30 and out.endswith("…") and "wor…" not in out


def test_markdown_to_text_is_fast_on_hostile_input() -> None:
    start = time.perf_counter()
    markdown_to_text("[" * 50_000 + "<" * 50_000 + "```" + "_*" * 50_000)
    assert time.perf_counter() - start < 1


def test_sha256sums_escapes_odd_paths() -> None:
    assert sha256sums([("ab", "files/a b.txt"), ("cd", "files/x\\y\nz")]) == \
        "ab  files/a b.txt\n\\cd  files/x\\\\y\\nz\n"


def test_template_fill_escapes_text() -> None:
    html = ("<title>T - Site</title><meta content=\"D\"><link href=\"products/official/"
            "__page__/\"><ul data-md-component=\"toc\"><li><a href=\"#pzbuildxslotxtoc\">"
            "</a></li></ul><p>B0</p><p>B1</p>")
    html = (html.replace("T -", "PZBUILDxSLOTxTITLE -").replace("\"D\"",
            "\"PZBUILDxSLOTxDESCRIPTION\"").replace("B0", "PZBUILDxSLOTxBODYxSTART")
            .replace("B1", "PZBUILDxSLOTxBODYxEND"))
    t = PageTemplate.from_html(html, "products/official/__page__/")
    page = t.fill(title="<b>x</b>", description='"q"', body="<div>body</div>",
                  toc=[("a", "A & B")], page_path="products/official/p/")
    assert page == ("<title>&lt;b&gt;x&lt;/b&gt; - Site</title><meta content=\"&quot;q&quot;\">"
                    "<link href=\"products/official/p/\"><ul data-md-component=\"toc\">"
                    + toc_html([("a", "A & B")]) + "</ul><div>body</div>")
    assert "A &amp; B" in page


def test_search_entries_are_escaped(built, tmp_path) -> None:
    from pzbuild.site.search import search_entry

    entry = search_entry({"url": "products/official/x/", "name": "<img src=x onerror=1>",
                          "authors": [{"name": "<b>A</b>"}], "tags": ["<i>"],
                          "type_name": "Other", "description": "<script>x</script>"})
    assert "<" not in entry["title"] and "<" not in entry["text"]


def test_used_by() -> None:
    class P:
        def __init__(self, pid: str, derived: list[str]) -> None:
            self.id, self.meta = pid, {"provenance": {"derived_from": derived}}

    products: Any = [P("official/a", []), P("user/u/b", ["official/a"]),
                     P("user/u/c", ["official/a", "user/u/b"])]
    assert used_by(products) == {"official/a": ["user/u/b", "user/u/c"],
                                 "user/u/b": ["user/u/c"]}


def test_tutorial_notebook_is_a_page_and_a_download(built) -> None:
    _, out, _ = built
    page = (out / "tutorial" / "index.html").read_text(encoding="utf-8")
    assert "Download the notebook" in page
    assert "get_products_list" in page  # a code cell, shown as code
    nb = json.loads((out / "notebooks" / "intro.ipynb").read_text(encoding="utf-8"))
    assert nb == json.loads((REPO / "docs" / "notebooks" / "intro.ipynb").read_text())
    landing = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="tutorial/"' in landing  # in the navigation


def test_product_pages_load_the_themes_inline_scripts_from_shared_files(
        built: tuple[Path, Path, BuildResult], records: dict[str, dict[str, Any]]) -> None:
    """The theme writes a few scripts into every page; product pages load them from files
    (the same code, run at the same place), so thousands of pages do not each carry them."""
    import re

    out = built[1]
    about = (out / "about" / "index.html").read_text(encoding="utf-8")  # a shell page
    inline = re.findall(r"<script>(.*?)</script>", about, re.S)
    assert len(inline) >= 2 and any("__md_scope" in c for c in inline)
    for record in records.values():
        page = (out / record["url"] / "index.html").read_text(encoding="utf-8")
        assert re.findall(r"<script>", page) == []
        srcs = re.findall(r'<script src="([^"]*assets/pzbuild/frame/[0-9a-f]{16}\.js)"', page)
        depth = record["url"].count("/")
        shared = [(out / record["url"] / s).resolve() for s in srcs]
        assert all(s.startswith("../" * depth + "assets/") for s in srcs)
        codes = [p.read_text(encoding="utf-8") for p in shared]
        # the shell page's scripts, but for the path to the root, which depends on depth
        assert [re.sub(r"(?:\.\./)*\.\.", "ROOT", c) for c in codes] == [
            re.sub(r"(?:\.\./)*\.\.", "ROOT", c) for c in inline]
        config = re.search(r'<script id="__config" type="application/json">(.*?)</script>',
                           page, re.S)
        assert config is not None and json.loads(config.group(1))["base"] == "../" * (
            depth - 1) + ".."
