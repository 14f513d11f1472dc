"""Checks that the main file reads as a table and holds the columns its roles name."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..errors import TableError
from ..problems import Problem
from . import ProductContext
from .metadata import PLACEHOLDER


def check_columns(ctx: ProductContext) -> Iterator[Problem]:
    from ..tables import is_tabular_format, open_table, sniff_format

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
    fmt = sniff_format(path)
    if fmt is None or not is_tabular_format(fmt):
        if spec is not None and spec.tabular:
            yield ctx.problem("R414", f"files: a {spec.name} needs a table as its main file "
                              f"(Parquet, CSV, FITS, HDF5, VOTable); '{main}' is not one",
                              main_ptr)
        elif named:
            yield ctx.problem("R414", f"columns: '{main}' is not a table, so it has no columns "
                              "to give roles to", "/columns")
        return
    table = data.get("table") if isinstance(data.get("table"), str) else None
    try:
        source = open_table(path, table)
    except TableError as exc:
        ptr = "/table" if exc.code == "T603" and table else main_ptr
        yield ctx.problem(exc.code, f"{main}: {exc}", ptr)
        return
    for code, message in getattr(source, "warnings", []):
        yield ctx.problem(code, f"{main}: {message}", main_ptr)
    names = [c.name for c in source.columns]
    for role, col in named.items():
        if col not in names and not col.startswith(PLACEHOLDER):
            hint = difflib.get_close_matches(col, names, n=1)
            did = f" (did you mean '{hint[0]}'?)" if hint else ""
            yield ctx.problem("R406", f"columns.{role}: '{main}' has no column '{col}'{did}",
                              f"/columns/{role}")
