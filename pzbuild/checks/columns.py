"""Checks that the main file reads as a table and holds the columns its roles name."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TableError
from ..problems import Problem
from . import ProductContext
from .metadata import PLACEHOLDER

if TYPE_CHECKING:
    from ..inspect.cache import InspectCache


#: Raise when what the header check stores changes meaning.
HEADER_FORMAT = 1


def read_header(path: Path, table: str | None, cache: InspectCache | None) -> dict[str, Any]:
    """The format, column names and reader warnings of a file, or the reader's error.

    Remembered in the inspection cache by file content, so validating an unchanged catalog
    opens no table at all.
    """
    from .. import __version__
    from ..tables import is_tabular_format, open_table, sniff_format

    key = sha = None
    if cache is not None and cache.dir is not None:
        _, sha = cache.digest(path)
        key = f"header{HEADER_FORMAT}-{__version__}-" + hashlib.sha256(
            f"{table}|{path.suffix.lower()}".encode()).hexdigest()[:16]
        hit = cache.get(sha, key)
        if hit is not None:
            return hit
    fmt = sniff_format(path)
    header: dict[str, Any] = {"format": fmt, "tabular": bool(fmt and is_tabular_format(fmt)),
                              "columns": [], "warnings": [], "error": None}
    if header["tabular"]:
        try:
            source = open_table(path, table)
        except TableError as exc:
            header["error"] = [exc.code, str(exc)]
        else:
            header["columns"] = [c.name for c in source.columns]
            header["warnings"] = [list(w) for w in getattr(source, "warnings", [])]
    if cache is not None and sha is not None and key is not None:
        cache.put(sha, key, header)
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
    header = read_header(path, table, ctx.cache)
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
