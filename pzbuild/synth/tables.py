"""Synthetic photo-z tables: spec-z catalogs, training sets, object catalogs, estimates.

Every generator is deterministic from its ``seed`` (an int or a numpy Generator) and returns
a :class:`SynthTable`: plain numpy columns plus the units, sentinels and column roles a
product.yaml needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import (
    BANDS,
    FIELDS,
    NON_DETECTION,
    NOT_OBSERVED,
    RNG,
    mag_to_njy,
    observe,
    positions_in_box,
    positions_in_cap,
    rng_from,
    smail_redshifts,
    true_magnitudes,
)


@dataclass
class SynthTable:
    """Columns of equal length, with what a catalog entry says about them."""

    columns: dict[str, np.ndarray]
    units: dict[str, str] = field(default_factory=dict)
    #: sentinel values that stand for "missing" in this table
    null_values: list[float] = field(default_factory=list)
    #: column role (id, ra, dec, z, z_err, z_flag, survey) -> column name
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def rename(self, mapping: dict[str, str]) -> SynthTable:
        """A copy with columns renamed (old -> new); units and roles follow."""
        def new(name: str) -> str:
            return mapping.get(name, name)

        return SynthTable({new(k): v for k, v in self.columns.items()},
                          {new(k): v for k, v in self.units.items()},
                          list(self.null_values),
                          {r: new(c) for r, c in self.roles.items()})

    def head(self, n: int) -> SynthTable:
        return SynthTable({k: v[:n] for k, v in self.columns.items()}, dict(self.units),
                          list(self.null_values), dict(self.roles))


#: spec-z surveys of the toy universe: share, n(z) scale z0, resolution σ_z/(1+z)
SPECZ_SURVEYS = {
    "DESI-like": (0.45, 0.35, 1.5e-4),
    "VVDS-like": (0.20, 0.55, 5e-4),
    "PRIMUS-like": (0.20, 0.45, 5e-3),
    "JADES-like": (0.05, 1.10, 1e-3),
    "2dF-like": (0.10, 0.08, 1.5e-4),
}
#: homogenised quality flags, VVDS/PZ Server style (4 = secure ... 0 = failed), and shares
FLAG_SHARES = {4: 0.62, 3: 0.22, 2: 0.09, 1: 0.05, 0: 0.02}


def _ids(rng: RNG, n: int, start: int | None = None) -> np.ndarray:
    first = int(rng.integers(10**9, 9 * 10**9)) if start is None else start
    return first + np.arange(n, dtype=np.int64) * int(rng.integers(1, 64))


def _positions(rng: RNG, n: int, field_name: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions rounded to 1e-6 deg (3.6 mas), as catalogs publish them."""
    if field_name is None:
        ra, dec = positions_in_box(rng, n)
    else:
        ra, dec = positions_in_cap(rng, n, *FIELDS[field_name])
    return np.round(ra, 6), np.round(dec, 6)


def specz_catalog(n: int, seed: int | RNG | None = 0, field_name: str | None = "ECDFS",
                  surveys: list[str] | None = None) -> SynthTable:
    """A compilation of spectroscopic redshifts in a DP1 field (or a wide footprint).

    Failed redshifts (flag 0) have z = -99; some rows have no error (z_err = -99); low flags
    carry wrong redshifts now and then, as real compilations do.
    """
    rng = rng_from(seed)
    names = surveys or list(SPECZ_SURVEYS)
    shares = np.array([SPECZ_SURVEYS[s][0] for s in names])
    which = rng.choice(len(names), size=n, p=shares / shares.sum())
    z = np.empty(n)
    z_err = np.empty(n)
    for k, name in enumerate(names):
        rows = which == k
        _, z0, res = SPECZ_SURVEYS[name]
        z[rows] = smail_redshifts(rng, int(rows.sum()), z0=z0)
        z_err[rows] = res * (1 + z[rows]) * rng.lognormal(0.0, 0.4, int(rows.sum()))
    flags = rng.choice(list(FLAG_SHARES), size=n, p=list(FLAG_SHARES.values()))
    wrong = (flags <= 2) & (rng.random(n) < 0.25)
    z[wrong] = rng.uniform(0.01, 2.0, int(wrong.sum()))
    z[flags == 0] = NOT_OBSERVED
    z_err[(flags == 0) | (rng.random(n) < 0.03)] = NOT_OBSERVED
    ra, dec = _positions(rng, n, field_name)
    cols = {"id": _ids(rng, n), "ra": ra, "dec": dec, "z": np.round(z, 5),
            "z_err": np.round(z_err, 6),
            "z_flag": flags.astype(np.int16), "survey": np.array(names)[which]}
    return SynthTable(cols, {"ra": "deg", "dec": "deg"}, [NOT_OBSERVED],
                      {"id": "id", "ra": "ra", "dec": "dec", "z": "z", "z_err": "z_err",
                       "z_flag": "z_flag", "survey": "survey"})


def _galaxies(rng: RNG, n: int, z0: float, mag_limit: float, years: float,
              missing_fraction: float) -> tuple[np.ndarray, dict, dict]:
    """Redshifts and observed ugrizy of ``n`` galaxies brighter than ``mag_limit`` in i."""
    zs, mags, errs = [], [], []
    have = 0
    while have < n:
        z = smail_redshifts(rng, 3 * (n - have) + 64, z0=z0)
        m, e = observe(rng, true_magnitudes(rng, z), years, missing_fraction)
        keep = (m["i"] < mag_limit) & (m["i"] > 14)
        zs.append(z[keep])
        mags.append({b: v[keep] for b, v in m.items()})
        errs.append({b: v[keep] for b, v in e.items()})
        have += int(keep.sum())
    z_all = np.concatenate(zs)[:n]
    m_all = {b: np.concatenate([m[b] for m in mags])[:n] for b in BANDS}
    e_all = {b: np.concatenate([e[b] for e in errs])[:n] for b in BANDS}
    return z_all, m_all, e_all


def training_set(n: int, seed: int | RNG | None = 0, field_name: str | None = "ECDFS",
                 mag_limit: float = 24.0, years: float = 10.0,
                 missing_fraction: float = 0.02, with_positions: bool = True,
                 ids: np.ndarray | None = None, z: np.ndarray | None = None) -> SynthTable:
    """LSST ugrizy magnitudes and errors plus the reference redshift, RAIL column names.

    Non-detections are 99.0 (error: the 1σ limit), unobserved bands -99.0. Pass ``z`` (and
    ``ids``) to give photometry to the objects of a spec-z catalog.
    """
    rng = rng_from(seed)
    if z is None:
        z, mags, errs = _galaxies(rng, n, 0.35, mag_limit, years, missing_fraction)
    else:
        n = z.size
        mags, errs = observe(rng, true_magnitudes(rng, z), years, missing_fraction)
    cols: dict[str, np.ndarray] = {"id": _ids(rng, n) if ids is None else ids}
    if with_positions:
        cols["ra"], cols["dec"] = _positions(rng, n, field_name)
    units = {"ra": "deg", "dec": "deg"} if with_positions else {}
    for b in BANDS:
        cols[f"mag_{b}_lsst"] = mags[b]
        cols[f"mag_err_{b}_lsst"] = errs[b]
        units[f"mag_{b}_lsst"] = units[f"mag_err_{b}_lsst"] = "mag"
    cols["redshift"] = np.round(z, 6)
    roles = {"id": "id", "z": "redshift"}
    if with_positions:
        roles.update(ra="ra", dec="dec")
    return SynthTable(cols, units, [NON_DETECTION, NOT_OBSERVED], roles)


def object_catalog(n: int, seed: int | RNG | None = 0, field_name: str | None = "ECDFS",
                   style: str = "mag", mag_limit: float = 25.3, years: float = 10.0
                   ) -> tuple[SynthTable, np.ndarray]:
    """Photometric objects with positions, and their (hidden) true redshifts.

    ``style="mag"``: DES-like magnitudes with 99/-99 sentinels; ``style="flux"``: a Rubin
    object table (objectId, coord_ra, coord_dec, <band>_cModelFlux in nJy, which can be
    negative, NaN where not observed).
    """
    rng = rng_from(seed)
    z, mags, errs = _galaxies(rng, n, 0.45, mag_limit, years, 0.01)
    ra, dec = _positions(rng, n, field_name)
    if style == "mag":
        cols: dict[str, np.ndarray] = {"coadd_object_id": _ids(rng, n), "ra": ra, "dec": dec}
        units = {"ra": "deg", "dec": "deg"}
        for b in BANDS:
            cols[f"mag_{b}"], cols[f"magerr_{b}"] = mags[b], errs[b]
            units[f"mag_{b}"] = units[f"magerr_{b}"] = "mag"
        return SynthTable(cols, units, [NON_DETECTION, NOT_OBSERVED],
                          {"id": "coadd_object_id", "ra": "ra", "dec": "dec"}), z
    cols = {"objectId": _ids(rng, n, start=1_650_754_000_000_000_000),
            "coord_ra": ra, "coord_dec": dec}
    units = {"coord_ra": "deg", "coord_dec": "deg"}
    for b in BANDS:
        m, e = mags[b].astype(float), errs[b].astype(float)
        missing = m == NOT_OBSERVED
        limit = m == NON_DETECTION
        flux_err = np.where(limit, mag_to_njy(e), mag_to_njy(m) * e / 1.0857)
        flux = np.where(limit, rng.normal(0.0, 1.0, n) * flux_err, mag_to_njy(m))
        flux[missing] = flux_err[missing] = np.nan
        cols[f"{b}_cModelFlux"] = flux.astype(np.float32)
        cols[f"{b}_cModelFluxErr"] = flux_err.astype(np.float32)
        units[f"{b}_cModelFlux"] = units[f"{b}_cModelFluxErr"] = "nJy"
    return SynthTable(cols, units, [], {"id": "objectId", "ra": "coord_ra",
                                        "dec": "coord_dec"}), z
