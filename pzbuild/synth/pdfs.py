"""qp ensembles of photo-z PDFs, written with qp's own writer (qp is imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .estimates import GRID, Mixtures

#: the qp parameterisations this module makes
KINDS = ("mixmod", "interp", "hist")


def qp_ensemble(mix: Mixtures, kind: str = "mixmod", grid: np.ndarray = GRID,
                ancil: dict[str, np.ndarray] | None = None) -> Any:
    """A ``qp.Ensemble`` of the mixtures: as they are (mixmod), sampled on ``grid``
    (interp) or as histograms with ``grid`` as bin edges (hist). ``ancil`` defaults to the
    mode of each PDF, as RAIL writes it (``zmode``)."""
    import qp

    if kind == "mixmod":
        ens = qp.Ensemble(qp.mixmod, data={"means": mix.means, "stds": mix.stds,
                                           "weights": mix.weights})
    elif kind == "interp":
        ens = qp.Ensemble(qp.interp, data={"xvals": grid, "yvals": mix.pdf(grid)})
    elif kind == "hist":
        centres = 0.5 * (grid[1:] + grid[:-1])
        dens = mix.pdf(centres)
        dens /= np.maximum(dens.sum(axis=1, keepdims=True) * np.diff(grid)[None, :], 1e-300)
        ens = qp.Ensemble(qp.hist, data={"bins": grid, "pdfs": dens})
    else:
        raise ValueError(f"unknown qp parameterisation {kind!r}; one of {', '.join(KINDS)}")
    extra = {"zmode": mix.mode()} if ancil is None else ancil
    if extra:
        ens.set_ancil(dict(extra))
    return ens


def write_qp(ens: Any, path: Path) -> Path:
    """Write an ensemble with qp's writer (HDF5 for .hdf5/.h5, as qp chooses by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ens.write_to(str(path))
    return path
