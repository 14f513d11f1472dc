"""The toy universe behind the synthetic tables: where galaxies are, how far, how bright.

Nothing here is meant to be a faithful simulation. It is meant to look and behave like real
photo-z data: redshifts follow a Smail-type n(z), colours carry the 4000 Å break through the
LSST filters so that redshift can be learned from them, and magnitude errors follow the
LSST error model (Ivezić et al. 2019), with cosmoDC2's sentinels for non-detections.
"""

from __future__ import annotations

import numpy as np

RNG = np.random.Generator
BANDS = ("u", "g", "r", "i", "z", "y")
#: effective wavelengths of the LSST filters (Å)
BAND_CENTRES = {"u": 3670.0, "g": 4830.0, "r": 6220.0, "i": 7560.0, "z": 8690.0, "y": 9710.0}
#: LSST 10-year 5σ point-source depths (Ivezić et al. 2019, table 2)
DEPTH_10YR = {"u": 25.6, "g": 26.9, "r": 26.9, "i": 26.4, "z": 25.6, "y": 24.8}
#: Rubin DP1 field centres (deg), approximately; small fields of about a degree.
FIELDS = {
    "ECDFS": (53.13, -28.10),
    "EDFS": (59.10, -48.73),
    "Rubin SV 95 -25": (95.00, -25.00),
    "Fornax dSph": (40.00, -34.45),
    "47 Tuc": (6.02, -72.08),
    "Seagull": (106.30, -10.50),
    "Rubin SV 38 7": (37.86, 6.98),
}
NON_DETECTION = 99.0  # cosmoDC2 / RAIL: magnitude of an object not detected in a band
NOT_OBSERVED = -99.0  # DES / VVDS style: no measurement at all in that band
Z_MAX = 3.0


def rng_from(seed: int | RNG | None) -> RNG:
    """A numpy Generator from a seed, or the Generator itself."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def smail_redshifts(rng: RNG, n: int, z0: float = 0.3, alpha: float = 2.0,
                    beta: float = 1.5, z_max: float = Z_MAX) -> np.ndarray:
    """Redshifts drawn from n(z) ∝ z^α exp(-(z/z0)^β), truncated at ``z_max``.

    With x = (z/z0)^β the density of x is a Gamma law of shape (α+1)/β, so no grid is needed.
    """
    out = np.empty(0)
    while out.size < n:
        x = rng.gamma((alpha + 1.0) / beta, 1.0, size=int(n * 1.2) + 16)
        z = z0 * x ** (1.0 / beta)
        out = np.concatenate([out, z[(z > 0.005) & (z < z_max)]])
    return out[:n]


def positions_in_cap(rng: RNG, n: int, ra0: float, dec0: float,
                     radius: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    """RA, Dec (deg) uniform on the sphere within ``radius`` degrees of (ra0, dec0)."""
    cos_t = rng.uniform(np.cos(np.radians(radius)), 1.0, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    phi = rng.uniform(0.0, 2 * np.pi, n)
    # a point near the north pole, then rotated so that the pole lands on (ra0, dec0)
    x, y, zc = sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t
    a, d = np.radians(ra0), np.radians(dec0)
    xr = x * np.sin(d) + zc * np.cos(d)
    zr = -x * np.cos(d) + zc * np.sin(d)
    xf = xr * np.cos(a) - y * np.sin(a)
    yf = xr * np.sin(a) + y * np.cos(a)
    ra = np.degrees(np.arctan2(yf, xf)) % 360.0
    dec = np.degrees(np.arcsin(np.clip(zr, -1.0, 1.0)))
    return ra, dec


def positions_in_box(rng: RNG, n: int, ra_range: tuple[float, float] = (0.0, 60.0),
                     dec_range: tuple[float, float] = (-60.0, -30.0)
                     ) -> tuple[np.ndarray, np.ndarray]:
    """RA, Dec (deg) uniform on the sphere in a survey-footprint box."""
    ra = rng.uniform(*ra_range, n)
    s0, s1 = np.sin(np.radians(dec_range[0])), np.sin(np.radians(dec_range[1]))
    dec = np.degrees(np.arcsin(rng.uniform(s0, s1, n)))
    return ra, dec


def distance_modulus(z: np.ndarray, h0: float = 70.0, om: float = 0.3) -> np.ndarray:
    """Distance modulus in a flat ΛCDM universe, interpolated from a fine grid."""
    grid = np.linspace(0.0, Z_MAX + 0.5, 2001)
    inv_e = 1.0 / np.sqrt(om * (1 + grid) ** 3 + 1 - om)
    dc = np.concatenate([[0.0], np.cumsum(0.5 * (inv_e[1:] + inv_e[:-1]) * np.diff(grid))])
    dl = (1 + grid) * dc * 299792.458 / h0  # Mpc
    mu = 5 * np.log10(np.maximum(dl, 1e-6)) + 25
    return np.interp(np.maximum(z, 1e-3), grid, mu)


def _window(z: np.ndarray, lo: float, hi: float, width: float = 0.06) -> np.ndarray:
    return 1.0 / ((1 + np.exp(-(z - lo) / width)) * (1 + np.exp(-(hi - z) / width)))


def true_magnitudes(rng: RNG, z: np.ndarray, redness: np.ndarray | None = None
                    ) -> dict[str, np.ndarray]:
    """Noiseless ugrizy AB magnitudes of galaxies at redshift ``z``.

    ``redness`` in [0, 1] goes from star-forming (flat spectrum, weak break) to passive
    (strong 4000 Å break). A colour X−Y is reddest when the break lies between the centres of
    X and Y, which is what makes redshift learnable from colours.
    """
    n = z.size
    if redness is None:
        # passive galaxies are commoner at low redshift
        redness = np.clip(rng.beta(1.2, 2.0, n) + 0.25 * (z < 0.6) * rng.random(n), 0, 1)
    absolute_i = rng.normal(-20.6 - 0.6 * redness, 1.1)
    m_i = absolute_i + distance_modulus(z) - 2.5 * np.log10(1 + z) + 0.8 * redness * z
    mags = {"i": m_i}
    colours = []
    for b1, b2 in zip(BANDS[:-1], BANDS[1:], strict=True):
        lo = BAND_CENTRES[b1] / 4000.0 - 1.0
        hi = BAND_CENTRES[b2] / 4000.0 - 1.0
        base = 0.15 + 0.1 * redness
        bump = (0.25 + 1.1 * redness) * _window(z, lo, hi)
        # once the break is redder than both filters they see the steep rest-frame UV
        uv = 0.6 * redness / (1 + np.exp(-(z - hi) / 0.06))
        colours.append(base + bump + uv + rng.normal(0.0, 0.05, n))
    ug, gr, ri, iz, zy = colours
    mags["r"] = m_i + ri
    mags["g"] = mags["r"] + gr
    mags["u"] = mags["g"] + ug
    mags["z"] = m_i - iz
    mags["y"] = mags["z"] - zy
    return {b: mags[b] for b in BANDS}


def depths(years: float = 10.0) -> dict[str, float]:
    """5σ depths after ``years`` of the survey (depth grows as 1.25 log10 of time)."""
    return {b: m5 - 1.25 * np.log10(10.0 / years) for b, m5 in DEPTH_10YR.items()}


def observe(rng: RNG, true_mags: dict[str, np.ndarray], years: float = 10.0,
            missing_fraction: float = 0.0
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Observed magnitudes and errors with the LSST error model.

    Objects measured with S/N < 1 in a band get 99.0 and, as error, the 1σ limiting magnitude
    (as cosmoDC2 does); a ``missing_fraction`` of (object, band) pairs is not observed at all
    and gets -99.0 for both.
    """
    gamma = 0.039  # the LSST value for galaxies
    mags, errs = {}, {}
    for band, m_true in true_mags.items():
        m5 = depths(years)[band]
        x = 10.0 ** (0.4 * (m_true - m5))
        sigma = np.sqrt((0.04 - gamma) * x + gamma * x**2 + 0.005**2)
        flux = 10.0 ** (-0.4 * m_true)
        flux_err = flux * sigma / 1.0857
        flux_obs = flux + rng.normal(0.0, 1.0, m_true.size) * flux_err
        snr = flux_obs / flux_err
        detected = snr > 1.0
        m_obs = np.where(detected, -2.5 * np.log10(np.where(detected, flux_obs, 1.0)),
                         NON_DETECTION)
        e_obs = np.where(detected, 1.0857 / np.where(detected, snr, 1.0), m5 + 2.5 * np.log10(5))
        if missing_fraction > 0:
            gone = rng.random(m_true.size) < missing_fraction
            m_obs[gone] = NOT_OBSERVED
            e_obs[gone] = NOT_OBSERVED
        mags[band], errs[band] = m_obs.astype(np.float32), e_obs.astype(np.float32)
    return mags, errs


def mag_to_njy(mag: np.ndarray) -> np.ndarray:
    """AB magnitude to flux density in nJy (the unit of Rubin object tables)."""
    return 10.0 ** (-0.4 * (mag - 31.4))
