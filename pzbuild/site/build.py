"""Build the site: validate, date, inspect, write records, run the shell, make the product
pages, swap the new site in; then, for a sealed site, the sealing stage.

Only what changed is done again: inspection results come from the inspection cache, the
shell from the site cache when its inputs are unchanged (mkdocs does not run), and the folder
of a product from the previous site when everything it is made from is unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Catalog
from ..inspect import InspectCache, inspect_products
from ..inspect.cache import CACHE_DIR
from ..inspect.cache import FORMAT_VERSION as INSPECT_FORMAT
from ..model import Product
from ..problems import Problem
from ..validate import validate_catalog
from .errors import OutputNotASite, SealingUnavailable
from .files import link_tree
from .history import product_files, product_history
from .output import (
    check_output,
    discard,
    empty_trash,
    move_back,
    move_folders,
    new_folder,
    site_build_id,
    swap_in,
    write_marker,
)
from .records import (
    catalog_entry,
    catalog_record,
    derived_from,
    product_record,
    product_url,
    record_json,
    used_by,
)
from .redirects import write_redirects
from .render import RenderContext, RenderTask, render_all
from .search import INDEX, SITEMAP, search_entry, write_search_index, write_sitemap
from .shell import PREVIEW_BANNER, build_shell, hash_tree, load_templates, shell_key
from .state import ProductState, SiteState, product_fingerprint, state_path
from .template import TEMPLATE_PATHS

#: progress(stage, done, total), called as a stage advances.
Progress = Callable[[str, int, int], None]
#: The sealing stage: takes the folder of the plain site and the products in it (for their
#: access groups), writes the sealed one.
SealStage = Callable[[Path, list[Product]], object]

SITE_CACHE = "site"
#: Modules of this package that change neither what a product folder holds nor the entries
#: of the lists kept in the build state (the page template is hashed as such): editing them
#: does not make every page render again.
_NOT_RENDERING = frozenset({
    "__init__.py", "build.py", "errors.py", "output.py", "progress.py", "redirects.py",
    "serve.py", "shell.py", "shell_pages.py", "state.py"})


@dataclass
class BuildResult:
    out: Path
    ok: bool = True  # False: the catalog is invalid (see problems) and nothing was built
    problems: list[Problem] = field(default_factory=list)  # of validation
    products: int = 0
    rendered: int = 0  # product folders written anew
    reused: int = 0  # product folders taken from the previous site
    shell_built: bool = False  # mkdocs ran
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, and total
    warnings: list[str] = field(default_factory=list)


def build_site(catalog: Catalog, out: Path, *, plain: bool = True, jobs: int | None = None,
               progress: Progress | None = None, seal: SealStage | None = None
               ) -> BuildResult:
    """Build the site of ``catalog`` into ``out``, which is replaced as a whole only when the
    build succeeds. A plain site says on every page that it is an unprotected preview. A
    sealed one (``plain=False``) is the plain site, built in the cache, handed to ``seal``.

    Returns ok=False with the problems when the catalog is invalid. Raises SealingUnavailable
    (sealed build without ``seal``), OutputNotASite (``out`` holds something else),
    SiteError (mkdocs or the theme failed) and ConfigError."""
    if not plain and seal is None:
        raise SealingUnavailable("sealing comes with the sealed-site feature; build an "
                                 "unprotected preview with --plain")
    started = time.perf_counter()
    out = Path(out).resolve()
    cache_dir = _cache_dir(catalog)
    target = out if plain else cache_dir / "plain"
    if (out == catalog.root or catalog.root.is_relative_to(out)
            or out.is_relative_to(catalog.products_dir)):
        raise OutputNotASite(f"{out} holds the catalog or lies among its products: give a "
                             "folder of its own for the site")
    check_output(target)
    trash = cache_dir / "trash"
    empty_trash(trash)  # sites replaced by earlier builds, while this one validates
    result = BuildResult(out)
    step = _Stages(result, progress)
    jobs = jobs or os.cpu_count() or 1

    with step("validate"):
        report = validate_catalog(catalog=catalog, jobs=jobs)
    result.problems = report.problems
    if report.errors:
        result.ok = False
        return result
    products = report.products
    result.products = len(products)
    with step("history"):
        history = product_history(catalog.root, [product_files(p) for p in products])
    result.warnings += history.warnings
    with step("shell"):
        shell, result.shell_built, warnings = _shell(catalog, cache_dir,
                                                     PREVIEW_BANNER if plain else None)
        templates = load_templates(shell)
    result.warnings += warnings

    state_file = state_path(cache_dir, target)
    journal = state_file.with_suffix(".moves")
    move_back(journal)  # folders a killed build had moved out of the site
    state = SiteState.load(state_file)
    previous = target if state.build_id and site_build_id(target) == state.build_id else None
    with step("plan"):
        names = {p.id: str(p.meta.get("name", p.id)) for p in products}
        derived = used_by(products)
        common = [renderer_digest(), str(INSPECT_FORMAT),
                  repr(sorted(catalog.vocabulary.column_roles.items())),
                  repr(sorted(catalog.vocabulary.product_types.items())),
                  repr(sorted(catalog.vocabulary.releases.items()))]
        fingerprints = {p.id: product_fingerprint(
            p.id, p.meta, p.folder, [f.path for f in p.files],
            [*common, templates[p.section].digest, repr(history.products.get(p.id)),
             json.dumps([[t, names.get(t)] for t in _links(p, derived)], ensure_ascii=False)])
            for p in products}
        kept = {p.id: state.products[p.id] for p in products
                if previous is not None and p.id in state.products
                and state.products[p.id].fingerprint == fingerprints[p.id]
                and (previous / product_url(p.id) / "index.html").is_file()}
        todo = [p for p in products if p.id not in kept]
    with step("inspect", len(todo)):
        with InspectCache(catalog.root) as cache:
            summaries = inspect_products(todo, cache, jobs=jobs)
    with step("records"):
        records = [product_record(p, s, catalog.vocabulary, history.products[p.id].dates,
                                  names, derived.get(p.id, ()), history.products[p.id])
                   for p, s in zip(todo, summaries, strict=True)]
        texts = [record_json(r) for r in records]
        made = {r["id"]: ProductState(fingerprints[r["id"]], catalog_entry(r), search_entry(r),
                                      _redirect(r)) for r in records}

    build_id = uuid.uuid4().hex
    tmp = new_folder(target)
    try:
        with step("pages", len(products)) as tick:
            link_tree(shell, tmp, skip=["products", INDEX, SITEMAP, SITEMAP + ".gz"])
            result.reused = len(kept)
            tick(result.reused)
            ctx = RenderContext(tmp, templates, dict(catalog.vocabulary.column_roles))
            tasks = [RenderTask(t, str(p.folder)) for t, p in zip(texts, todo, strict=True)]
            render_all(ctx, tasks, jobs, lambda n: tick(result.reused + n))
            result.rendered = len(tasks)
        with step("finish"):
            states = {p.id: kept.get(p.id) or made[p.id] for p in products}
            # the redirects need the records of promoted products; those of kept products
            # are read from their folders in the previous site
            moved = {r["id"]: r for r in records if made[r["id"]].redirect}
            texts_of = {r["id"]: t for r, t in zip(records, texts, strict=True)
                        if r["id"] in moved}
            for pid, st in kept.items():
                if st.redirect and previous is not None:
                    texts_of[pid] = (previous / product_url(pid) / "product.json").read_text(
                        encoding="utf-8")
                    moved[pid] = json.loads(texts_of[pid])
                    # a taken old URL is found as such (the folder moves in at the swap)
                    if st.redirect in kept:
                        (tmp / product_url(st.redirect)).mkdir(parents=True, exist_ok=True)
            result.warnings += write_redirects(tmp, list(moved.values()), texts_of)
            entries = [s.entry for s in states.values()]
            (tmp / "catalog.json").write_text(
                json.dumps(catalog_record(catalog, entries), ensure_ascii=False,
                           separators=(",", ":")), encoding="utf-8")
            write_search_index(shell / INDEX, tmp / INDEX, (s.search for s in states.values()))
            write_sitemap(shell / SITEMAP, tmp / SITEMAP, catalog.site_url,
                          ((s.entry["url"], s.entry["updated"]) for s in states.values()))
            write_marker(tmp, build_id, f"pzbuild {__version__}")
        with step("swap"):
            if previous is not None and kept:
                move_folders(previous, tmp, [product_url(pid).rstrip("/") for pid in kept],
                             journal)
            swap_in(tmp, target, trash)
            journal.unlink(missing_ok=True)
    except BaseException:
        move_back(journal)
        discard(tmp)
        raise
    SiteState(build_id, states).save(state_file)
    if seal is not None:
        with step("seal"):
            seal(target, products)
    result.timings["total"] = time.perf_counter() - started
    return result


def _links(product: Product, derived: dict[str, list[str]]) -> list[str]:
    """The ids of the products that the page of ``product`` links to by name."""
    return [*derived_from(product), *derived.get(product.id, ())]


def _redirect(record: dict[str, Any]) -> str | None:
    moved = (record.get("provenance") or {}).get("promoted_from")
    return str(moved["id"]) if isinstance(moved, dict) and moved.get("id") else None


def renderer_digest() -> str:
    """A hash of what turns a record into a product folder besides the page template: this
    package's code, the product page templates and the versions of their libraries."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(f"pzbuild {__version__}\0".encode())
    for name in ("markdown", "nh3", "jinja2"):
        try:
            h.update(f"{name} {version(name)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{name} -\0".encode())
    here = Path(__file__).parent
    for path in sorted(here.glob("*.py")):
        if path.name not in _NOT_RENDERING:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    from .product_page import TEMPLATES as PAGE_TEMPLATES  # those the page body is made with

    for path in sorted(Path(PAGE_TEMPLATES).rglob("*.j2")):
        if path.name != "list.md.j2":  # the list pages are part of the shell
            hash_tree(path, h)
    return h.hexdigest()


def _cache_dir(catalog: Catalog) -> Path:
    base = catalog.root / CACHE_DIR
    if not base.is_dir():
        base.mkdir(parents=True)
        (base / ".gitignore").write_text("# made by pzbuild\n*\n", encoding="utf-8")
    return base / SITE_CACHE


def _shell(catalog: Catalog, cache_dir: Path, banner: str | None
           ) -> tuple[Path, bool, list[str]]:
    """The built shell from the cache, or built now: (folder, whether mkdocs ran, warnings)."""
    key = shell_key(catalog, banner)
    shell, key_file = cache_dir / "shell", cache_dir / "shell.key"
    try:
        if shell.is_dir() and key_file.read_text(encoding="utf-8") == key:
            return shell, False, []
    except OSError:
        pass
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".shell-"))
    try:
        warnings = build_shell(catalog, work / "site", work, banner=banner)
        load_templates(work / "site")  # the markers are there before the shell is kept
        key_file.unlink(missing_ok=True)
        shutil.rmtree(shell, ignore_errors=True)
        os.rename(work / "site", shell)
        key_file.write_text(key, encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return shell, True, warnings


class _Stages:
    """Times the stages of a build into result.timings and reports their progress."""

    def __init__(self, result: BuildResult, progress: Progress | None) -> None:
        self.result = result
        self.progress = progress

    @contextmanager
    def __call__(self, name: str, total: int = 0) -> Iterator[Callable[[int], None]]:
        report = self.progress

        def tick(done: int) -> None:
            if report is not None:
                report(name, done, total)

        tick(0)
        start = time.perf_counter()
        yield tick
        self.result.timings[name] = time.perf_counter() - start
        tick(total)


__all__ = ["BuildResult", "Progress", "SealStage", "TEMPLATE_PATHS", "build_site"]
