"""Write a :class:`SynthTable` in every tabular format the catalog reads.

Heavy libraries (pyarrow, pandas, astropy, h5py, tables) are imported inside the writer that
needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .tables import SynthTable

#: format name -> usual file suffix
SUFFIXES = {
    "parquet": ".parquet",
    "csv": ".csv",
    "text": ".txt",
    "fits": ".fits",
    "hdf5": ".hdf5",  # 1-D datasets in a group (RAIL)
    "hdf5-flat": ".h5",  # 1-D datasets at the root (BPZ, DES)
    "pandas-hdf5": ".h5",  # a pandas/PyTables store
    "votable": ".vot",
}
FORMATS = tuple(SUFFIXES)


def write_table(table: SynthTable, path: Path, fmt: str, key: str | None = None) -> str | None:
    """Write ``table`` to ``path`` as ``fmt``; return the value of product.yaml's ``table``
    field that selects it (HDF5 group, pandas key or FITS HDU name), or None."""
    try:
        writer = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    return writer(table, path, key)


def _frame(table: SynthTable):  # -> pandas.DataFrame
    import pandas as pd

    return pd.DataFrame(table.columns)


def _arrow(table: SynthTable):  # -> pyarrow.Table
    import pyarrow as pa

    fields = []
    arrays = []
    for name, values in table.columns.items():
        arr = pa.array(values)
        meta = {b"unit": table.units[name].encode()} if name in table.units else None
        fields.append(pa.field(name, arr.type, metadata=meta))
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _parquet(table: SynthTable, path: Path, key: str | None) -> str | None:
    import pyarrow.parquet as pq

    pq.write_table(_arrow(table), path, compression="zstd")
    return None


def _delimited(table: SynthTable, path: Path, sep: str, prefix: str) -> None:
    """One header line, then the rows; pyarrow writes them ten times faster than pandas."""
    import pyarrow.csv as pcsv

    with open(path, "wb") as fh:
        fh.write((prefix + sep.join(table.columns) + "\n").encode())
        # text values are survey names and the like: never a separator, so never quoted
        options = pcsv.WriteOptions(include_header=False, delimiter=sep, quoting_style="none")
        pcsv.write_csv(_arrow(table), fh, options)


def _csv(table: SynthTable, path: Path, key: str | None) -> str | None:
    _delimited(table, path, ",", "")
    return None


def _text(table: SynthTable, path: Path, key: str | None) -> str | None:
    """Whitespace-separated columns under a '#' header line, as SED-fitting codes write."""
    _delimited(table, path, " ", "# ")
    return None


def _fits(table: SynthTable, path: Path, key: str | None) -> str | None:
    from astropy.io import fits
    from astropy.table import Table

    t = Table({k: _ascii(v) for k, v in table.columns.items()})
    for name, unit in table.units.items():
        t[name].unit = unit  # written as TUNITn
    hdu = fits.table_to_hdu(t)
    if key:
        hdu.header["EXTNAME"] = key
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path, overwrite=True)
    return key


def _h5py(table: SynthTable, path: Path, key: str | None, group: str | None) -> None:
    import h5py

    # track_order: datasets list in column order, not alphabetically
    with h5py.File(path, "w", track_order=True) as f:
        where = f.create_group(group, track_order=True) if group else f
        for name, values in table.columns.items():
            ds = where.create_dataset(name, data=_ascii(values))
            if name in table.units:
                ds.attrs["unit"] = table.units[name]


def _hdf5_group(table: SynthTable, path: Path, key: str | None) -> str | None:
    group = key or "photometry"
    _h5py(table, path, key, group)
    return group


def _hdf5_flat(table: SynthTable, path: Path, key: str | None) -> str | None:
    _h5py(table, path, key, None)
    return None


def _pandas_hdf5(table: SynthTable, path: Path, key: str | None) -> str | None:
    import pandas as pd

    store_key = key or "df"
    with pd.HDFStore(path, mode="w") as store:
        # no creation times in the file, so that a seed always gives the same bytes
        store.put(store_key, _frame(table), format="table", index=False,
                  track_times=False)
    return store_key


def _votable(table: SynthTable, path: Path, key: str | None) -> str | None:
    from astropy.table import Table

    t = Table(dict(table.columns))
    for name, unit in table.units.items():
        t[name].unit = unit
    # binary2 keeps large tables small; tiny ones stay readable as TABLEDATA
    data_format = "tabledata" if table.num_rows <= 2000 else "binary2"
    t.write(path, format="votable", overwrite=True, tabledata_format=data_format)
    return None


def _ascii(values: np.ndarray) -> np.ndarray:
    """Unicode text as fixed-width ASCII bytes (what FITS and HDF5 store)."""
    return np.char.encode(values, "ascii") if values.dtype.kind == "U" else values


_WRITERS: dict[str, Callable[[SynthTable, Path, str | None], str | None]] = {
    "parquet": _parquet,
    "csv": _csv,
    "text": _text,
    "fits": _fits,
    "hdf5": _hdf5_group,
    "hdf5-flat": _hdf5_flat,
    "pandas-hdf5": _pandas_hdf5,
    "votable": _votable,
}
