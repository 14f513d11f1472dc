"""Inspect the files of products through the cache.

Every file gets its size and SHA-256; every file that reads as a table (or a qp ensemble of
PDFs) gets its TableSummary. Other files (pickles, models, archives, prose) are only hashed:
nothing in them is unpickled or run. Results come from the cache when the content and the
inspection options are unchanged; otherwise the table is read once and the result stored.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TableError
from ..tables.base import DEFAULT_BATCH_ROWS
from .cache import InspectCache, options_key
from .summary import FileSummary, Issue, ProductSummary, TableSummary, inspect_table

#: Extensions under which a file other than the main one is read as a text table: text
#: sniffing alone takes much prose (README.md, JSON) for CSV.
TEXT_TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".dat", ".ascii", ".tab", ".ecsv"})
#: Fewer tables than this to read are not worth starting worker processes for.
MIN_PARALLEL = 8

_Result = tuple[str | None, TableSummary | None, Issue | None]  # format, table, error


@dataclass(frozen=True)
class _File:
    """A file of a product, hashed, with what inspecting it takes."""

    rel: str
    role: str
    path: Path
    size: int
    sha256: str
    options: str
    table: str | None
    roles: dict[str, str]
    null_values: list[Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.sha256, self.options


def inspect_product(product: Any, cache: InspectCache | None = None, *,
                    batch_rows: int = DEFAULT_BATCH_ROWS) -> ProductSummary:
    """Size, SHA-256 and, for every file that reads as a table, its TableSummary.

    ``product`` is a :class:`pzbuild.model.Product` or a (folder, metadata dict) pair. Roles,
    ``table`` and ``null_values`` apply to the main file; ``null_values`` to every table.
    Files that are missing, are folders or lie outside the product folder are left out
    (validation reports them)."""
    return inspect_products([product], cache, jobs=1, batch_rows=batch_rows)[0]


def inspect_products(products: Iterable[Any], cache: InspectCache | None = None, *,
                     jobs: int | None = 1,
                     batch_rows: int = DEFAULT_BATCH_ROWS) -> list[ProductSummary]:
    """:func:`inspect_product` for many products, in their order. With ``jobs`` > 1 (None: one
    per CPU) the tables missing from the cache are read by that many worker processes, when
    there are at least MIN_PARALLEL of them; each worker first pays for its imports (about a
    second), so this helps for many tables on idle cores."""
    cache = cache if cache is not None else InspectCache.disabled()
    plans = [_plan(p, cache) for p in products]
    results: dict[tuple[str, str], _Result] = {}
    todo: dict[tuple[str, str], _File] = {}
    for _, files in plans:
        for f in files:
            if f.key in results or f.key in todo:
                continue
            cached = _cached(cache, f)
            if cached is None:
                todo[f.key] = f
            else:
                results[f.key] = cached
                cache.hits += 1
    cache.misses += len(todo)
    for key, result in _run(list(todo.values()), jobs or os.cpu_count() or 1, batch_rows):
        results[key] = result
        cache.put(*key, _result_dict(result))
    return [ProductSummary(pid, [FileSummary(f.rel, f.role, f.size, f.sha256, *results[f.key])
                                 for f in files]) for pid, files in plans]


def _plan(product: Any, cache: InspectCache) -> tuple[str, list[_File]]:
    folder, meta, pid = _unpack(product)
    roles = {k: v for k, v in (meta.get("columns") or {}).items() if isinstance(v, str)}
    nulls = list(meta.get("null_values") or [])
    table = meta.get("table") if isinstance(meta.get("table"), str) else None
    real_folder: list[str] = []  # resolved when needed, once
    files = []
    for entry in meta.get("files") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        rel, role = entry["path"], str(entry.get("role", "auxiliary"))
        try:
            found = _regular_file(folder, rel, real_folder)
            if found is None:
                continue
            path = Path(found)
            size, sha = cache.digest(path)
        except OSError:
            continue
        main = role == "main"
        f_table, f_roles = (table, roles) if main else (None, {})
        kind = role if role in ("main", "description") else "other"
        key = options_key(role=kind, table=f_table, roles=f_roles, null_values=nulls,
                          suffix=path.suffix)
        files.append(_File(rel, role, path, size, sha, key, f_table, f_roles, nulls))
    return pid, files


def _regular_file(folder: Path, rel: str, real_folder: list[str]) -> str | None:
    """``folder/rel`` when it is a regular file inside the product folder, else None. One
    lstat for a plain file at the top of the folder; links and sub-folders are resolved."""
    parts = rel.replace("\\", "/").split("/")
    if os.path.isabs(rel) or ".." in parts:
        return None
    path = os.path.join(folder, rel)
    st = os.lstat(path)
    if len([p for p in parts if p not in ("", ".")]) > 1 or stat.S_ISLNK(st.st_mode):
        if not real_folder:
            real_folder.append(os.path.realpath(folder))
        real = os.path.realpath(path)
        if not real.startswith(real_folder[0].rstrip(os.sep) + os.sep):
            return None
        st = os.stat(real)
    return path if stat.S_ISREG(st.st_mode) else None


def _run(todo: list[_File], jobs: int, batch_rows: int
         ) -> Iterator[tuple[tuple[str, str], _Result]]:
    if jobs <= 1 or len(todo) < MIN_PARALLEL:
        for f in todo:
            yield f.key, _inspect_file(f, batch_rows)
        return
    # Largest first, so that one big file does not start last. forkserver: workers start
    # clean, whatever threads this process (pyarrow, a test runner) runs.
    todo = sorted(todo, key=lambda f: -f.size)
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(min(jobs, len(todo))) as pool:
        yield from pool.imap_unordered(_work, [(f, batch_rows) for f in todo])


def _work(args: tuple[_File, int]) -> tuple[tuple[str, str], _Result]:
    f, batch_rows = args
    return f.key, _inspect_file(f, batch_rows)


def _inspect_file(f: _File, batch_rows: int) -> _Result:
    from .. import tables

    if f.role == "description":
        return None, None, None
    try:
        fmt = tables.sniff_format(f.path)
    except TableError as exc:
        return None, None, Issue(exc.code, str(exc))
    except OSError:
        return None, None, None
    if fmt is None or not tables.is_tabular_format(fmt):
        return None, None, None
    if (f.role != "main" and fmt in ("csv", "text")
            and f.path.suffix.lower() not in TEXT_TABLE_SUFFIXES):
        return None, None, None
    try:
        ts = inspect_table(f.path, table=f.table, roles=f.roles, null_values=f.null_values,
                           batch_rows=batch_rows)
    except TableError as exc:
        return fmt, None, Issue(exc.code, str(exc))
    except OSError as exc:
        return fmt, None, Issue("T601", f"cannot read {f.path.name}: {exc}")
    return ts.format, ts, None


def _result_dict(result: _Result) -> dict[str, Any]:
    fmt, ts, err = result
    return {"format": fmt, "table": ts.to_dict() if ts else None,
            "error": err.to_dict() if err else None}


def _cached(cache: InspectCache, f: _File) -> _Result | None:
    data = cache.get(*f.key)
    if data is None:
        return None
    try:
        ts = TableSummary.from_dict(data["table"]) if data.get("table") else None
        err = Issue.from_dict(data["error"]) if data.get("error") else None
        fmt = data.get("format")
        return (str(fmt) if fmt is not None else None), ts, err
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a damaged entry: inspect again


def _unpack(product: Any) -> tuple[Path, dict[str, Any], str]:
    if isinstance(product, tuple):
        folder, meta = product
        return Path(folder), dict(meta), Path(folder).name
    return Path(product.folder), dict(product.meta), str(product.id)
