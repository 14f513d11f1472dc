"""Write a synthetic catalog of N valid products, to measure the build at scale.

    python bench/make_catalog.py 2000 /tmp/bench-catalog [--seed 0] [--jobs 2]

OUT becomes a full catalog root: this repository's schema/ and catalog.yaml, products under
OUT/products/official/ and OUT/products/user/<owner>/. Product types, formats (mostly
Parquet; also CSV, text, FITS, three HDF5 layouts, VOTable, qp ensembles), sizes (1k-50k rows)
and derived_from links are random but fixed by --seed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# bench/ holds scripts named like standard modules (inspect.py): keep it off the path, also
# for the worker processes, which inherit sys.path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from pzbuild.synth.catalog import make_product, plan_catalog  # noqa: E402
from pzbuild.synth.products import new_catalog_root  # noqa: E402


def make_catalog(n: int, out: Path, seed: int = 0, jobs: int | None = None) -> int:
    """Write the catalog; return the total size of its product files in bytes."""
    products = new_catalog_root(out, REPO) / "products"
    plans = plan_catalog(n, seed)
    jobs = jobs or os.cpu_count() or 1
    work = partial(make_product, products_dir=products)
    if jobs == 1 or n < 8:
        return sum(map(work, plans))
    # forkserver: workers start clean, whatever threads the caller (pytest, pyarrow) runs
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(jobs) as pool:
        return sum(pool.imap_unordered(work, plans, chunksize=max(1, min(16, n // jobs // 8))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of products")
    parser.add_argument("out", type=Path, help="catalog root to create")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes (default: one per CPU)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    if (args.out / "products").exists() and any((args.out / "products").rglob("product.yaml")):
        parser.error(f"{args.out} already holds products; give a new or empty folder")
    start = time.perf_counter()
    size = make_catalog(args.n, args.out, args.seed, args.jobs)
    took = time.perf_counter() - start
    print(f"{args.n} products, {size / 1e6:,.1f} MB of product files in {args.out}, "
          f"made in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
