"""The interface every table reader implements.

A reader opens a file lazily and yields the table in batches of numpy arrays, so that one
pass over a file of any size gives the statistics, histograms and preview with bounded
memory. Readers never unpickle or execute anything from a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

#: A batch: column name -> 1-D (or, for vector columns, 2-D) numpy array, all of one length.
Batch = dict[str, np.ndarray]

DEFAULT_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the file describes it."""

    name: str
    dtype: str  # numpy dtype string ("float64", "int32", "bool", "str", "object", ...)
    unit: str | None = None
    description: str | None = None
    shape: tuple[int, ...] = ()  # per-row shape of vector columns, () for scalars


@dataclass(frozen=True)
class QpInfo:
    """What a qp ensemble holds: PDFs, how they are parameterised and on which grid."""

    n_pdfs: int
    parameterization: str  # qp's name: "interp", "hist", "mixmod", "quant", ...
    grid: list[float] = field(default_factory=list)  # x grid / bin edges / quantiles
    ancil: list[str] = field(default_factory=list)  # ancillary column names (zmode, ...)
    meta: dict[str, Any] = field(default_factory=dict)


class TableSource(Protocol):
    """An opened table. Created by :func:`pzbuild.tables.open_table`."""

    #: "parquet", "csv", "text", "fits", "hdf5", "pandas-hdf5", "votable", "qp", "npy"
    format: str
    #: The table inside the file that is read (HDU name, HDF5 group or key), if any.
    table: str | None
    columns: list[ColumnInfo]
    #: Row count when the file states it without a scan, else None.
    num_rows: int | None
    #: Set for qp ensembles.
    qp: QpInfo | None
    #: Warnings found while opening, as (code, message): T606 when the extension does not
    #: match the content.
    warnings: list[tuple[str, str]]

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        """Yield the rows in order, batch by batch. Raises TableError on a corrupt file."""
        ...
