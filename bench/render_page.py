"""How fast product pages render: ProductPage.from_record + render_product_body.

    .venv/bin/python bench/render_page.py            # 1,000 renders of a realistic record
    .venv/bin/python bench/render_page.py -n 5000

The record is what the build writes for a large spec-z product (docs/design/site-format.md):
50 columns with statistics, a 60-bin n(z), a 64 x 64 sky grid with about 3,000 occupied
cells over a wide range of counts, a 10-row preview, a Markdown description and README,
provenance. Goal: a few milliseconds a page, so that thousands of pages take seconds.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pzbuild.site.product_page import ProductPage, render_product_body  # noqa: E402

ROLES = {
    "id": {"ucd": "meta.id;meta.main", "description": "Unique object identifier."},
    "ra": {"ucd": "pos.eq.ra;meta.main", "description": "Right ascension (degrees)."},
    "dec": {"ucd": "pos.eq.dec;meta.main", "description": "Declination (degrees)."},
    "z": {"ucd": "src.redshift", "description": "Redshift."},
    "z_err": {"ucd": "stat.error;src.redshift", "description": "Redshift uncertainty."},
    "z_flag": {"ucd": "stat.rank", "description": "Redshift quality flag."},
    "survey": {"ucd": "meta.curation", "description": "Survey or origin of each row."},
}

DESCRIPTION = """Spectroscopic redshifts of 1.2 million galaxies in the DP1 fields, compiled
from DESI DR1, VVDS, zCOSMOS and PRIMUS with homogenised quality flags (see the table in the
README). Positions are matched to the Rubin DP1 object catalogue within 1".

* `z_flag >= 3` is secure to better than 95 %;
* duplicates were resolved in favour of the survey with the highest resolution[^dup].

[^dup]: See Section 3 of the compilation notes.
"""

README = """# DP1 spec-z compilation

| z_flag | meaning |
|---|---|
| 4 | secure (>99 %) |
| 3 | very likely (~95 %) |
| 2 | likely (~75 %) |
| 1 | tentative |
| 0 | failed |

Columns are described in [the schema](schema.yaml). Magnitudes are AB, fluxes in nJy.
"""


def _numeric(rng: random.Random, name: str, lo: float, hi: float, rows: int,
             role: str | None = None, unit: str | None = None,
             dtype: str = "float64") -> dict[str, Any]:
    values = sorted(rng.uniform(lo, hi) for _ in range(7))
    missing = rng.choice([0, 0, rng.randint(1, rows // 50)])
    return {"name": name, "dtype": dtype, "unit": unit, "description": None, "shape": [],
            "role": role, "stats": {
                "kind": "numeric", "count": rows, "missing": missing, "min": lo, "max": hi,
                "mean": (lo + hi) / 2 + rng.gauss(0, (hi - lo) / 20),
                "std": (hi - lo) / 4 * rng.uniform(0.5, 1.5),
                "quantiles": {f"p{q}": v for q, v in zip((1, 5, 25, 50, 75, 95, 99), values,
                                                        strict=True)},
                "quantiles_exact": False, "sample_size": 20000}}


def realistic_record(seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    rows = 1_234_567
    pid = "official/dp1-specz-compilation"
    columns = [
        _numeric(rng, "objectId", 1.6e18, 1.7e18, rows, "id", dtype="int64"),
        _numeric(rng, "ra", 52.3, 53.9, rows, "ra", "deg"),
        _numeric(rng, "dec", -28.8, -27.4, rows, "dec", "deg"),
        _numeric(rng, "z", 0.001, 4.2, rows, "z"),
        _numeric(rng, "z_err", 1e-5, 0.05, rows, "z_err"),
        _numeric(rng, "z_flag", 0, 4, rows, "z_flag", dtype="int16"),
        {"name": "survey", "dtype": "str", "unit": None, "description": None, "shape": [],
         "role": "survey", "stats": {"kind": "text", "count": rows, "missing": 0,
                                     "distinct": 4, "distinct_capped": False,
                                     "top": [["DESI", 700000], ["VVDS", 300000],
                                             ["zCOSMOS", 200000], ["PRIMUS", 34567]]}},
    ]
    for band in "ugrizy":
        for kind in ("mag", "magerr", "flux", "fluxerr", "snr", "psf_mag"):
            if len(columns) < 50:
                unit = "mag" if "mag" in kind else "nJy" if "flux" in kind else None
                columns.append(_numeric(rng, f"{kind}_{band}", 14.0, 31.0, rows, unit=unit))
    while len(columns) < 50:
        columns.append(_numeric(rng, f"extra_{len(columns)}", -1.0, 1.0, rows))
    edges = [0.001 + 0.07 * i for i in range(61)]
    counts = [int(60000 * (x / 0.7) ** 2 * math.exp(-((x / 0.7) ** 1.5))) for x in edges[:-1]]
    ra_edges = [52.3 + 1.6 * i / 64 for i in range(65)]
    dec_edges = [-28.8 + 1.4 * i / 64 for i in range(65)]
    grid = []
    for i in range(64):
        row = []
        for j in range(64):
            r2 = ((i - 31.5) / 28) ** 2 + ((j - 31.5) / 28) ** 2
            row.append(0 if r2 > 1 else int(rng.expovariate(1 / (400 * (1.2 - r2)))))
        grid.append(row)
    preview = [[1650754000000000000 + 15 * k] + [round(rng.uniform(0, 30), 6)
                                                 for _ in range(5)] + ["DESI"]
               + [round(rng.uniform(14, 31), 4) for _ in range(43)] for k in range(10)]
    files = [{"path": p, "role": r, "size": s, "sha256": f"{k:064x}", "format": f,
              "url": f"products/{pid}/files/{p}"}
             for k, (p, r, s, f) in enumerate([
                 ("dp1_specz.parquet", "main", 187_654_321, "parquet"),
                 ("README.md", "description", 1_234, None),
                 ("schema.yaml", "auxiliary", 4_321, None)])]
    return {
        "version": 1, "id": pid, "name": "DP1 spec-z compilation", "section": "official",
        "official": True, "owner": None, "slug": "dp1-specz-compilation",
        "type": "redshift_catalog", "type_name": "Spec-z Catalog", "release": None,
        "release_name": None, "pz_code": None, "description": DESCRIPTION,
        "authors": [{"name": "A. Person", "orcid": "0000-0002-1825-0097",
                     "affiliation": "LIneA"}, {"name": "B. Person", "affiliation": "SLAC"}],
        "contact": "a.person@example.org", "license": "CC-BY-4.0",
        "tags": ["desi", "spectroscopic", "dp1", "compilation"],
        "created": "2025-05-01", "updated": "2025-06-01", "files": files,
        "description_file": README, "columns": {c["role"]: c["name"] for c in columns[:7]},
        "null_values": [-99], "table": None,
        "provenance": {"derived_from": [{"id": "official/desi-dr1", "name": "DESI DR1",
                                         "url": "products/official/desi-dr1/"}],
                       "used_by": [{"id": "user/jdoe/bpz-dp1", "name": "BPZ on DP1",
                                    "url": "products/user/jdoe/bpz-dp1/"}],
                       "software": {"name": "specz-compiler", "version": "1.2",
                                    "url": "https://github.com/example/specz-compiler"},
                       "config": "schema.yaml", "notes": "Matched within 1 arcsec."},
        "citation": "@article{person2025,\n  title = {A DP1 spec-z compilation},\n"
                    "  year = {2025}\n}",
        "main": {"path": "dp1_specz.parquet", "role": "main", "size": 187_654_321,
                 "sha256": "0" * 64, "format": "parquet", "error": None, "table": {
                     "format": "parquet", "table": None, "num_rows": rows, "columns": columns,
                     "z_histogram": {"column": "z", "edges": edges, "counts": counts},
                     "sky_density": {"ra_column": "ra", "dec_column": "dec",
                                     "ra_edges": ra_edges, "dec_edges": dec_edges,
                                     "counts": grid, "ra_wraps": False},
                     "preview": preview, "qp": None, "warnings": [], "notes": []}},
        "url": f"products/{pid}/", "sha256sums": f"products/{pid}/SHA256SUMS"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="renders to time")
    args = parser.parse_args()
    record = realistic_record()
    page = ProductPage.from_record(record, vocabulary_roles=ROLES, root="../../../")
    html = render_product_body(page)  # warm up: templates compiled, Markdown built
    times, context = [], []
    cpu0 = time.process_time()
    for _ in range(args.n):
        t0 = time.perf_counter()
        page = ProductPage.from_record(record, vocabulary_roles=ROLES, root="../../../")
        t1 = time.perf_counter()
        render_product_body(page)
        times.append(time.perf_counter() - t0)
        context.append(t1 - t0)
    cpu = time.process_time() - cpu0
    total = sum(times)
    print(f"{args.n} pages in {total:.2f} s: {args.n / total:,.0f} pages/s "
          f"({args.n / cpu:,.0f} pages per CPU second); median "
          f"{1e3 * statistics.median(times):.2f} ms a page, of which "
          f"{1e3 * statistics.median(context):.2f} ms building the context; "
          f"{len(html) / 1e3:.0f} kB of HTML")


if __name__ == "__main__":
    main()
