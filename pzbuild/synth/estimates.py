"""Synthetic photo-z estimates and what is made from them: PDFs, metrics, n(z), a model.

The estimates come from a simple recipe, not from a photo-z code: each object gets a
Gaussian mixture around its true redshift whose width grows with magnitude, a secondary
peak (the colour degeneracies every code suffers from) and a small fraction of outliers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import BANDS, NON_DETECTION, NOT_OBSERVED, RNG, Z_MAX, rng_from
from .tables import SynthTable

GRID = np.linspace(0.0, Z_MAX, 301)
OUTLIER_DZ = 0.15  # |Δz|/(1+z) beyond which an estimate counts as an outlier
ODDS_DZ = 0.06  # half width, in (1+z), of the window of the ODDS parameter (BPZ's choice)


@dataclass
class Mixtures:
    """Gaussian mixtures, one row per object: (n, k) arrays."""

    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return self.means.shape[0]

    def pdf(self, grid: np.ndarray = GRID) -> np.ndarray:
        """Densities on ``grid``, shape (n, len(grid)), normalised to unit integral on it."""
        out = np.zeros((len(self), grid.size))
        for k in range(self.means.shape[1]):
            u = (grid[None, :] - self.means[:, k:k + 1]) / self.stds[:, k:k + 1]
            out += self.weights[:, k:k + 1] * np.exp(-0.5 * u * u) / self.stds[:, k:k + 1]
        step = np.diff(grid)
        norm = np.sum(0.5 * (out[:, 1:] + out[:, :-1]) * step, axis=1)
        return out / np.maximum(norm, 1e-300)[:, None] if norm.size else out

    def density_at(self, z: np.ndarray) -> np.ndarray:
        """The (unnormalised) mixture density of each object at its own ``z``."""
        u = (z[:, None] - self.means) / self.stds
        return np.sum(self.weights * np.exp(-0.5 * u * u) / self.stds, axis=1)

    def mode(self) -> np.ndarray:
        """The highest of the component means: the mode wherever the peaks are apart, and
        far cheaper than a grid search over thousands of PDFs."""
        best = self.means[:, 0].copy()
        top = self.density_at(best)
        for k in range(1, self.means.shape[1]):
            d = self.density_at(self.means[:, k])
            better = d > top
            best[better], top[better] = self.means[better, k], d[better]
        return best

    def mass_within(self, centre: np.ndarray, half: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        lo = (centre[:, None] - half[:, None] - self.means) / self.stds
        hi = (centre[:, None] + half[:, None] - self.means) / self.stds
        return np.sum(self.weights * (ndtr(hi) - ndtr(lo)), axis=1)


def _faintness(mag_i: np.ndarray | None, n: int) -> np.ndarray:
    if mag_i is None:
        return np.full(n, 0.5)
    m = np.where((mag_i == NON_DETECTION) | (mag_i == NOT_OBSERVED), 26.0, mag_i)
    return np.clip((m - 21.0) / 4.0, 0.0, 1.2)


def photoz_mixtures(z_true: np.ndarray, mag_i: np.ndarray | None = None,
                    seed: int | RNG | None = 0) -> Mixtures:
    """Three-component posterior-like mixtures for objects at ``z_true``."""
    rng = rng_from(seed)
    n = z_true.size
    faint = _faintness(mag_i, n)
    sigma = (0.02 + 0.05 * faint) * (1 + z_true) * rng.lognormal(0.0, 0.2, n)
    mu1 = z_true + sigma * rng.normal(0.0, 1.0, n)
    outlier = rng.random(n) < 0.02 + 0.06 * faint
    mu1[outlier] = rng.uniform(0.05, 2.5, int(outlier.sum()))
    mu2 = mu1 + rng.choice([-1.0, 1.0], n) * rng.uniform(0.6, 1.2, n)
    means = np.clip(np.stack([mu1, mu2, mu1], axis=1), 0.01, Z_MAX - 0.01)
    stds = np.stack([sigma, 1.5 * sigma, np.full(n, 0.4)], axis=1)
    w2 = rng.uniform(0.0, 0.35, n) * faint
    weights = np.stack([0.95 - w2, w2, np.full(n, 0.05)], axis=1)
    return Mixtures(means, stds, weights)


def point_estimates(mix: Mixtures, ids: np.ndarray) -> SynthTable:
    """z_phot (mode), z_phot_err (width of the main peak) and BPZ-style ODDS."""
    z_phot = np.round(mix.mode(), 4)
    odds = mix.mass_within(z_phot, ODDS_DZ * (1 + z_phot))
    cols = {"id": ids, "z_phot": z_phot, "z_phot_err": np.round(mix.stds[:, 0], 4),
            "odds": np.round(np.clip(odds, 0.0, 1.0), 4)}
    return SynthTable(cols, roles={"id": "id", "z": "z_phot", "z_err": "z_phot_err"})


def validation_table(ids: np.ndarray, z_spec: np.ndarray, point: SynthTable) -> SynthTable:
    """Per-object comparison of estimates with reference redshifts."""
    zp = point.columns["z_phot"]
    cols = {"id": ids, "z_spec": z_spec, "z_phot": zp,
            "z_phot_err": point.columns["z_phot_err"], "odds": point.columns["odds"],
            "dz": np.round((zp - z_spec) / (1 + z_spec), 5)}
    return SynthTable(cols, roles={"id": "id", "z": "z_phot", "z_err": "z_phot_err"})


def metrics(z_spec: np.ndarray, z_phot: np.ndarray,
            edges: tuple[float, ...] = (0.0, 0.3, 0.6, 0.9, 1.2, 1.5, 2.0, 3.0)) -> SynthTable:
    """Bias, σ_NMAD and outlier fraction per bin of reference redshift, then overall."""
    dz = (z_phot - z_spec) / (1 + z_spec)
    rows: dict[str, list[Any]] = {k: [] for k in ("bin", "z_min", "z_max", "n", "bias",
                                                  "sigma_nmad", "outlier_fraction")}
    bins = [*zip(edges[:-1], edges[1:], strict=True), (edges[0], edges[-1])]
    for i, (lo, hi) in enumerate(bins):
        d = dz[(z_spec >= lo) & (z_spec < hi)]
        med = float(np.median(d)) if d.size else np.nan
        rows["bin"].append("all" if i == len(bins) - 1 else f"{lo:.1f}-{hi:.1f}")
        rows["z_min"].append(lo)
        rows["z_max"].append(hi)
        rows["n"].append(d.size)
        rows["bias"].append(med)
        rows["sigma_nmad"].append(1.4826 * float(np.median(np.abs(d - med))) if d.size
                                  else np.nan)
        rows["outlier_fraction"].append(float(np.mean(np.abs(d) > OUTLIER_DZ)) if d.size
                                        else np.nan)
    cols = {k: np.array(v) for k, v in rows.items()}
    for k in ("bias", "sigma_nmad", "outlier_fraction"):
        cols[k] = np.round(cols[k], 5)
    return SynthTable(cols)


def tomographic_nz(z_true: np.ndarray, z_phot: np.ndarray,
                   edges: tuple[float, ...] = (0.0, 0.4, 0.7, 1.0, 1.5, 3.0),
                   dz: float = 0.02) -> SynthTable:
    """n(z) of the true redshifts of the objects in each photo-z bin, as densities."""
    hist_edges = np.arange(0.0, Z_MAX + dz / 2, dz)
    cols: dict[str, np.ndarray] = {"z": np.round(0.5 * (hist_edges[1:] + hist_edges[:-1]), 6)}
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True), start=1):
        sel = (z_phot >= lo) & (z_phot < hi)
        counts, _ = np.histogram(z_true[sel], bins=hist_edges)
        cols[f"nz_bin{k}"] = np.round(counts / max(counts.sum() * dz, 1e-300), 6)
    return SynthTable(cols)


def fit_linear_photoz(training: SynthTable) -> dict[str, Any]:
    """Least-squares fit of z on colours and i magnitude, over fully detected rows.

    A deliberately simple "trained model", to be carried as an opaque training result.
    """
    c = training.columns
    mags = np.stack([c[f"mag_{b}_lsst"].astype(float) for b in BANDS], axis=1)
    ok = np.all((mags != NON_DETECTION) & (mags != NOT_OBSERVED), axis=1)
    colours = mags[ok, :-1] - mags[ok, 1:]
    x = np.column_stack([np.ones(ok.sum()), colours, colours**2, mags[ok, 3]])
    z = c["redshift"][ok]
    coef, *_ = np.linalg.lstsq(x, z, rcond=None)
    resid = z - x @ coef
    names = [f"{a}-{b}" for a, b in zip(BANDS[:-1], BANDS[1:], strict=True)]
    return {
        "model": "linear regression of redshift on colours, squared colours and i",
        "features": ["1", *names, *[f"({n})^2" for n in names], "i"],
        "coefficients": [round(float(v), 8) for v in coef],
        "n_train": int(ok.sum()),
        "rms_dz": round(float(np.std(resid / (1 + z))), 6),
    }
