"""FITS binary and ASCII table HDUs, read with astropy.io.fits (memory-mapped).

``table`` picks the HDU by EXTNAME (any case) or by number. Without it, the one table HDU
that has columns is read; when several do (or all are empty and there are several), T604
lists them. Units come from TUNITn as written (never parsed, so odd units stay raw);
descriptions from TCOMMn or the comment of the TTYPEn card.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._common import Source, as_text, fail, quiet_astropy, row_ranges
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo


def _is_table(hdu: Any) -> bool:
    from astropy.io import fits

    return isinstance(hdu, (fits.BinTableHDU, fits.TableHDU))


def _label(index: int, hdu: Any) -> str:
    name = hdu.name or "no name"
    if not _is_table(hdu):
        return f"{index} ({name}, {type(hdu).__name__})"
    rows = hdu.header.get("NAXIS2", 0)
    cols = hdu.header.get("TFIELDS", 0)
    return f"{index} ({name}, {rows} rows x {cols} columns)"


def _listing(hdul: Any) -> str:
    tables = [_label(i, h) for i, h in enumerate(hdul) if _is_table(h)]
    return ", ".join(tables) if tables else "none"


def pick_hdu(hdul: Any, table: str | None) -> int:
    """The index of the table HDU to read; raises TableError T601, T603 or T604."""
    tables = [i for i, h in enumerate(hdul) if _is_table(h)]
    if table is None:
        if not tables:
            kinds = ", ".join(_label(i, h) for i, h in enumerate(hdul))
            raise fail(f"the FITS file holds no table HDU, only: {kinds}")
        with_columns = [i for i in tables if hdul[i].header.get("TFIELDS", 0) > 0]
        candidates = with_columns or tables
        if len(candidates) == 1:
            return candidates[0]
        raise fail(f"the FITS file holds {len(candidates)} table HDUs: {_listing(hdul)}; "
                   "set `table` to the name or number of the one to read", "T604")
    key = table.strip()
    if key.isdigit():
        index = int(key)
        if index >= len(hdul):
            raise fail(f"the FITS file has no HDU {index} (it has {len(hdul)}); its table "
                       f"HDUs are: {_listing(hdul)}", "T603")
        matches = [index]
    else:
        matches = [i for i, h in enumerate(hdul) if h.name.upper() == key.upper()]
        if not matches:
            raise fail(f"the FITS file has no HDU named '{table}'; its table HDUs are: "
                       f"{_listing(hdul)}", "T603")
        if len(matches) > 1:
            labels = ", ".join(_label(i, hdul[i]) for i in matches)
            raise fail(f"{len(matches)} HDUs are named '{table}': {labels}; set `table` to "
                       "the HDU number instead", "T604")
    if not _is_table(hdul[matches[0]]):
        raise fail(f"HDU {_label(matches[0], hdul[matches[0]])} is not a table; the table HDUs "
                   f"are: {_listing(hdul)}", "T603")
    return matches[0]


def _convert(values: Any, col: ColumnInfo) -> np.ndarray:
    """A native-endian copy (the file's memory map closes after the pass)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(arr.dtype.newbyteorder("="), copy=True)
    if col.dtype == "str":  # trailing blanks are padding in FITS
        return as_text(np.char.rstrip(arr) if arr.dtype.kind in "SU" else arr)
    if col.dtype == "object":
        out = np.empty(len(arr), dtype=object)
        for i, v in enumerate(arr):
            out[i] = np.array(v)
        return out
    return np.array(arr)


def column_infos(hdu: Any) -> list[ColumnInfo]:
    """The columns of a table HDU, with the dtypes astropy gives them once scaled."""
    header = hdu.header
    cols = []
    data = hdu.data
    sample = data[:1] if data is not None and len(data) else None  # ([:0] fails on ASCII)
    for i, c in enumerate(hdu.columns, start=1):
        if sample is not None:
            values = sample.field(c.name)
            dt, shape = values.dtype, tuple(values.shape[1:])
        else:
            dt, shape = np.dtype(c.dtype), ()
        fmt = str(c.format)
        if "P" in fmt or "Q" in fmt:  # variable-length arrays
            dtype, shape = "object", ()
        elif dt.kind in "SU":
            dtype = "str"
        else:
            dtype = dt.name
        desc = header.get(f"TCOMM{i}") or (
            header.comments[f"TTYPE{i}"] if f"TTYPE{i}" in header else None) or None
        unit = str(c.unit) if c.unit else None
        cols.append(ColumnInfo(c.name, dtype, unit, desc, shape))
    return cols


class FitsSource(Source):
    """One table HDU of a FITS file."""

    def __init__(self, path: Path, table: str | None = None) -> None:
        super().__init__(path=path, format="fits")
        from astropy.io import fits

        try:
            with quiet_astropy(), fits.open(path, memmap=True) as hdul:
                self.hdu_index = pick_hdu(hdul, table)
                hdu = hdul[self.hdu_index]
                self.table = hdu.name or str(self.hdu_index)
                self.num_rows = int(hdu.header.get("NAXIS2", 0))
                self.columns = column_infos(hdu)
        except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
            raise fail(f"the FITS file cannot be read ({exc})") from exc

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        from astropy.io import fits

        try:
            with quiet_astropy(), fits.open(self.path, memmap=True) as hdul:
                data = hdul[self.hdu_index].data
                for start, stop in row_ranges(self.num_rows or 0, batch_rows):
                    chunk = data[start:stop]
                    yield {c.name: _convert(chunk.field(c.name), c) for c in self.columns}
                    del chunk
                del data
        except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
            raise fail(f"the FITS table cannot be read to the end ({exc})") from exc


def open_fits(path: Path, table: str | None = None) -> Source:
    """Open a table HDU, or a qp ensemble when ``table`` is not set; raises TableError."""
    from astropy.io import fits

    from . import qp

    if table is None:
        try:
            with quiet_astropy(), fits.open(path, memmap=True) as hdul:
                if qp.fits_layout(hdul):
                    return qp.open_qp_fits(path, hdul)
        except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
            raise fail(f"the FITS file cannot be read ({exc})") from exc
    return FitsSource(path, table)
