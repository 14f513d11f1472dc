"""Table readers: every tabular format of the catalog behind one small interface.

:func:`open_table` sniffs what a file holds by its content (not its name), opens it with the
reader of that format and returns a :class:`~pzbuild.tables.base.TableSource`, whose
``iter_batches`` yields the rows as numpy arrays in batches of bounded size. Formats:

=============  =============================================================================
format         reader
=============  =============================================================================
parquet        :mod:`.parquet`: a file, a partitioned dataset folder, a HATS catalog/collection
csv, text      :mod:`.text`: delimiter and header sniffed; header/row mismatches are T602
fits           :mod:`.fits`: binary and ASCII table HDUs; ``table`` picks the HDU
hdf5           :mod:`.hdf5`: datasets in a group, flat datasets at the root, compound datasets
pandas-hdf5    :mod:`.pandas_hdf5`: pandas HDFStore keys, fixed and table format
votable        :mod:`.votable`
qp             :mod:`.qp`: qp ensembles of PDFs in HDF5 or FITS, with :class:`QpInfo`
npy            :mod:`.npy`: numeric arrays saved with ``np.save``
=============  =============================================================================

Readers never unpickle and never execute anything from a file. This module imports no heavy
library; each reader imports pyarrow, pandas, astropy or h5py when it is used.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import TableError
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo, QpInfo, TableSource

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "TABULAR_FORMATS",
    "Batch",
    "ColumnInfo",
    "QpInfo",
    "TableSource",
    "is_tabular_format",
    "open_table",
    "sniff_format",
]

#: Formats :func:`open_table` reads, as in ``TableSource.format`` and :func:`sniff_format`.
TABULAR_FORMATS = frozenset(
    {"parquet", "csv", "text", "fits", "hdf5", "pandas-hdf5", "votable", "qp", "npy"}
)


def sniff_format(path: Path) -> str | None:
    """The format a file holds, judged by its content: "parquet", "fits", "hdf5", "votable",
    "npy", "csv" (comma, tab or semicolon separated) or "text" (whitespace separated); a folder
    of Parquet files (a partitioned dataset, a HATS catalog) is "parquet".

    None for anything else: empty files, pickles, archives, models, images, prose. Only the
    first bytes are read.
    """
    from .sniff import sniff_path

    return sniff_path(Path(path))


def is_tabular_format(fmt: str | None) -> bool:
    """True for a format that :func:`open_table` reads."""
    return fmt in TABULAR_FORMATS


def open_table(path: Path, table: str | None = None, *,
               content: bytes | None = None) -> TableSource:
    """Open the table in ``path``; ``table`` picks an HDF5 group or pandas key, a FITS HDU
    (name or number), a VOTable TABLE or a HATS collection's catalog. ``content``, the
    file's bytes when the caller holds them already, saves reading a Parquet file again
    (other formats read ``path``).

    The source's ``warnings`` holds ("T606", message) when the file's extension names another
    format than its content. Raises :class:`~pzbuild.errors.TableError` with code T601 (not a
    table, corrupt), T602 (a text header names fewer columns than the rows hold), T603
    (``table`` is not in the file) or T604 (several tables, ``table`` not set).
    """
    from .sniff import describe_opaque, extension_warning, is_parquet_bytes

    path = Path(path)
    if is_parquet_bytes(content):
        from .parquet import ParquetSource

        source: TableSource = ParquetSource(path, content)
        warning = extension_warning(path, "parquet")
        if warning is not None:
            source.warnings.append(warning)
        return source
    if not path.exists():
        raise TableError(f"there is no file '{path.name}'", "T601")
    if path.is_dir():
        fmt = sniff_format(path)
        if fmt is None:
            raise TableError(f"'{path.name}' is a folder without Parquet files, not a table",
                             "T601")
    else:
        if path.stat().st_size == 0:
            raise TableError("the file is empty (0 bytes)", "T601")
        fmt = sniff_format(path)
        if fmt is None:
            raise TableError(describe_opaque(path), "T601")
    source = _open(path, fmt, table)
    warning = extension_warning(path, fmt)
    if warning is not None:
        source.warnings.append(warning)
    return source


def _open(path: Path, fmt: str, table: str | None) -> TableSource:
    if fmt == "parquet":
        from .parquet import open_parquet

        return open_parquet(path, table)
    if fmt in ("csv", "text"):
        from .text import open_text

        if table is not None:
            raise TableError(f"`table: {table}` does not apply: a text file holds one table",
                             "T603")
        return open_text(path)
    if fmt == "fits":
        from .fits import open_fits

        return open_fits(path, table)
    if fmt == "hdf5":
        from .hdf5 import open_hdf5

        return open_hdf5(path, table)
    if fmt == "votable":
        from .votable import VoTableSource

        return VoTableSource(path, table)
    if fmt == "npy":
        from .npy import NpySource

        if table is not None:
            raise TableError(f"`table: {table}` does not apply: a .npy file holds one array",
                             "T603")
        return NpySource(path)
    raise TableError(f"pzbuild does not read {fmt} files as tables", "T601")
