"""VOTables, read with astropy.io.votable.

astropy parses the whole document, so a VOTable is held in memory once it is opened; batches
are slices of it. ``table`` picks a TABLE by ID, name or number (0-based, in document order).
Masked (null) values become NaN in float columns, and make an integer column float64 with
NaN; in text and boolean columns they become None. Units are kept as the file writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._common import Source, as_text, fail, native, quiet_astropy, row_ranges
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo


def _label(i: int, t: Any) -> str:
    name = t.ID or t.name or "no name"
    return f"{i} ({name}, {len(t.array)} rows)"


def _pick(tables: list[Any], table: str | None) -> int:
    listing = ", ".join(_label(i, t) for i, t in enumerate(tables)) or "none"
    if table is None:
        if len(tables) == 1:
            return 0
        if not tables:
            raise fail("the VOTable holds no TABLE")
        raise fail(f"the VOTable holds {len(tables)} tables: {listing}; set `table` to the ID, "
                   "name or number of the one to read", "T604")
    for i, t in enumerate(tables):
        if table in (t.ID, t.name):
            return i
    if table.strip().isdigit() and int(table) < len(tables):
        return int(table)
    raise fail(f"the VOTable has no table '{table}'; its tables are: {listing}", "T603")


def _column(values: Any) -> tuple[np.ndarray, str]:
    """A column of the parsed table as a plain array, and its ColumnInfo dtype."""
    data = np.ma.getdata(values)
    mask = np.ma.getmaskarray(values)
    if data.dtype.kind in "SUO":
        text = as_text(data) if data.dtype.kind != "O" or data.ndim == 1 else data
        if text.ndim == 1:
            text = text.copy()
            text[mask] = None
            return text, "str" if data.dtype.kind in "SU" or _all_text(text) else "object"
        return text, "object"
    if not mask.any():
        return native(np.asarray(data)), data.dtype.name
    if data.dtype.kind == "f":
        out = np.array(data)
        out[mask] = np.nan
        return out, out.dtype.name
    if data.dtype.kind in "iu":
        out = data.astype("float64")
        out[mask] = np.nan
        return out, "float64"
    objs = data.astype(object)
    if mask.ndim == objs.ndim:
        objs[mask] = None
    return objs, "object"


def _all_text(values: np.ndarray) -> bool:
    return all(v is None or isinstance(v, str) for v in values)


class VoTableSource(Source):
    """One TABLE of a VOTable, held in memory."""

    def __init__(self, path: Path, table: str | None = None) -> None:
        super().__init__(path=path, format="votable")
        from astropy.io.votable import parse

        try:
            with quiet_astropy():
                doc = parse(str(path), verify="ignore")
                tables = list(doc.iter_tables())
                index = _pick(tables, table)
                t = tables[index]
                self.table = t.ID or t.name or str(index)
                arr = t.array
                self.num_rows = len(arr)
                self.data: dict[str, np.ndarray] = {}
                for fld, name in zip(t.fields, arr.dtype.names or (), strict=False):
                    values, dtype = _column(arr[name])
                    self.data[name] = values
                    unit = str(fld.unit) if fld.unit is not None else None
                    desc = fld.description or None
                    self.columns.append(ColumnInfo(name, dtype, unit, desc,
                                                   tuple(values.shape[1:])))
        except (ValueError, OSError, TypeError, KeyError, IndexError) as exc:
            raise fail(f"the VOTable cannot be read ({exc})") from exc

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        for start, stop in row_ranges(self.num_rows or 0, batch_rows):
            yield {c.name: self.data[c.name][start:stop] for c in self.columns}
