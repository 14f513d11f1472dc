"""Validate a catalog: read every product, run every check, return every problem at once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import ProductContext, product_checks
from .checks.access import check_groups
from .checks.catalog import check_provenance, check_unique
from .checks.columns import read_headers_ahead
from .checks.files import safe_relative
from .checks.memo import ValidationMemo
from .config import Catalog, load_catalog
from .discover import discover
from .model import FileEntry, Product, Submission
from .problems import Problem, Severity, sort_problems

if TYPE_CHECKING:
    from .inspect.cache import InspectCache


@dataclass
class ValidationReport:
    catalog: Catalog
    submissions: list[Submission] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)  # the valid ones
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def ok(self, strict: bool = False) -> bool:
        return not (self.errors or (strict and self.warnings))

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": not self.errors,
            "products": len(self.submissions),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }


def validate_catalog(root: Path | None = None, paths: Iterable[Path] | None = None,
                     catalog: Catalog | None = None, *, cache: InspectCache | None = None,
                     use_cache: bool = True, jobs: int | None = None) -> ValidationReport:
    """Validate the products of the catalog at ``root`` (all, or those under ``paths``).

    What validation found is remembered in the catalog's inspection cache (``cache``, or the
    one in ``<root>/.pzbuild-cache`` unless ``use_cache`` is false; see
    :mod:`pzbuild.checks.memo`), so an unchanged product is not checked and an unchanged
    table not opened again. Many tables to open are opened in ``jobs`` worker processes
    (None: one per CPU).
    """
    from .inspect.quiet_gc import paused_gc

    catalog = catalog or load_catalog(root)
    if cache is None and use_cache:
        from .inspect.cache import InspectCache

        with InspectCache(catalog.root) as own:
            return validate_catalog(paths=paths, catalog=catalog, cache=own, jobs=jobs)
    with paused_gc():
        return _validate(catalog, paths, cache, jobs)


def _validate(catalog: Catalog, paths: Iterable[Path] | None, cache: InspectCache | None,
              jobs: int | None) -> ValidationReport:
    memo = ValidationMemo(catalog, cache) if cache is not None and cache.dir is not None else None
    everything, problems = discover(catalog, memo=memo)
    selected = everything
    if paths is not None:
        selected, problems = discover(catalog, only=list(paths), memo=memo)
    report = ValidationReport(catalog, selected)
    report.problems.extend(problems)
    checks = product_checks()
    contexts = [ProductContext(catalog, sub, cache=cache, memo=memo)
                for sub in selected if isinstance(sub.meta.data, dict)]
    recalled = [memo.recall(ctx) if memo is not None else None for ctx in contexts]
    if memo is not None:
        read_headers_ahead([m for ctx, r in zip(contexts, recalled, strict=True)
                            if r is None and (m := _main_file(ctx.sub)) is not None],
                           memo, jobs or os.cpu_count() or 1)
    for ctx, found in zip(contexts, recalled, strict=True):
        sub = ctx.sub
        if found is None:
            found = [p for check in checks for p in check(ctx)]
            if memo is not None:
                memo.remember(ctx, found)
        report.problems.extend(found)
        if not any(p.is_error for p in found) and sub.meta.ok:
            report.products.append(_product(sub, ctx))
    loaded = [s for s in everything if isinstance(s.meta.data, dict)]
    chosen = [s for s in selected if isinstance(s.meta.data, dict)]
    chosen_ids = {s.id for s in chosen}
    report.problems.extend(p for p in check_unique(loaded) if p.product in chosen_ids)
    report.problems.extend(check_provenance(chosen, loaded))
    report.problems.extend(check_groups(catalog, chosen, loaded))
    if memo is not None and paths is None:
        memo.prune()
    report.problems = sort_problems(report.problems)
    bad = {p.product for p in report.errors}
    report.products = [p for p in report.products if p.id not in bad]
    return report


def _main_file(sub: Submission) -> tuple[Path, str | None] | None:
    """The main file the columns check will likely read, to read its header ahead: the
    checks themselves decide (what is read ahead and not asked for is dropped)."""
    mains = [f for f in sub.files() if f.get("role") == "main" and isinstance(f.get("path"), str)]
    rel = safe_relative(mains[0]["path"]) if len(mains) == 1 else None
    if rel is None or not (sub.folder / rel).is_file():
        return None
    if sub.folder.resolve() not in (sub.folder / rel).resolve().parents:
        return None  # a link out of the folder (F503): nothing to read
    table = sub.data.get("table")
    return sub.folder / rel, table if isinstance(table, str) else None


def _product(sub: Submission, ctx: ProductContext) -> Product:
    files = []
    for entry in sub.files():
        rel = safe_relative(entry["path"])
        if rel is not None and rel in ctx.safe_files:
            files.append(FileEntry(path=rel, role=entry["role"], size=ctx.safe_files[rel]["size"]))
    return Product(id=sub.id, section=sub.section, owner=sub.owner, slug=sub.slug,
                   folder=sub.folder, meta=dict(sub.data), files=files)
