"""Checks that the main file reads as a table and holds the columns its roles name."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TableError
from ..problems import Problem
from . import ProductContext
from .metadata import PLACEHOLDER

if TYPE_CHECKING:
    from ..inspect.cache import InspectCache
    from .memo import ValidationMemo


#: Raise when what the header check stores changes meaning.
HEADER_FORMAT = 2
#: Fewer headers to read than this are read in this process: starting worker processes
#: (each imports the table libraries) costs more than they save.
MIN_PARALLEL = 200


def read_header(path: Path, table: str | None, memo: ValidationMemo | None = None
                ) -> dict[str, Any]:
    """Whether a file is a table, and its column names and reader warnings, or the reader's
    error.

    Remembered in ``memo`` by the file's stat stamp (size, mtime, inode, device), so neither
    is an unchanged table opened again nor its content hashed to know that it is unchanged.
    """
    from ..inspect.cache import settled, stat_stamp

    name = key = stamp = None
    if memo is not None:
        try:
            st = os.stat(path)
        except OSError:
            pass
        else:
            stamp = stat_stamp(st)
            try:
                rel = path.relative_to(memo.catalog.root).as_posix()
            except ValueError:
                rel = path.as_posix()
            name = f"{rel}|{table}"
            key = json.dumps([HEADER_FORMAT, *stamp, path.suffix.lower(), table])
            hit = memo.get("headers", name, key)
            if isinstance(hit, dict):
                return hit
            if not settled(st):
                name = None  # it may change again within the same mtime tick
    if memo is not None and memo.by_content:
        return _by_content(path, table, memo.cache)
    ahead = memo.read_ahead.pop((str(path), table), None) if memo is not None else None
    # read ahead from the file as it is now (its stamp was taken before reading it)
    header = ahead[1] if ahead is not None and ahead[0] == stamp else _read(path, table)
    if memo is not None and name is not None and key is not None:
        memo.put("headers", name, key, header)
    return header


def _by_content(path: Path, table: str | None, cache: InspectCache) -> dict[str, Any]:
    """The header remembered by the file's content: for a catalog exported to a temporary
    folder (pzbuild review), whose files are new to any stat stamp."""
    from .. import __version__

    _, sha = cache.digest(path)
    key = f"header{HEADER_FORMAT}-{__version__}-" + hashlib.sha256(
        f"{table}|{path.suffix.lower()}".encode()).hexdigest()[:16]
    hit = cache.get(sha, key)
    if hit is not None:
        return hit
    header = _read(path, table)
    cache.put(sha, key, header)
    return header


def read_headers_ahead(files: list[tuple[Path, str | None]], memo: ValidationMemo,
                       jobs: int) -> None:
    """Read the headers of many files in ``jobs`` worker processes, for :func:`read_header`
    to take from ``memo`` (nothing when there are too few to pay for starting them)."""
    from ..inspect.workers import worker_pool

    if jobs <= 1 or len(files) < MIN_PARALLEL or memo.by_content:
        return
    todo = sorted({(str(p), t) for p, t in files}, key=lambda f: -_size(f[0]))
    with worker_pool(min(jobs, len(todo))) as pool:
        for item, header in zip(todo, pool.imap(_read_job, todo, chunksize=4), strict=True):
            memo.read_ahead[item] = header


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_job(item: tuple[str, str | None]) -> tuple[list[int] | None, dict[str, Any]]:
    from ..inspect.cache import stat_stamp

    try:
        stamp = stat_stamp(os.stat(item[0]))
    except OSError:
        stamp = None
    return stamp, _read(Path(item[0]), item[1])


def _read(path: Path, table: str | None) -> dict[str, Any]:
    from ..tables import is_tabular_format, open_table, sniff_format

    header: dict[str, Any] = {"tabular": True, "columns": [], "warnings": [], "error": None}
    # open_table sniffs the format itself: sniffing first as well would read every text
    # table's first lines twice more. Only a file it refuses is sniffed again, to tell a file
    # that is no table (R414) from a broken one.
    try:
        source = open_table(path, table)
    except TableError as exc:
        fmt = sniff_format(path)
        if fmt and is_tabular_format(fmt):
            header["error"] = [exc.code, str(exc)]
        else:
            header["tabular"] = False
    else:
        header["columns"] = [c.name for c in source.columns]
        header["warnings"] = [list(w) for w in getattr(source, "warnings", [])]
    return header


def check_columns(ctx: ProductContext) -> Iterator[Problem]:
    data = ctx.sub.data
    spec = ctx.catalog.vocabulary.product_types.get(str(data.get("type")))
    raw_roles = data.get("columns")
    roles = raw_roles if isinstance(raw_roles, dict) else {}
    named = {r: c for r, c in roles.items() if isinstance(c, str)}

    by_column: dict[str, str] = {}
    for role, col in named.items():
        if col in by_column:
            yield ctx.problem("R415", f"columns.{role}: column '{col}' already has the role "
                              f"{by_column[col]}", f"/columns/{role}")
        by_column.setdefault(col, role)
    if spec is not None:
        for role in spec.required_roles:
            if named.get(role) is None:
                yield ctx.problem("R405", f"columns.{role}: a {spec.name} needs the column "
                                  f"role '{role}'; name the column that holds it",
                                  f"/columns/{role}" if role in roles else "/columns")

    main = next((rel for rel, f in ctx.safe_files.items() if f["role"] == "main"), None)
    if main is None:
        return
    main_ptr = f"/files/{ctx.safe_files[main]['index']}/path"
    path = ctx.sub.folder / main
    table = data.get("table") if isinstance(data.get("table"), str) else None
    header = read_header(path, table, ctx.memo)
    if not header["tabular"]:
        if spec is not None and spec.tabular:
            yield ctx.problem("R414", f"files: a {spec.name} needs a table as its main file "
                              f"(Parquet, CSV, FITS, HDF5, VOTable); '{main}' is not one",
                              main_ptr)
        elif named:
            yield ctx.problem("R414", f"columns: '{main}' is not a table, so it has no columns "
                              "to give roles to", "/columns")
        return
    if header["error"] is not None:
        code, message = header["error"]
        ptr = "/table" if code == "T603" and table else main_ptr
        yield ctx.problem(code, f"{main}: {message}", ptr)
        return
    for code, message in header["warnings"]:
        yield ctx.problem(code, f"{main}: {message}", main_ptr)
    names = header["columns"]
    for role, col in named.items():
        if col not in names and not col.startswith(PLACEHOLDER):
            hint = difflib.get_close_matches(col, names, n=1)
            did = f" (did you mean '{hint[0]}'?)" if hint else ""
            yield ctx.problem("R406", f"columns.{role}: '{main}' has no column '{col}'{did}",
                              f"/columns/{role}")
