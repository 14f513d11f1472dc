"""pandas HDFStore keys (PyTables files), read with h5py and never unpickled.

pandas and PyTables unpickle parts of these files when they read them (string columns of the
fixed format, attributes such as column lists), and a pickle can run any code. So the layout
is read here with h5py, and the pickled parts are decoded by :mod:`._pickled`, which builds
plain values and numpy arrays and refuses anything else.

Fixed format (``frame``, ``series``): numeric blocks are read in row slices; a block of
Python objects is one pickle, decoded once. Table format (``frame_table``, ``series_table``):
the rows of the PyTables table are read in slices; categorical columns are decoded to their
values. The index becomes a column only when it has a name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._common import Source, as_text, dtype_name, fail, native, row_ranges
from ._pickled import PickleDataError, is_pickle, loads_data
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo
from .hdf5 import ERRORS, attr_text


def attr_value(attrs: Any, key: str, default: Any = None) -> Any:
    """An attribute as PyTables would give it, with pickled values decoded as data."""
    import h5py

    try:
        if key not in attrs:
            return default
        value = attrs[key]
    except ERRORS:
        return default
    if isinstance(value, h5py.Empty):
        return None
    if isinstance(value, (bytes, np.bytes_)):
        raw = bytes(value)
        if raw.endswith(b".") and raw not in (b"0", b"0.") and is_pickle(raw):
            return loads_data(raw)
        return raw.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class _Part:
    """Where a column's values are: a dataset (and a column of it) or a decoded array."""

    dataset: str | None
    index: int | None = None  # column of a 2-D block, or None for a 1-D dataset
    rows_first: bool = True  # False when a block is stored (items, rows)
    decoded: np.ndarray | None = None
    field: str | None = None  # table format: the field of the compound table
    view: str | None = None  # e.g. "datetime64[ns]" for an int64 stored datetime
    categories: np.ndarray | None = None
    nan_rep: str | None = None  # table format: the text written for a missing string


def _kind_of(values: np.ndarray) -> str:
    """"str" when an object array holds only text and missing values, else "object"."""
    kinds = {type(v) for v in values.ravel()[:10_000]
             if v is not None and not (isinstance(v, float) and v != v)}
    return "str" if kinds <= {str, bytes, np.str_, np.bytes_} else "object"


def _read_part(f: Any, part: _Part, col: ColumnInfo, start: int, stop: int) -> np.ndarray:
    if part.decoded is not None:
        values = part.decoded[start:stop]
    elif part.field is not None:
        assert part.dataset is not None
        values = f[part.dataset].fields(part.field)[start:stop]
        if part.index is not None and values.ndim == 2:
            values = values[:, part.index]
    else:
        ds = f[part.dataset]
        if part.index is None:
            values = ds[start:stop]
        elif part.rows_first:
            values = ds[start:stop, part.index]
        else:
            values = ds[part.index, start:stop]
    values = np.asarray(values)
    if part.categories is not None:
        codes = values.astype(np.int64)
        out = np.empty(len(codes), dtype=object)
        ok = codes >= 0
        out[ok] = part.categories[codes[ok]]
        out[~ok] = None
        return out
    if part.view:
        values = values.view(part.view)
    if col.dtype == "str":
        text = as_text(values)
        missing = np.array([v is None or (isinstance(v, float) and v != v)
                            or (part.nan_rep is not None and v == part.nan_rep) for v in text],
                           dtype=bool)
        text[missing] = None
        return text
    if col.dtype == "bool" and values.dtype != np.bool_:
        return values.astype(bool)
    return native(values)


class PandasSource(Source):
    """One key of a pandas HDFStore."""

    def __init__(self, path: Path, key: str) -> None:
        super().__init__(path=path, format="pandas-hdf5", table=key)
        self.parts: dict[str, _Part] = {}

    def _add(self, name: str, dtype: str, part: _Part, shape: tuple[int, ...] = ()) -> None:
        self.columns.append(ColumnInfo(name, dtype, shape=shape))
        self.parts[name] = part

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        import h5py

        try:
            with h5py.File(self.path, "r") as f:
                for start, stop in row_ranges(self.num_rows or 0, batch_rows):
                    yield {c.name: _read_part(f, self.parts[c.name], c, start, stop)
                           for c in self.columns}
        except ERRORS as exc:
            raise fail(f"the pandas store cannot be read to the end ({exc})") from exc


def _dataset_dtype(ds: Any, view: str | None) -> str:
    import h5py

    if view:
        return view
    if h5py.check_string_dtype(ds.dtype) is not None or ds.dtype.kind == "S":
        return "str"
    if isinstance(ds.id.get_type(), h5py.h5t.TypeBitfieldID) and ds.dtype.itemsize == 1:
        return "bool"
    return ds.dtype.name


def _is_vlarray(ds: Any) -> bool:
    return ds.dtype.kind == "O" and attr_text(ds.attrs, "CLASS") == "VLARRAY"


def _decode_vlarray(ds: Any, what: str) -> np.ndarray:
    try:
        value = loads_data(np.asarray(ds[0], dtype=np.uint8).tobytes())
    except PickleDataError as exc:
        raise fail(f"{what} is stored as a Python pickle that holds more than plain data "
                   f"({exc}); pzbuild never loads such pickles. Save it as Parquet, or with "
                   "format='table'") from exc
    return np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value


def _index_values(g: Any, key: str) -> np.ndarray:
    ds = g[key]
    shape = attr_value(ds.attrs, "shape")
    if shape is not None:
        return np.empty(shape)
    if _is_vlarray(ds):
        return _decode_vlarray(ds, f"'{key}'")
    return np.asarray(ds[()])


def _names(values: np.ndarray) -> list[str]:
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]


def _fixed(src: PandasSource, g: Any, kind: str) -> None:
    if kind == "series":
        name = attr_value(g.attrs, "name")
        blocks = [([str(name) if name is not None else "values"], "values")]
        index_key = "index"
    else:
        items = _names(_index_values(g, "axis0"))
        n = int(attr_value(g.attrs, "nblocks", 0))
        blocks = [(_names(_index_values(g, f"block{i}_items")), f"block{i}_values")
                  for i in range(n)]
        index_key = "axis1"
    index = g[index_key]
    shape = attr_value(index.attrs, "shape")
    src.num_rows = int(shape[0]) if shape is not None else int(index.shape[0])
    index_name = attr_value(index.attrs, "name")
    found: dict[str, tuple[str, _Part]] = {}
    if index_name is not None:
        idx = _index_values(g, index_key)
        dtype = _kind_of(idx) if idx.dtype == object else dtype_name(idx.dtype)
        found[str(index_name)] = (dtype, _Part(None, decoded=idx))
    for names, key in blocks:
        ds = g[key]
        view = attr_text(ds.attrs, "value_type")
        view = view if view and view.startswith(("datetime64", "timedelta64")) else None
        transposed = bool(attr_value(ds.attrs, "transposed", False))
        if attr_value(ds.attrs, "shape") is not None:  # an empty block
            for name in names:
                found[name] = ("float64", _Part(None, decoded=np.empty(0)))
            continue
        if _is_vlarray(ds):
            values = _decode_vlarray(ds, f"column(s) {', '.join(names)}")
            # stored (rows, items) when "transposed", as pandas writes it
            values = values if transposed or values.ndim != 2 else values.T
            for j, name in enumerate(names):
                col = values[:, j] if values.ndim == 2 else values
                found[name] = (_kind_of(col), _Part(None, decoded=col))
            continue
        dtype = _dataset_dtype(ds, view)
        for j, name in enumerate(names):
            column = j if ds.ndim == 2 else None
            found[name] = (dtype, _Part(ds.name, column, rows_first=transposed, view=view))
    order = list(found) if kind == "series" else (
        [n for n in found if n not in items] + [n for n in items if n in found])
    for name in order:
        dtype, part = found[name]
        src._add(name, dtype, part)


def _categories(g: Any, field: str) -> np.ndarray | None:
    path = f"meta/{field}/meta/table"
    if path not in g:
        return None
    values = g[path].fields("values")[()]
    return as_text(values) if values.dtype.kind in "SO" else np.asarray(values, dtype=object)


def _table(src: PandasSource, g: Any) -> None:
    t = g["table"]
    src.num_rows = int(t.shape[0])
    fields = set(t.dtype.names or ())
    order: list[str] = []
    for axis, names in attr_value(g.attrs, "non_index_axes", []) or []:
        if axis == 1:
            order = [str(n) for n in names]
    info = attr_value(g.attrs, "info", {}) or {}
    for _, field in attr_value(g.attrs, "index_cols", []) or []:
        name = (info.get(field) or {}).get("index_name") if isinstance(info, dict) else None
        if name is not None and field in fields:
            src._add(str(name), _dataset_dtype_field(t, field), _Part(t.name, field=field))
    located: dict[str, tuple[str, _Part]] = {}
    nan_rep = attr_value(g.attrs, "nan_rep")
    nan_rep = "nan" if nan_rep is None else str(nan_rep)  # pandas' default
    for field in attr_value(g.attrs, "values_cols", []) or []:
        if field not in fields:
            continue
        names = attr_value(t.attrs, f"{field}_kind", [field]) or [field]
        declared = attr_text(t.attrs, f"{field}_dtype") or ""
        meta = attr_text(t.attrs, f"{field}_meta")
        cats = _categories(g, field) if meta == "category" else None
        view = declared if declared.startswith(("datetime64", "timedelta64")) else None
        multi = t.dtype[field].ndim > 0
        for j, name in enumerate(names):
            if cats is not None:
                dtype = "str" if _kind_of(cats) == "str" else "object"
            elif declared == "bool":
                dtype = "bool"
            elif declared.startswith("bytes") or meta == "str" or t.dtype[field].base.kind == "S":
                dtype = "str"
            else:
                dtype = view or t.dtype[field].base.name
            part = _Part(t.name, j if multi else None, field=field, view=view, categories=cats,
                         nan_rep=nan_rep if dtype == "str" and cats is None else None)
            located[str(name)] = (dtype, part)
    for name in order or list(located):
        if name in located:
            src._add(name, *located[name])


def _dataset_dtype_field(t: Any, field: str) -> str:
    base = t.dtype[field].base
    return "str" if base.kind in "SO" else base.name


def open_pandas(path: Path, f: Any, key: str) -> PandasSource:
    """Open the pandas key ``key`` of an open h5py file; raises TableError."""
    g = f[key]
    kind = attr_text(g.attrs, "pandas_type") or ""
    src = PandasSource(path, key)
    try:
        if kind in ("frame", "series"):
            _fixed(src, g, kind)
        elif kind in ("frame_table", "series_table") and "table" in g:
            _table(src, g)
        else:
            raise fail(f"the pandas key '{key}' holds a '{kind}', which pzbuild does not read; "
                       "save a DataFrame instead")
    except PickleDataError as exc:
        raise fail(f"the pandas key '{key}' has metadata pzbuild cannot decode ({exc})") from exc
    except KeyError as exc:
        raise fail(f"the pandas key '{key}' is incomplete: {exc}") from exc
    return src
