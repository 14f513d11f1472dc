"""Inspect the files of products through the cache.

Every file gets its size and SHA-256; every file that reads as a table (or a qp ensemble of
PDFs) gets its TableSummary. Other files (pickles, models, archives, prose) are only hashed:
nothing in them is unpickled or run. Results come from the cache when the content and the
inspection options are unchanged; otherwise the table is read once and the result stored.

A file whose stat stamp the cache's index knows is not read at all. One it does not know is
hashed where it is inspected, in the worker process, from the same bytes the reader then
parses (files up to WHOLE_FILE_BYTES are read into memory once), and the worker sends back
what it found as the JSON of a cache entry, which the main process stores, many entries in
one transaction.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..errors import TableError
from ..tables.base import DEFAULT_BATCH_ROWS
from .cache import Entries, InspectCache, encode_entry, options_key
from .quiet_gc import paused_gc
from .summary import (
    FileSummary,
    Issue,
    ProductSummary,
    TableSummary,
    file_digest,
    inspect_table,
)

#: Extensions under which a file other than the main one is read as a text table: text
#: sniffing alone takes much prose (README.md, JSON) for CSV.
TEXT_TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".dat", ".ascii", ".tab", ".ecsv"})
#: Fewer tables than this to read are not worth starting worker processes for.
MIN_PARALLEL = 8

#: Files up to this size are read into memory once, to hash and to parse the same bytes.
WHOLE_FILE_BYTES = 64 << 20
#: New results are stored in the cache by this many at a time (one transaction each).
STORE_EVERY = 256

#: format, table (a TableSummary, or its dict as cached), error
_Result = tuple[str | None, TableSummary | dict[str, Any] | None, Issue | None]


@dataclass(frozen=True)
class _File:
    """A file of a product, with what inspecting it takes; ``sha256`` is None until known."""

    rel: str
    role: str
    path: Path
    size: int
    sha256: str | None
    stamp: list[int]
    options: str
    table: str | None
    roles: dict[str, str]
    null_values: list[Any]


@dataclass(frozen=True)
class _Done:
    """What inspecting a file gave: its digest and result, whether the result came from the
    cache (nothing was parsed), and a new result as the JSON for the cache (``stored``),
    which the main process writes, many at once. A worker process sends a new result as that
    JSON alone (``result`` None): cheaper to send and to read back than the pickled summary,
    and read back as a cached result is."""

    size: int
    sha256: str
    result: _Result | None
    hit: bool
    stored: bytes | None = None

    def value(self) -> _Result:
        if self.result is not None:
            return self.result
        found = _cached(orjson.loads(self.stored)) if self.stored is not None else None
        if found is None:  # not what _result_dict makes
            raise ValueError("a worker sent a result that does not read back")
        return found


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
    per CPU) the files missing from the cache are hashed and read by that many worker
    processes, when there are at least MIN_PARALLEL of them."""
    with paused_gc():
        return _inspect_products(products, cache, jobs, batch_rows)


def _inspect_products(products: Iterable[Any], cache: InspectCache | None, jobs: int | None,
                      batch_rows: int) -> list[ProductSummary]:
    cache = cache if cache is not None else InspectCache.disabled()
    plans = [_plan(p, cache) for p in products]
    results: dict[tuple[str, str], _Result] = {}
    todo: dict[tuple[str, str], _File] = {}  # by (sha256 or path, options)
    for _, files in plans:
        for f in files:
            if f.sha256 is None:
                todo.setdefault((str(f.path), f.options), f)
                continue
            key = (f.sha256, f.options)
            if key in results or key in todo:
                continue
            cached = _cached(cache.get(*key))
            if cached is None:
                todo[key] = f
            else:
                results[key] = cached
                cache.hits += 1
    digests: dict[str, tuple[int, str] | None] = {}
    entries = cache.entries  # small to send to workers, which look results up there
    new: list[tuple[str, str, bytes]] = []  # results to store, a transaction for many
    for f, done in _run(list(todo.values()), jobs or os.cpu_count() or 1, batch_rows, entries):
        if done is None:  # it could not be read: left out, as a missing file
            digests[str(f.path)] = None
            continue
        if f.sha256 is None:
            digests[str(f.path)] = done.size, done.sha256
            cache.remember_digest(f.path, f.stamp, done.size, done.sha256)
        key = (done.sha256, f.options)
        if key in results:
            continue  # the same content under another path, already done
        results[key] = done.value()
        if done.hit:
            cache.hits += 1
        else:
            cache.misses += 1
        if done.stored is not None:
            new.append((done.sha256, f.options, done.stored))
            if len(new) >= STORE_EVERY:
                entries.put_many(new)
                new = []
    entries.put_many(new)
    out = []
    for pid, files in plans:
        summaries = []
        for f in files:
            digest = (f.size, f.sha256) if f.sha256 is not None else digests[str(f.path)]
            if digest is None:
                continue
            size, sha = digest
            fmt, table, error = results[(sha, f.options)]
            if isinstance(table, dict):
                summaries.append(FileSummary.cached(f.rel, f.role, size, sha, fmt, table, error))
            else:
                summaries.append(FileSummary(f.rel, f.role, size, sha, fmt, table, error))
        out.append(ProductSummary(pid, summaries))
    return out


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
            stamp, sha = cache.known_digest(path)
        except OSError:
            continue
        main = role == "main"
        f_table, f_roles = (table, roles) if main else (None, {})
        kind = role if role in ("main", "description") else "other"
        key = options_key(role=kind, table=f_table, roles=f_roles, null_values=nulls,
                          suffix=path.suffix)
        files.append(_File(rel, role, path, stamp[0], sha, stamp, key, f_table, f_roles,
                           nulls))
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


def _run(todo: list[_File], jobs: int, batch_rows: int, entries: Entries
         ) -> Iterator[tuple[_File, _Done | None]]:
    if jobs <= 1 or len(todo) < MIN_PARALLEL:
        for f in todo:
            yield f, _inspect_file(f, batch_rows, entries)
        return
    from .workers import worker_pool

    # Largest first, so that one big file does not start last; in chunks of a few files
    # (a sixteenth of each worker's share): handing out each task costs the pool's threads
    # about half a millisecond of this process's time.
    todo = sorted(todo, key=lambda f: -f.size)
    processes = min(jobs, len(todo))
    with worker_pool(processes) as pool:
        yield from pool.imap_unordered(_work, [(f, batch_rows, entries) for f in todo],
                                       chunksize=max(1, len(todo) // (16 * processes)))


def _work(args: tuple[_File, int, Entries]) -> tuple[_File, _Done | None]:
    f, batch_rows, entries = args
    with paused_gc():  # as in the main process (see inspect_products)
        return f, _inspect_file(f, batch_rows, entries, as_json=True)


def _inspect_file(f: _File, batch_rows: int, entries: Entries, *,
                  as_json: bool = False) -> _Done | None:
    """Hash the file when its digest is not known yet, take its result from the cache when
    there, else inspect it (the caller stores the result). None when the file cannot be
    read."""
    content = None
    size, sha = f.size, f.sha256
    if sha is None:
        try:
            if f.size <= WHOLE_FILE_BYTES:
                with open(f.path, "rb") as fh:
                    content = fh.read()
                size, sha = len(content), hashlib.sha256(content).hexdigest()
            else:
                size, sha = file_digest(f.path)
        except OSError:
            return None
        cached = _cached(entries.get(sha, f.options))
        if cached is not None:
            return _Done(size, sha, cached, True)
    result = _inspect(f, batch_rows, content)
    stored = encode_entry(_result_dict(result))
    return _Done(size, sha, None if as_json else result, False, stored)


def _inspect(f: _File, batch_rows: int, content: bytes | None) -> _Result:
    from .. import tables
    from ..tables.sniff import is_parquet_bytes

    if f.role == "description":
        return None, None, None
    try:
        fmt = "parquet" if is_parquet_bytes(content) else tables.sniff_format(f.path)
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
                           batch_rows=batch_rows, content=content)
    except TableError as exc:
        return fmt, None, Issue(exc.code, str(exc))
    except OSError as exc:
        return fmt, None, Issue("T601", f"cannot read {f.path.name}: {exc}")
    return ts.format, ts, None


def _result_dict(result: _Result) -> dict[str, Any]:
    fmt, ts, err = result
    table = ts.to_dict() if isinstance(ts, TableSummary) else ts
    return {"format": fmt, "table": table, "error": err.to_dict() if err else None}


def _cached(data: dict[str, Any] | None) -> _Result | None:
    """A cached result, its table left as the parsed JSON (see FileSummary.cached)."""
    if data is None:
        return None
    table = data.get("table") or None
    if table is not None and not (isinstance(table, dict) and _TABLE_KEYS.issubset(table)
                                  and isinstance(table["columns"], list)):
        return None  # a damaged entry: inspect again
    try:
        err = Issue.from_dict(data["error"]) if data.get("error") else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    fmt = data.get("format")
    return (str(fmt) if fmt is not None else None), table, err


_TABLE_KEYS = frozenset({"format", "num_rows", "columns"})


def _unpack(product: Any) -> tuple[Path, dict[str, Any], str]:
    if isinstance(product, tuple):
        folder, meta = product
        return Path(folder), dict(meta), Path(folder).name
    return Path(product.folder), dict(product.meta), str(product.id)
