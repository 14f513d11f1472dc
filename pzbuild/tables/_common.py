"""What the readers share: the attributes of an opened table, dtype names, text decoding."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import TableError
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo, QpInfo


@dataclass
class Source:
    """The attributes every reader fills; subclasses add ``iter_batches``."""

    path: Path
    format: str
    table: str | None = None
    columns: list[ColumnInfo] = field(default_factory=list)
    num_rows: int | None = None
    qp: QpInfo | None = None
    #: (code, message) pairs, e.g. ("T606", "...").
    warnings: list[tuple[str, str]] = field(default_factory=list)
    #: Plain-language remarks on how the file was read (datasets left out, ...).
    notes: list[str] = field(default_factory=list)

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        """Yield the rows in order, batch by batch. Raises TableError on a corrupt file."""
        raise NotImplementedError


def dtype_name(dt: np.dtype) -> str:
    """The ColumnInfo dtype of a numpy dtype: strings and bytes are "str"."""
    if dt.kind in "SU":
        return "str"
    if dt.kind in "OV":
        return "object"
    return dt.name


def native(arr: np.ndarray) -> np.ndarray:
    """``arr`` in the machine's byte order (FITS and some HDF5 files are big-endian)."""
    if arr.dtype.byteorder in "=|" or arr.dtype.names:
        return arr
    return arr.astype(arr.dtype.newbyteorder("="))


def row_ranges(n_rows: int, batch_rows: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each batch of at most ``batch_rows`` rows."""
    check_batch_rows(batch_rows)
    for start in range(0, n_rows, batch_rows):
        yield start, min(start + batch_rows, n_rows)


def check_batch_rows(batch_rows: int) -> None:
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")


def _decode_one(value: object, encoding: str) -> object:
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode(encoding, errors="replace")
    if isinstance(value, np.str_):
        return str(value)
    return value


_decode_utf8 = np.frompyfunc(lambda v: _decode_one(v, "utf-8"), 1, 1)


def as_text(values: np.ndarray, encoding: str = "utf-8") -> np.ndarray:
    """An object array of str (None where missing) from bytes, str or object values."""
    arr = np.asarray(values)
    if arr.dtype.kind == "U":
        return arr.astype(object)
    if arr.dtype.kind == "S":
        return np.char.decode(arr, encoding, errors="replace").astype(object)
    if arr.size == 0:
        return arr.astype(object)
    if encoding == "utf-8":
        return np.asarray(_decode_utf8(arr), dtype=object)
    return np.asarray(np.frompyfunc(lambda v: _decode_one(v, encoding), 1, 1)(arr), dtype=object)


def unique_names(names: list[str]) -> tuple[list[str], list[str]]:
    """Names made unique and non-empty (``x``, ``x_2``, ...); and a note per change."""
    out: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = raw if raw else f"col{i + 1}"
        base, k = name, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        if name != raw:
            what = "has no name" if not raw else f"repeats the name '{raw}'"
            notes.append(f"column {i + 1} {what}; it is read as '{name}'")
        seen.add(name)
        out.append(name)
    return out, notes


def fail(message: str, code: str = "T601") -> TableError:
    return TableError(message, code)


@contextlib.contextmanager
def quiet_astropy() -> Iterator[None]:
    """Silence astropy's warnings about non-standard files: the reader keeps raw values."""
    from astropy.utils.exceptions import AstropyWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        yield


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
