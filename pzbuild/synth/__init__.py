"""Synthetic photo-z data: tables, PDFs and whole product folders, deterministic from a seed.

Used for the example catalog (``scripts/make_examples.py``), for benchmarks
(``bench/make_catalog.py``) and in tests. Only numpy is imported here; the writers import
pyarrow, astropy, h5py, pandas and qp when they run.

>>> from pzbuild.synth import specz_catalog, write_table
>>> t = specz_catalog(1000, seed=1)
>>> write_table(t, Path("specz.parquet"), "parquet")  # doctest: +SKIP
"""

from __future__ import annotations

from .estimates import (
    GRID,
    Mixtures,
    fit_linear_photoz,
    metrics,
    photoz_mixtures,
    point_estimates,
    tomographic_nz,
    validation_table,
)
from .model import FIELDS, NON_DETECTION, NOT_OBSERVED, smail_redshifts
from .pdfs import qp_ensemble, write_qp
from .tables import SynthTable, object_catalog, specz_catalog, training_set
from .writers import FORMATS, SUFFIXES, write_table

__all__ = [
    "FIELDS",
    "FORMATS",
    "GRID",
    "NON_DETECTION",
    "NOT_OBSERVED",
    "SUFFIXES",
    "Mixtures",
    "SynthTable",
    "fit_linear_photoz",
    "metrics",
    "object_catalog",
    "photoz_mixtures",
    "point_estimates",
    "qp_ensemble",
    "smail_redshifts",
    "specz_catalog",
    "tomographic_nz",
    "training_set",
    "validation_table",
    "write_qp",
    "write_table",
]
