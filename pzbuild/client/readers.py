"""Reading a product's main file into a pandas DataFrame or an astropy Table.

Each format's library is imported only when a file of that format is read: pyarrow for
Parquet, pandas for CSV and text, astropy for FITS and VOTable, h5py for HDF5 and qp. Vector
columns (a PDF per row, say) stay 2-D in an astropy Table and become a column of 1-D arrays
in a DataFrame.

Nothing is unpickled: pandas HDF5 stores, whose string columns and attributes are pickles,
are decoded by the build's own pickle-free reader (:mod:`pzbuild.tables.pandas_hdf5`).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ColumnNotFound, UnsupportedFormat

Columns = dict[str, Any]  # name -> numpy array (2-D for vector columns)

#: Formats of product.json that the client reads as a table.
FORMATS = ("parquet", "csv", "text", "fits", "votable", "hdf5", "pandas-hdf5", "qp", "npy")


def check_format(fmt: str | None, what: str) -> str:
    if fmt not in FORMATS:
        kind = f"a {fmt} file" if fmt else "not a table"
        raise UnsupportedFormat(f"{what} is {kind}, which the client does not read as a "
                                "table; download_product() fetches it as it is")
    return fmt


def read(source: Path, fmt: str, *, table: str | None = None,
         columns: Sequence[str] | None = None, astropy: bool = False, suffix: str = "",
         what: str = "the file") -> Any:
    """The table in the file ``source`` as a DataFrame, or as an
    astropy Table when ``astropy``. ``columns`` keeps only those columns, in that order."""
    check_format(fmt, what)
    cols = list(columns) if columns is not None else None
    try:
        if fmt == "parquet":
            return _parquet(source, cols, astropy)
        if fmt in ("csv", "text"):
            df = _text(source, suffix, cols)
            return _table_from_pandas(df) if astropy else df
        if fmt in ("fits", "votable"):
            t = (_fits if fmt == "fits" else _votable)(source, table)
            t = _select_table(t, cols)
            return t if astropy else _table_to_pandas(t)
        readers: dict[str, Callable[[Path, str | None], Columns]] = {
            "hdf5": _hdf5, "pandas-hdf5": _pandas_hdf5, "qp": _qp, "npy": _npy}
        data = _select(readers[fmt](source, table), cols)
        return _columns_to_astropy(data) if astropy else _columns_to_pandas(data)
    except (UnsupportedFormat, ColumnNotFound):
        raise
    except (OSError, ValueError, TypeError, KeyError, IndexError, RuntimeError) as exc:
        raise UnsupportedFormat(f"{what} cannot be read as a {fmt} table: "
                                f"{_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().split("\n")[0]
    return text[:200] or type(exc).__name__


def _missing(wanted: Sequence[str], have: Sequence[str]) -> None:
    absent = [c for c in wanted if c not in have]
    if absent:
        raise ColumnNotFound(f"no column {', '.join(map(repr, absent))}; the columns are: "
                             f"{', '.join(map(str, have))}")


# -- Parquet ---------------------------------------------------------------------------------

def _parquet(path: Path, cols: list[str] | None, astropy: bool) -> Any:
    import pyarrow.parquet as pq

    # Streamed through a 1 MiB buffer, not pre-buffered: pyarrow would otherwise hold every
    # column chunk's raw bytes next to the decoded table (about twice the peak).
    with pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False) as pf:
        if cols is not None:
            _missing(cols, pf.schema_arrow.names)
        table = pf.read(columns=cols, use_pandas_metadata=True)
    # One block per column, each Arrow column released as pandas takes it (numeric columns
    # without nulls are not even copied): the peak stays near one table's size.
    df = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    return _table_from_pandas(df) if astropy else df


# -- CSV and whitespace text -----------------------------------------------------------------

def _text(path: Path, suffix: str, cols: list[str] | None) -> Any:
    import pandas as pd

    from ..errors import TableError
    from ..tables._dialect import read_text_sample, sniff_dialect

    # The build's own sniffer, so that the names are those the site shows and the roles use.
    sample = read_text_sample(path)
    if sample is None:
        raise UnsupportedFormat("the file is not text")
    try:
        dialect = sniff_dialect(sample[0], suffix.lower())
    except TableError as exc:
        raise UnsupportedFormat(str(exc)) from exc
    if dialect is None:
        raise UnsupportedFormat("no delimiter splits the lines of this text into columns")
    names = dialect.names or [f"col{i + 1}" for i in range(dialect.n_fields)]
    if cols is not None:
        _missing(cols, names)
    kwargs: dict[str, Any] = {
        "header": None, "names": names, "index_col": False, "skiprows": dialect.skip_lines,
        "encoding": "utf-8-sig", "encoding_errors": "replace", "skip_blank_lines": True,
        "skipinitialspace": True, "low_memory": False, "usecols": cols,
    }
    if dialect.delimiter is None:
        kwargs.update(sep=r"\s+", comment="#")
    else:
        kwargs.update(sep=dialect.delimiter)
    df = pd.read_csv(path, **kwargs)
    return df[cols] if cols is not None else df


# -- astropy: FITS and VOTable ----------------------------------------------------------------

@contextmanager
def _quiet() -> Iterator[None]:
    """Ignore astropy's complaints about unit strings and VOTable details: they concern the
    file, not the reading, and the build has reported them already."""
    from astropy.io.votable.exceptions import VOWarning
    from astropy.units import UnitsWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitsWarning)
        warnings.simplefilter("ignore", VOWarning)
        yield


def _fits(path: Path, table: str | None) -> Any:
    from astropy.io import fits
    from astropy.table import Table

    with _quiet(), fits.open(path, memmap=False) as hdul:
        tables = [i for i, h in enumerate(hdul)
                  if isinstance(h, (fits.BinTableHDU, fits.TableHDU))]
        listing = ", ".join(f"{i} ({hdul[i].name})" for i in tables) or "none"
        if table is None:
            if not tables:
                raise UnsupportedFormat("the FITS file has no table HDU")
            index = tables[0]
        else:
            key = table.strip()
            index = next((i for i in tables if (key.isdigit() and i == int(key))
                          or hdul[i].name.upper() == key.upper()), -1)
            if index < 0:
                raise UnsupportedFormat(f"the FITS file has no table HDU {table!r}; its "
                                        f"tables: {listing}")
        return Table.read(hdul[index])


def _votable(path: Path, table: str | None) -> Any:
    from astropy.io.votable import parse

    with _quiet():
        tables = list(parse(str(path), verify="ignore").iter_tables())
        if not tables:
            raise UnsupportedFormat("the VOTable holds no TABLE")
        pick = tables[0]
        if table is not None:
            key = table.strip()
            found = [t for i, t in enumerate(tables)
                     if key in (str(i), t.ID, t.name)]
            if not found:
                raise UnsupportedFormat(f"the VOTable has no TABLE {table!r}")
            pick = found[0]
        return pick.to_table(use_names_over_ids=True)


def _select_table(t: Any, cols: list[str] | None) -> Any:
    if cols is None:
        return t
    _missing(cols, t.colnames)
    return t[cols]


def _table_to_pandas(t: Any) -> Any:
    """astropy Table → DataFrame; vector columns become columns of 1-D arrays."""
    vector = [n for n in t.colnames if len(t[n].shape) > 1]
    if not vector:
        return t.to_pandas(index=False)
    df = t[[n for n in t.colnames if n not in vector]].to_pandas(index=False)
    for n in vector:
        df.insert(t.colnames.index(n), n, list(t[n].data))
    return df


def _table_from_pandas(df: Any) -> Any:
    import pandas as pd
    from astropy.table import Table

    keep_index = not isinstance(df.index, pd.RangeIndex)
    return Table.from_pandas(df, index=keep_index)


# -- HDF5, qp, npy: dicts of numpy arrays ------------------------------------------------------

def _select(data: Columns, cols: list[str] | None) -> Columns:
    if cols is None:
        return data
    _missing(cols, list(data))
    return {c: data[c] for c in cols}


def _columns_to_pandas(data: Columns) -> Any:
    import pandas as pd

    plain = {k: v for k, v in data.items() if getattr(v, "ndim", 1) <= 1}
    df = pd.DataFrame(plain)
    for pos, (name, values) in enumerate(data.items()):
        if name not in plain:
            df.insert(pos, name, list(values))
    return df


def _columns_to_astropy(data: Columns) -> Any:
    from astropy.table import Table

    return Table(data)


def _dataset_values(ds: Any) -> Any:
    import h5py
    import numpy as np

    if h5py.check_string_dtype(ds.dtype) is not None:
        return np.asarray(ds.asstr()[()], dtype=object)
    return ds[()]


def _hdf5_tables(f: Any) -> list[tuple[str, str]]:
    """(path, kind) of every table in an open file: a group of datasets ("group"), a
    compound dataset ("compound") or a pandas key ("pandas")."""
    import h5py

    found: list[tuple[str, str]] = []

    def visit(group: Any, path: str) -> None:
        if path and "pandas_type" in group.attrs:
            found.append((path, "pandas"))
            return
        plain, compounds, subgroups = False, [], []
        for name in group:
            if not isinstance(group.get(name, getlink=True), h5py.HardLink):
                continue  # links to other files are not followed
            obj = group[name]
            child = f"{path}/{name}" if path else name
            if isinstance(obj, h5py.Group):
                subgroups.append((obj, child))
            elif obj.dtype.names and obj.ndim == 1:
                compounds.append((child, "compound"))
            elif obj.ndim >= 1 and obj.dtype.kind in "biufSOU":
                plain = True
        if plain:
            found.append((path or "/", "group"))
        found.extend(compounds)
        for obj, child in subgroups:
            visit(obj, child)

    visit(f, "")
    return found


def _hdf5(path: Path, table: str | None) -> Columns:
    import h5py

    with h5py.File(path, "r") as f:
        tables = _hdf5_tables(f)
        listing = ", ".join(p for p, _ in tables) or "none"
        if table is None:
            if len(tables) != 1:
                raise UnsupportedFormat(f"the HDF5 file holds {len(tables)} tables ({listing});"
                                        " say which with get_product(..., table=...)")
            key, kind = tables[0]
        else:
            key = table.strip().strip("/") or "/"
            kind = dict(tables).get(key, "")
            obj = f[key] if key in f or key == "/" else None
            if not kind and isinstance(obj, h5py.Dataset) and obj.ndim >= 1:
                kind = "compound" if obj.dtype.names else "dataset"
            if not kind:
                raise UnsupportedFormat(f"the HDF5 file has no table {table!r}; its tables: "
                                        f"{listing}")
        if kind == "pandas":
            return _pandas_hdf5(path, key)
        obj = f if key == "/" else f[key]
        if kind == "compound":
            arr = obj[()]
            return {n: arr[n] for n in arr.dtype.names}
        if kind == "dataset":
            return {key.rsplit("/", 1)[-1]: _dataset_values(obj)}
        return _group_columns(obj)


def _group_columns(group: Any, rows: int | None = None) -> Columns:
    """The datasets of a group that share the most common length (or ``rows``)."""
    import h5py

    sets = {name: group[name] for name in group
            if isinstance(group.get(name, getlink=True), h5py.HardLink)
            and isinstance(group[name], h5py.Dataset) and group[name].ndim >= 1
            and not group[name].dtype.names and group[name].dtype.kind in "biufSOU"}
    if not sets:
        return {}
    n = rows if rows is not None else Counter(d.shape[0] for d in sets.values()
                                              ).most_common(1)[0][0]
    return {name: _dataset_values(d) for name, d in sets.items() if d.shape[0] == n}


def _qp(path: Path, table: str | None) -> Columns:
    """A qp ensemble, one row per PDF: the ancillary columns, then the PDF parameters."""
    if path.suffix.lower() in (".fits", ".fit", ".fz"):
        return _qp_fits(path)
    import h5py

    with h5py.File(path, "r") as f:
        data = f.get("data")
        if not isinstance(data, h5py.Group) or "pandas_type" in data.attrs:
            raise UnsupportedFormat("this qp file uses the legacy pandas layout, which the "
                                    "client does not read; open it with qp.read()")
        params = _group_columns(data)
        n = len(next(iter(params.values()))) if params else None
        ancil = f.get("ancil")
        out: Columns = {}
        if isinstance(ancil, h5py.Group):
            for name, values in _group_columns(ancil, n).items():
                out[name] = values[:, 0] if values.ndim == 2 and values.shape[1] == 1 else values
        out.update(params)
        return out


def _qp_fits(path: Path) -> Columns:
    from astropy.io import fits

    out: Columns = {}
    with fits.open(path, memmap=False) as hdul:
        for name in ("ANCIL", "DATA"):
            if name in hdul and hdul[name].data is not None:
                data = hdul[name].data
                for col in data.names:
                    out[col] = data[col].copy()
    return out


def _pandas_hdf5(path: Path, table: str | None) -> Columns:
    """A pandas HDFStore key, decoded without unpickling by the build's own reader:
    pandas.read_hdf would unpickle parts of the file, and a pickle can run any code."""
    import numpy as np

    from ..errors import TableError
    from ..tables.hdf5 import open_hdf5

    try:
        source = open_hdf5(path, table)
        parts: dict[str, list[Any]] = {c.name: [] for c in source.columns}
        for batch in source.iter_batches():
            for name, values in batch.items():
                parts[name].append(values)
    except TableError as exc:
        raise UnsupportedFormat(str(exc)) from exc
    return {name: (np.concatenate(chunks) if chunks else np.array([]))
            for name, chunks in parts.items()}


def _npy(path: Path, table: str | None) -> Columns:
    import numpy as np

    arr = np.load(path, allow_pickle=False)
    if arr.dtype.names:
        return {n: arr[n] for n in arr.dtype.names}
    if arr.ndim == 1:
        return {"value": arr}
    if arr.ndim == 2 and arr.shape[1] <= 64:
        return {f"col{j + 1}": arr[:, j] for j in range(arr.shape[1])}
    return {"values": arr}
