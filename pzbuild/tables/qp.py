"""qp ensembles of PDFs, in HDF5 (``meta``/``data``/``ancil`` groups), in FITS (META, DATA,
ANCIL HDUs) and in the legacy layout where ``meta`` and ``data`` are pandas keys.

The file is read with h5py or astropy directly: lighter than building a ``qp.Ensemble``, and
safe for the legacy layout, which qp reads by unpickling. :class:`QpInfo` says how many PDFs
there are, qp's name of the parameterisation (``interp``, ``hist``, ``mixmod``, ``quant``...),
the grid (``xvals``, ``bins`` or ``quants``) and the ancillary columns. The table has one row
per PDF: the ancillary columns (an ``(n, 1)`` ancil array becomes a plain column) and then the
PDF parameters as vector columns (``yvals`` with shape ``(n_grid,)``, ``means``...).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._common import Source, as_text, dtype_name, fail, quiet_astropy, row_ranges
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo, QpInfo
from .hdf5 import ERRORS, attr_text, read_column

GRID_KEYS = ("xvals", "bins", "quants")
MAX_META_VALUES = 100_000


def _plain(value: Any) -> Any:
    """A meta value as plain Python: a scalar for one value, else a list."""
    arr = np.asarray(value)
    if arr.dtype.kind == "O" and arr.size == 1:
        return _plain(arr.reshape(-1)[0])
    if arr.dtype.kind in "SO":
        arr = as_text(arr.reshape(-1))
    arr = arr.reshape(-1)
    if arr.size == 1:
        item = arr[0]
        return item.item() if isinstance(item, np.generic) else item
    return arr.tolist()


def make_info(meta: dict[str, Any], n_pdfs: int, ancil: list[str]) -> QpInfo:
    name = _plain(meta.get("pdf_name", "unknown"))
    grid_key = next((k for k in GRID_KEYS if k in meta), None)
    grid = [float(v) for v in np.asarray(meta[grid_key], dtype=float).reshape(-1)] \
        if grid_key else []
    rest = {k: _plain(v) for k, v in meta.items() if k not in ("pdf_name", grid_key)}
    if grid_key:
        rest["grid_name"] = grid_key
    return QpInfo(n_pdfs=n_pdfs, parameterization=str(name), grid=grid, ancil=ancil, meta=rest)


def hdf5_layout(f: Any) -> str | None:
    """"hdf5" or "pandas" when an open h5py file holds a qp ensemble, else None."""
    import h5py

    meta, data = f.get("meta"), f.get("data")
    if not (isinstance(meta, h5py.Group) and isinstance(data, h5py.Group)):
        return None
    if attr_text(meta.attrs, "pandas_type") and attr_text(data.attrs, "pandas_type"):
        axis0 = meta.get("axis0")
        if isinstance(axis0, h5py.Dataset) and axis0.dtype.kind == "S" \
                and b"pdf_name" in set(axis0[()].tolist()):
            return "pandas"
        return None
    return "hdf5" if isinstance(meta.get("pdf_name"), h5py.Dataset) else None


def fits_layout(hdul: Any) -> bool:
    names = [h.name.upper() for h in hdul]
    if "META" not in names or "DATA" not in names:
        return False
    meta = hdul["META"]
    return getattr(meta, "columns", None) is not None and "pdf_name" in meta.columns.names


class QpSource(Source):
    """A qp ensemble as a table: one row per PDF."""

    def __init__(self, path: Path) -> None:
        super().__init__(path=path, format="qp")
        #: column -> ("h5", dataset path) | ("arr", array) | ("fits", hdu index)
        self.parts: dict[str, tuple[Any, ...]] = {}
        self.container = "hdf5"

    def _add(self, col: ColumnInfo, part: tuple[Any, ...]) -> None:
        if col.name in self.parts:  # an ancil column named like a PDF parameter
            col = ColumnInfo(f"pdf_{col.name}", col.dtype, col.unit, col.description, col.shape)
        self.columns.append(col)
        self.parts[col.name] = part

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        try:
            with self._open() as handle:
                for start, stop in row_ranges(self.num_rows or 0, batch_rows):
                    yield {c.name: self._read(handle, c, start, stop) for c in self.columns}
        except ERRORS as exc:
            raise fail(f"the qp file cannot be read to the end ({exc})") from exc

    def _open(self) -> Any:
        if self.container == "fits":
            from astropy.io import fits

            return fits.open(self.path, memmap=True)
        import h5py

        return h5py.File(self.path, "r")

    def _read(self, handle: Any, col: ColumnInfo, start: int, stop: int) -> np.ndarray:
        part = self.parts[col.name]
        if part[0] == "arr":
            return part[1][start:stop]
        if part[0] == "fits":
            from .fits import _convert

            with quiet_astropy():
                values = _convert(handle[part[1]].data[start:stop].field(part[2]), col)
            return values.reshape((len(values), *col.shape))
        values = read_column(handle[part[1]], start, stop, col.dtype)
        return values.reshape((len(values), *col.shape))


def _ancil_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    rest = tuple(shape[1:])
    return () if rest == (1,) else rest


def _h5_column(name: str, ds: Any, ancil: bool) -> ColumnInfo:
    from .hdf5 import _column_dtype

    shape = _ancil_shape(ds.shape) if ancil else tuple(ds.shape[1:])
    return ColumnInfo(name, _column_dtype(ds) or "object", shape=shape)


def _open_hdf5_layout(src: QpSource, f: Any) -> None:
    import h5py

    meta = {}
    for key, ds in f["meta"].items():
        if isinstance(ds, h5py.Dataset) and ds.size <= MAX_META_VALUES:
            meta[key] = ds[()]
    data = [(k, d) for k, d in f["data"].items() if isinstance(d, h5py.Dataset) and d.ndim >= 1]
    if not data:
        raise fail("the qp file has no PDF data (its 'data' group is empty)")
    n = int(data[0][1].shape[0])
    ancil_group = f.get("ancil")
    ancil = [(k, d) for k, d in (ancil_group.items() if isinstance(ancil_group, h5py.Group)
                                  else []) if isinstance(d, h5py.Dataset) and d.ndim >= 1]
    for key, ds in ancil:
        if ds.shape[0] == n:
            src._add(_h5_column(key, ds, ancil=True), ("h5", ds.name))
        else:
            src.notes.append(f"ancil '{key}' has {ds.shape[0]} rows, not one per PDF ({n})")
    for key, ds in data:
        if ds.shape[0] == n:
            src._add(_h5_column(key, ds, ancil=False), ("h5", ds.name))
    src.num_rows = n
    src.qp = make_info(meta, n, [k for k, d in ancil if d.shape[0] == n])


def _frame(path: Path, f: Any, key: str) -> dict[str, np.ndarray]:
    from .pandas_hdf5 import open_pandas

    src = open_pandas(path, f, key)
    batches = list(src.iter_batches())
    return {c.name: (np.concatenate([b[c.name] for b in batches]) if batches
                     else np.empty(0)) for c in src.columns}


def _vectors(values: np.ndarray) -> np.ndarray:
    """An object column of equal-length arrays (legacy qp) as a 2-D array."""
    if values.dtype == object and len(values) and all(
            isinstance(v, np.ndarray) for v in values):
        try:
            return np.stack([np.asarray(v) for v in values])
        except ValueError:
            return values
    return values


def _open_pandas_layout(src: QpSource, f: Any) -> None:
    meta = {k: v[0] for k, v in _frame(src.path, f, "meta").items() if len(v)}
    data = {k: _vectors(v) for k, v in _frame(src.path, f, "data").items()}
    ancil = {k: _vectors(v) for k, v in _frame(src.path, f, "ancil").items()} \
        if "ancil" in f else {}
    n = len(next(iter(data.values()))) if data else 0
    for key, values in [*ancil.items(), *data.items()]:
        src._add(ColumnInfo(key, dtype_name(values.dtype), shape=tuple(values.shape[1:])),
                 ("arr", values))
    src.num_rows = n
    src.qp = make_info(meta, n, list(ancil))
    src.notes.append("legacy qp layout (pandas store); read without unpickling")


def open_qp_hdf5(path: Path, f: Any, layout: str) -> QpSource:
    """A qp ensemble in an open h5py file (``layout`` from :func:`hdf5_layout`)."""
    src = QpSource(path)
    if layout == "pandas":
        _open_pandas_layout(src, f)
    else:
        _open_hdf5_layout(src, f)
    return src


def open_qp_fits(path: Path, hdul: Any) -> QpSource:
    """A qp ensemble in an open astropy HDUList (see :func:`fits_layout`)."""
    from .fits import column_infos

    src = QpSource(path)
    src.container = "fits"
    meta_hdu = hdul["META"]
    meta = {}
    if meta_hdu.data is not None and len(meta_hdu.data):
        for name in meta_hdu.columns.names:
            meta[name] = np.asarray(meta_hdu.data.field(name)[0])
    index = {h.name.upper(): i for i, h in enumerate(hdul)}
    n = int(hdul["DATA"].header.get("NAXIS2", 0))
    ancil: list[str] = []
    if "ANCIL" in index and int(hdul["ANCIL"].header.get("NAXIS2", 0)) == n:
        for col in column_infos(hdul["ANCIL"]):
            src._add(col, ("fits", index["ANCIL"], col.name))
            ancil.append(col.name)
    for col in column_infos(hdul["DATA"]):
        src._add(col, ("fits", index["DATA"], col.name))
    src.num_rows = n
    src.qp = make_info(meta, n, ancil)
    return src
