"""A random catalog of valid products, for benchmarks and scale tests.

:func:`plan_catalog` decides every product up front (id, type, format, rows, links), cheaply
and in order, so that ``derived_from`` only points back to earlier products and never makes a
cycle. :func:`make_product` then writes one product folder from its plan; plans are
independent, so they can be made in parallel processes.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import estimates, tables
from .model import FIELDS, smail_redshifts
from .pdfs import qp_ensemble, write_qp
from .products import SOFTWARE, base_meta, file_entry, write_product
from .writers import SUFFIXES, write_table

TYPES = {  # type -> share of the catalog
    "redshift_catalog": 0.22, "training_set": 0.20, "object_catalog": 0.14,
    "photoz_estimates": 0.20, "validation_results": 0.10, "training_results": 0.06,
    "other": 0.08,
}
DISPLAY = {"redshift_catalog": "spec-z catalog", "training_set": "training set",
           "object_catalog": "object catalog", "photoz_estimates": "photo-z estimates",
           "validation_results": "validation results", "training_results": "trained model",
           "other": "n(z) table"}
TABULAR_FORMATS = {"parquet": 0.63, "csv": 0.10, "fits": 0.09, "hdf5": 0.07,
                   "hdf5-flat": 0.04, "pandas-hdf5": 0.04, "text": 0.02, "votable": 0.01}
FORMATS_BY_TYPE: dict[str, dict[str, float]] = {
    "redshift_catalog": TABULAR_FORMATS,
    "training_set": {**TABULAR_FORMATS, "parquet": 0.52, "hdf5": 0.17},
    "object_catalog": TABULAR_FORMATS,
    "photoz_estimates": {"qp-mixmod": 0.40, "qp-interp": 0.15, "qp-hist": 0.10,
                         "parquet": 0.25, "hdf5-flat": 0.10},
    "validation_results": {"parquet": 0.5, "csv": 0.3, "fits": 0.1, "votable": 0.1},
    "training_results": {"json": 0.6, "npz": 0.4},
    "other": {"text": 0.5, "csv": 0.3, "parquet": 0.2},
}
#: most rows a format gets: dense PDFs and XML are large and slow
ROW_CAPS = {"qp-interp": 3000, "qp-hist": 5000, "votable": 3000}
#: which earlier types a product of each type may be derived from
SOURCES = {"training_set": ["redshift_catalog"], "training_results": ["training_set"],
           "photoz_estimates": ["training_results", "training_set", "object_catalog"],
           "validation_results": ["photoz_estimates", "redshift_catalog"],
           "other": ["photoz_estimates"]}
PZ_CODES = ["BPZ", "LePhare", "FlexZBoost", "TPZ", "GPz", "DNF", "KNN", "CMNN"]
#: spellings of spec-z columns found in real releases (canonical name -> theirs)
SPECZ_NAMES = [
    {},
    {"id": "TARGETID", "ra": "TARGET_RA", "dec": "TARGET_DEC", "z": "Z", "z_err": "ZERR",
     "z_flag": "ZWARN", "survey": "SURVEY"},
    {"id": "NUM", "ra": "ALPHA", "dec": "DELTA", "z": "Z", "z_err": "Z_ERR",
     "z_flag": "ZFLAGS", "survey": "survey_name"},
    {"id": "ID", "ra": "RAdeg", "dec": "DEdeg", "z": "zfinal", "z_err": "zerr",
     "z_flag": "qf", "survey": "origin"},
]
SYLLABLES = ["an", "bo", "ca", "de", "el", "fi", "go", "ha", "ir", "jo", "ka", "lu", "mi",
             "no", "or", "pa", "ri", "sa", "te", "ul", "vi", "wo", "xi", "yu", "za"]


@dataclass(frozen=True)
class PlannedProduct:
    """Everything needed to write one product, decided in advance."""

    id: str
    ptype: str
    fmt: str
    rows: int
    seed: int
    release: str | None
    field: str | None  # a DP1 field of model.FIELDS, or None for a wide footprint
    derived_from: tuple[str, ...] = ()


def _pick(rng: np.random.Generator, shares: dict[str, float]) -> str:
    p = np.array(list(shares.values()))
    return str(rng.choice(list(shares), p=p / p.sum()))


def plan_catalog(n: int, seed: int = 0) -> list[PlannedProduct]:
    """``n`` product plans; ids unique, links pointing only backwards."""
    rng = np.random.default_rng(seed)
    owners = sorted({"".join(rng.choice(SYLLABLES, 3)) for _ in range(max(4, n // 8))})
    fields = list(FIELDS)
    by_type: dict[str, list[str]] = {t: [] for t in TYPES}
    plans = []
    for i in range(n):
        ptype = _pick(rng, TYPES)
        fmt = _pick(rng, FORMATS_BY_TYPE[ptype])
        rows = int(np.exp(rng.uniform(np.log(1000), np.log(50000))))
        rows = min(rows, ROW_CAPS.get(fmt, rows))
        field = str(rng.choice(fields)) if rng.random() < 0.8 else None
        place = (field or "wide").lower().replace(" ", "")
        slug = f"{ptype.split('_')[0]}-{place}-{i:05d}"
        owner = owners[int(rng.zipf(1.6) - 1) % len(owners)]
        pid = f"official/{slug}" if rng.random() < 0.15 else f"user/{owner}/{slug}"
        release = None
        if ptype != "redshift_catalog":
            release = [None, "dp0.2", "dp1", "dr1"][int(rng.integers(4))]
        links: list[str] = []
        for source in SOURCES.get(ptype, []):
            if by_type[source] and rng.random() < 0.6:
                links.append(str(rng.choice(by_type[source][-200:])))
        plans.append(PlannedProduct(pid, ptype, fmt, rows, int(rng.integers(2**63)),
                                    release, field, tuple(dict.fromkeys(links))))
        by_type[ptype].append(pid)
    return plans


def make_product(plan: PlannedProduct, products_dir: Path) -> int:
    """Write the folder of ``plan`` under ``products_dir``; return its size in bytes."""
    rng = np.random.default_rng(plan.seed)
    folder = products_dir / plan.id
    folder.mkdir(parents=True, exist_ok=True)
    where = f"the {plan.field} field" if plan.field else "a wide southern footprint"
    pz_code = str(rng.choice(PZ_CODES))
    data: dict[str, Any] = {}
    texts: dict[str, str] = {}
    files: list[dict[str, str]] = []
    if plan.ptype in ("training_results",):
        main = _model_file(plan, rng, folder)
        what = "A fitted colour-redshift regression, carried as an opaque model file"
    elif plan.fmt.startswith("qp-"):
        kind = plan.fmt[3:]
        main = f"pdfs_{kind}.hdf5"
        z = smail_redshifts(rng, plan.rows, z0=0.4)
        mix = estimates.photoz_mixtures(z, rng.uniform(20.0, 25.5, plan.rows), rng)
        grid = np.linspace(0.0, 3.0, 151) if kind == "hist" else estimates.GRID
        write_qp(qp_ensemble(mix, kind, grid), folder / main)
        what = f"Photo-z PDFs of {plan.rows:,} objects (qp {kind} ensemble, ancil zmode)"
    else:
        table, what = _table(plan, rng, plan.field)
        main = f"{plan.ptype}{SUFFIXES[plan.fmt]}"
        key = {"hdf5": "photometry", "pandas-hdf5": "df"}.get(plan.fmt)
        chosen = write_table(table, folder / main, plan.fmt, key=key)
        if chosen is not None:
            data["table"] = chosen
        if table.roles:
            data["columns"] = dict(table.roles)
        if table.null_values:
            data["null_values"] = list(table.null_values)
        if plan.ptype == "validation_results":
            scores = estimates.metrics(table.columns["z_spec"], table.columns["z_phot"])
            write_table(scores, folder / "metrics.csv", "csv")
            files.append(file_entry("metrics.csv", "auxiliary",
                                    "Bias, sigma_NMAD and outlier fraction per redshift bin."))
    files.insert(0, file_entry(main, "main"))
    description = textwrap.fill(f"{what}, in {where}. Synthetic data made by pzbuild.synth "
                                "for benchmarks; not a real survey product.", 90) + "\n"
    if rng.random() < 0.3:
        files.append(file_entry("README.md", "description"))
        texts["README.md"] = f"# {plan.id}\n\n{description}"
    name = f"Synthetic {DISPLAY[plan.ptype]} {plan.id.rsplit('-', 1)[-1]}"
    meta = base_meta(name, plan.ptype, description, files=files, **data)
    meta["release"] = plan.release
    if plan.ptype in ("photoz_estimates", "validation_results"):
        meta["pz_code"] = pz_code
    meta["tags"] = ["synthetic", "benchmark", plan.fmt]
    meta["provenance"] = {"software": dict(SOFTWARE),
                          "notes": f"bench/make_catalog.py, product seed {plan.seed}."}
    if plan.derived_from:
        meta["provenance"]["derived_from"] = list(plan.derived_from)
    return write_product(folder, meta, texts)


def _table(plan: PlannedProduct, rng: np.random.Generator, field: str | None
           ) -> tuple[tables.SynthTable, str]:
    n = plan.rows
    if plan.ptype == "redshift_catalog":
        t = tables.specz_catalog(n, rng, field)
        return t.rename(SPECZ_NAMES[int(rng.integers(len(SPECZ_NAMES)))]), \
            f"Spectroscopic redshifts of {n:,} galaxies"
    if plan.ptype == "training_set":
        t = tables.training_set(n, rng, field, mag_limit=float(rng.uniform(23.0, 25.0)),
                                years=float(rng.choice([1.0, 2.0, 5.0, 10.0])),
                                with_positions=bool(rng.random() < 0.5))
        return t, f"ugrizy photometry and reference redshifts of {n:,} galaxies"
    if plan.ptype == "object_catalog":
        style = "flux" if rng.random() < 0.4 else "mag"
        t, _ = tables.object_catalog(n, rng, field, style=style)
        return t, f"Photometry of {n:,} objects ({style}es)"
    z = smail_redshifts(rng, n, z0=0.4)
    mix = estimates.photoz_mixtures(z, rng.uniform(20.0, 25.5, n), rng)
    ids = np.arange(n, dtype=np.int64) + int(rng.integers(10**9))
    point = estimates.point_estimates(mix, ids)
    if plan.ptype == "photoz_estimates":
        return point, f"Photo-z point estimates of {n:,} objects"
    if plan.ptype == "validation_results":
        return estimates.validation_table(ids, z, point), \
            f"Photo-z estimates against reference redshifts for {n:,} objects"
    return estimates.tomographic_nz(z, point.columns["z_phot"]), \
        f"n(z) of five tomographic bins from {n:,} objects"


def _model_file(plan: PlannedProduct, rng: np.random.Generator, folder: Path) -> str:
    train = tables.training_set(min(plan.rows, 5000), rng, None, with_positions=False)
    fit = estimates.fit_linear_photoz(train)
    if plan.fmt == "npz":
        np.savez(folder / "model.npz", coefficients=np.array(fit["coefficients"]),
                 features=np.array(fit["features"]))
        return "model.npz"
    (folder / "model.json").write_text(json.dumps(fit, indent=1) + "\n", encoding="utf-8")
    return "model.json"
