"""Plain numeric ``.npy`` arrays, memory-mapped, never with pickles (``allow_pickle=False``).

How an array becomes a table:

* a structured array: one column per field;
* 1-D: one column ``value``;
* 2-D with at most :data:`MAX_SCALAR_COLUMNS` columns: one column per array column, named
  col1..colN (a table saved with ``np.save``);
* 2-D with more columns, or 3-D and up: one vector column ``values`` whose rows have the
  shape ``array.shape[1:]``. CFHTLens_sample.P.npy (101 x 200: 100 PDFs and, as the last
  row, the redshift grid) is read this way: 101 rows of one 200-long vector. Nothing in the
  file says that the last row is a grid, so the reader does not guess it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ._common import Source, as_text, dtype_name, fail, native, row_ranges
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo

MAX_SCALAR_COLUMNS = 64


def _load(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise fail("the .npy file holds Python objects, which are stored as a pickle; "
                       "pzbuild never loads pickles. Save a numeric array instead") from exc
        raise fail(f"the .npy file cannot be read ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise fail(f"the .npy file is corrupt or truncated ({exc})") from exc


class NpySource(Source):
    """A numpy array saved with ``np.save``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path=path, format="npy")
        arr = _load(path)
        if arr.ndim == 0:
            raise fail("the .npy file holds a single value, not a table")
        self.num_rows = int(arr.shape[0])
        self.layout: str
        if arr.dtype.names:
            self.layout = "fields"
            for name in arr.dtype.names:
                sub = arr.dtype[name]
                self.columns.append(ColumnInfo(name, dtype_name(sub.base), shape=sub.shape))
        elif arr.ndim == 1:
            self.layout = "value"
            self.columns.append(ColumnInfo("value", dtype_name(arr.dtype)))
        elif arr.ndim == 2 and arr.shape[1] <= MAX_SCALAR_COLUMNS:
            self.layout = "columns"
            self.columns = [ColumnInfo(f"col{j + 1}", dtype_name(arr.dtype))
                            for j in range(arr.shape[1])]
        else:
            self.layout = "values"
            self.columns.append(ColumnInfo("values", dtype_name(arr.dtype),
                                           shape=tuple(arr.shape[1:])))
            self.notes.append(f"a {' x '.join(map(str, arr.shape))} array: each row is read "
                              "as one vector")
        del arr

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        arr = _load(self.path)
        for start, stop in row_ranges(self.num_rows or 0, batch_rows):
            rows = np.array(arr[start:stop])  # a copy: the memory map is not held by callers
            if self.layout == "fields":
                batch = {c.name: rows[c.name] for c in self.columns}
            elif self.layout == "columns":
                batch = {c.name: rows[:, j] for j, c in enumerate(self.columns)}
            else:
                batch = {self.columns[0].name: rows}
            yield {k: as_text(v) if v.dtype.kind in "SU" else native(v) for k, v in batch.items()}
