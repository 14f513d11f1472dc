"""HDF5 files read with h5py: datasets in a group, flat datasets at the root, compound
datasets, and (through :mod:`.pandas_hdf5`) pandas/PyTables stores.

A *table* in an HDF5 file is a group whose datasets are its columns (RAIL's ``photometry/``,
or the root for BPZ and DES files), a compound dataset whose fields are its columns, or a
pandas key. ``table`` picks one by path; without it the file must hold exactly one (T604
lists them otherwise). In a group, the rows are the length that most datasets share; a
dataset of another length (a redshift grid, say) is not a column and is named in ``notes``.
A 2-D dataset of that length is one vector column (a PDF per row, for instance).

Links to other files and soft links are not followed. Nothing is unpickled: h5py does not,
and pandas stores are decoded by :mod:`._pickled`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._common import Source, as_text, fail, native, plural, row_ranges
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo

MAX_DEPTH = 32
ERRORS = (OSError, ValueError, TypeError, KeyError, RuntimeError)


@dataclass(frozen=True)
class Candidate:
    """A table found in an HDF5 file. ``path`` is "/" for the root."""

    path: str
    kind: str  # "group", "compound" or "pandas"
    detail: str

    def label(self) -> str:
        return f"{self.path} ({self.detail})"


def attr_text(attrs: Any, key: str) -> str | None:
    """A string attribute, or None (absent, unreadable or not text)."""
    try:
        value = attrs.get(key)
    except ERRORS:
        return None
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _column_dtype(ds: Any) -> str | None:
    """The ColumnInfo dtype of a dataset, or None when it cannot be a column."""
    import h5py

    dt = ds.dtype
    if h5py.check_string_dtype(dt) is not None:
        return "str"
    if dt.names:
        return None
    if isinstance(ds.id.get_type(), h5py.h5t.TypeBitfieldID) and dt.itemsize == 1:
        return "bool"  # PyTables stores bools as a 1-byte bitfield
    if dt.kind in "biufcM":
        return dt.name
    return None


def read_column(ds: Any, start: int, stop: int, dtype: str) -> np.ndarray:
    """Rows ``start:stop`` of a dataset as the numpy array ``dtype`` announces."""
    values = ds[start:stop]
    if dtype == "str":
        return as_text(values)
    values = np.asarray(values)
    if dtype == "bool" and values.dtype != np.bool_:
        return values.astype(bool)
    return native(values)


def _describe(obj: Any) -> tuple[str | None, str | None]:
    attrs = obj.attrs
    unit = next((u for k in ("unit", "units", "UNIT", "UNITS") if (u := attr_text(attrs, k))),
                None)
    desc = next((d for k in ("description", "DESCRIPTION", "long_name", "desc")
                 if (d := attr_text(attrs, k))), None)
    return unit, desc


def find_tables(f: Any) -> list[Candidate]:
    """Every table in an open h5py file, in file order."""
    import h5py

    out: list[Candidate] = []

    def visit(group: Any, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        kind = attr_text(group.attrs, "pandas_type") if path else None
        if kind:
            out.append(Candidate(path, "pandas", f"pandas {kind}"))
            return
        groups, compounds, plain = [], [], 0
        for name in group:
            if not isinstance(group.get(name, getlink=True), h5py.HardLink):
                continue
            obj = group.get(name)
            child = f"{path}/{name}" if path else name
            if isinstance(obj, h5py.Group):
                groups.append((obj, child))
            elif not isinstance(obj, h5py.Dataset):
                continue
            elif obj.dtype.names and obj.ndim == 1:
                compounds.append(Candidate(child, "compound",
                                           f"compound dataset, {obj.shape[0]} rows"))
            elif obj.ndim >= 1 and _column_dtype(obj):
                plain += 1
        if plain:
            out.append(Candidate(path or "/", "group", plural(plain, "dataset")))
        out.extend(compounds)
        for obj, child in groups:
            visit(obj, child, depth + 1)

    visit(f, "", 0)
    return out


def pick_table(cands: list[Candidate], table: str | None, f: Any) -> Candidate:
    """The table to read; raises TableError T601, T603 or T604."""
    import h5py

    listing = ", ".join(c.label() for c in cands) or "none"
    if table is None:
        if len(cands) == 1:
            return cands[0]
        if not cands:
            raise fail("the HDF5 file holds no dataset that can be read as a column")
        raise fail(f"the HDF5 file holds {len(cands)} tables: {listing}; set `table` to the "
                   "group or key to read", "T604")
    key = table.strip().strip("/") or "/"
    for c in cands:
        if c.path == key:
            return c
    obj = f.get(key) if key != "/" else f
    if isinstance(obj, h5py.Dataset) and obj.ndim >= 1 and _column_dtype(obj):
        return Candidate(key, "dataset", "dataset")
    what = "has nothing readable as a table at" if obj is not None else "has no group or key"
    raise fail(f"the HDF5 file {what} '{table}'; its tables are: {listing}", "T603")


class Hdf5GroupSource(Source):
    """A group of datasets (columns), a single dataset, or a compound dataset."""

    def __init__(self, path: Path, f: Any, cand: Candidate) -> None:
        super().__init__(path=path, format="hdf5", table=cand.path)
        self.kind = cand.kind
        node = f if cand.path == "/" else f[cand.path]
        self.members: dict[str, str] = {}  # column -> dataset path
        if cand.kind == "compound":
            self._compound(node)
        elif cand.kind == "dataset":
            self._datasets(f, [(node.name.rsplit("/", 1)[-1], node)])
        else:
            import h5py

            items = []
            for name in node:
                if isinstance(node.get(name, getlink=True), h5py.HardLink):
                    obj = node.get(name)
                    if isinstance(obj, h5py.Dataset):
                        items.append((name, obj))
            self._datasets(f, items)

    def _compound(self, ds: Any) -> None:
        self.members = {"": ds.name}
        self.num_rows = int(ds.shape[0])
        unit, _ = _describe(ds)
        for name in ds.dtype.names:
            sub = ds.dtype[name]
            base = sub.base
            dtype = "str" if base.kind in "SU" else ("object" if base.kind in "OV" else base.name)
            self.columns.append(ColumnInfo(name, dtype, None, None, tuple(sub.shape)))

    def _datasets(self, f: Any, items: list[tuple[str, Any]]) -> None:
        usable = [(n, ds) for n, ds in items if ds.ndim >= 1 and _column_dtype(ds)]
        names = {n for n, _ in usable}
        for n, ds in items:
            if n not in names:
                self.notes.append(f"dataset '{n}' {ds.shape} {ds.dtype} is not a column")
        if not usable:
            raise fail(f"the HDF5 group '{self.table}' holds no dataset that can be a column")
        lengths = Counter(ds.shape[0] for _, ds in usable)
        top = max(lengths.values())
        n_rows = max(n for n, k in lengths.items() if k == top)
        self.num_rows = int(n_rows)
        for name, ds in usable:
            if ds.shape[0] != n_rows:
                self.notes.append(f"dataset '{name}' has {ds.shape[0]} values, not one per row "
                                  f"of the {n_rows} rows; it is not a column")
                continue
            unit, desc = _describe(ds)
            self.members[name] = ds.name
            self.columns.append(ColumnInfo(name, _column_dtype(ds) or "object", unit, desc,
                                           tuple(ds.shape[1:])))

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        import h5py

        try:
            with h5py.File(self.path, "r") as f:
                if self.kind == "compound":
                    ds = f[self.members[""]]
                    for start, stop in row_ranges(self.num_rows or 0, batch_rows):
                        rows = ds[start:stop]
                        yield {c.name: (as_text(rows[c.name]) if c.dtype == "str"
                                        else native(np.asarray(rows[c.name])))
                               for c in self.columns}
                    return
                datasets = {c.name: f[self.members[c.name]] for c in self.columns}
                for start, stop in row_ranges(self.num_rows or 0, batch_rows):
                    yield {c.name: read_column(datasets[c.name], start, stop, c.dtype)
                           for c in self.columns}
        except ERRORS as exc:
            raise fail(f"the HDF5 file cannot be read to the end ({exc})") from exc


def open_hdf5(path: Path, table: str | None = None) -> Source:
    """Open a table, a pandas key or a qp ensemble in an HDF5 file; raises TableError."""
    import h5py

    from . import pandas_hdf5, qp

    try:
        with h5py.File(path, "r") as f:
            if table is None:
                layout = qp.hdf5_layout(f)
                if layout is not None:
                    return qp.open_qp_hdf5(path, f, layout)
            cand = pick_table(find_tables(f), table, f)
            if cand.kind == "pandas":
                return pandas_hdf5.open_pandas(path, f, cand.path)
            return Hdf5GroupSource(path, f, cand)
    except ERRORS as exc:
        raise fail(f"the HDF5 file cannot be read ({exc})") from exc
