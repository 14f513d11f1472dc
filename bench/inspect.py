"""Time validation and inspection of a synthetic catalog, cold and cached.

    python bench/inspect.py [--n 2000] [--catalog DIR] [--jobs 1] [--rounds 3]

Makes a catalog of N products with bench/make_catalog.py in a temporary folder (or uses
--catalog, whose .pzbuild-cache/ is then emptied first), then in one run:

1. reads every Parquet file of the products with a bare ``pyarrow.parquet.read_table``;
2. validates and inspects the catalog with an empty cache (cold);
3. does it again with the cache the cold run left (cached).

Both runs inspect as ``pzbuild inspect`` does, through ``inspect_products`` (the products
whose tables are all Parquet in one call, timed on their own too, the others in another).

It prints wall-clock and CPU times (CPU time of this process: on a busy machine it shows the
work done, whatever the wait for a core) and checks two goals: cold / cached >= 20 (one
process), and cold inspection of the products whose tables are all Parquet <= 2 x the bare read
of those files, in wall-clock time, each as it runs by default: pzbuild with a worker process
per core, ``read_table`` with pyarrow's threads on every core; each is timed --rounds times,
in turn, and its best time kept. The one-process figures of that inspection (wall and CPU) are
printed next to it, as is the time of reading the same files through pzbuild's reader
alone. With --jobs N it times a further cold inspection of the whole
catalog in N worker processes (wall clock only). Always exits 0.
"""

from __future__ import annotations

import os
import sys

if __name__ != "__main__":
    # A script run from bench/ (make_catalog.py too) has this folder first on sys.path, so
    # there `import inspect` (dataclasses does it) finds this file, not the standard module.
    # Hand that over. This file imports nothing else at module level for the same reason.
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "inspect", os.path.join(os.path.dirname(os.__file__), "inspect.py"))
    assert _spec is not None and _spec.loader is not None
    _std = importlib.util.module_from_spec(_spec)
    sys.modules["inspect"] = _std
    _spec.loader.exec_module(_std)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

GOAL_CACHED = 20.0
GOAL_BARE = 2.0
PARQUET = (".parquet", ".pq", ".parq")
TABLES = (*PARQUET, ".csv", ".txt", ".dat", ".fits", ".fit", ".h5", ".hdf5", ".hdf", ".vot",
          ".xml", ".npy")


class Clock:
    """Wall-clock and CPU seconds, added up over the ``with`` blocks it times."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c

    def __add__(self, other: Clock) -> Clock:
        out = Clock()
        out.wall, out.cpu = self.wall + other.wall, self.cpu + other.cpu
        return out


class Run:
    """The times of one validate + inspect run."""

    def __init__(self) -> None:
        self.validate = Clock()
        self.inspect = Clock()
        self.inspect_parquet = Clock()  # the products whose tables are all Parquet
        self.problems = 0
        self.summaries: list[ProductSummary] = []
        self.hits = 0
        self.misses = 0

    @property
    def total(self) -> Clock:
        return self.validate + self.inspect


def products_of(root: Path) -> tuple[list[Any], int, bool]:
    """The products to inspect, the problem count, and whether validation ran."""
    try:
        from pzbuild.validate import validate_catalog
    except ImportError:
        validate_catalog = None
    if validate_catalog is not None:
        report = validate_catalog(root)
        return list(report.products), len(report.problems), True
    from pzbuild.config import load_catalog
    from pzbuild.discover import discover

    subs, problems = discover(load_catalog(root))
    return [(s.folder, s.data) for s in subs if s.data], len(problems), False


def _folder_meta(product: Any) -> tuple[Path, dict[str, Any]]:
    if isinstance(product, tuple):
        return Path(product[0]), product[1]
    return Path(product.folder), product.meta


def files_of(product: Any, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    folder, meta = _folder_meta(product)
    paths = [folder / str(f.get("path", "")) for f in meta.get("files") or []]
    return [p for p in paths
            if p.is_file() and (suffixes is None or p.suffix.lower() in suffixes)]


def is_parquet_product(product: Any) -> bool:
    """Every table of the product is Parquet (its other files are only hashed)."""
    _, meta = _folder_meta(product)
    suffixes = [Path(str(f.get("path", ""))).suffix.lower() for f in meta.get("files") or []]
    found = [s for s in suffixes if s in TABLES]
    return bool(found) and all(s in PARQUET for s in found)


def one_run(root: Path, jobs: int) -> Run:
    """Validate and inspect, through the cache as it is, as `pzbuild inspect` does: one
    ``inspect_products`` call for the products whose tables are all Parquet (timed on its own
    too) and one for the rest, in ``jobs`` processes."""
    run = Run()
    with run.validate:
        products, run.problems, _ = products_of(root)
    parquet = [is_parquet_product(p) for p in products]
    by_kind: dict[bool, list[ProductSummary]] = {}
    with InspectCache(root) as cache, run.inspect:
        for kind in (False, True):
            group = [p for p, k in zip(products, parquet, strict=True) if k is kind]
            with (run.inspect_parquet if kind else Clock()):
                by_kind[kind] = inspect_products(group, cache, jobs=jobs)
    order = {kind: iter(found) for kind, found in by_kind.items()}
    run.summaries = [next(order[k]) for k in parquet]  # back in the catalog's order
    run.hits, run.misses = cache.hits, cache.misses
    return run


def bare_read(paths: list[Path]) -> Clock:
    import pyarrow.parquet as pq

    with Clock() as clock:
        for p in paths:
            pq.read_table(p)
    return clock


def reader_only(paths: list[Path]) -> Clock:
    """Every batch of the files through pzbuild.tables, nothing done with them."""
    from pzbuild.tables import open_table

    with Clock() as clock:
        for p in paths:
            for _ in open_table(p).iter_batches():
                pass
    return clock


def workers_numpy() -> str:
    """Which SIMD kernels the workers' numpy dispatches, and why (pzbuild/simd.py)."""
    try:
        from pzbuild.inspect.workers import worker_pool
        from pzbuild.simd import avx512_in_use, read_cpuinfo, slow_avx512_sort
    except ImportError:
        return "its defaults"
    with worker_pool(1) as pool:
        workers = pool.apply(avx512_in_use)
    here = avx512_in_use()
    if here and not workers:
        why = ("slow AVX-512 sort on this CPU" if slow_avx512_sort(read_cpuinfo())
               else "NPY_DISABLE_CPU_FEATURES")
        return f"AVX2, not AVX-512 ({why}; this process: AVX-512)"
    return "AVX-512" if workers else "no AVX-512 (this CPU has none, or it is turned off)"


def make(n: int, out: Path) -> None:
    print(f"making a catalog of {n} products in {out} ...", flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "make_catalog.py"), str(n), str(out)],
                   check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="products to make (default 2000)")
    parser.add_argument("--catalog", type=Path, default=None,
                        help="use this catalog instead of making one (its cache is emptied)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="also time a cold inspection in this many processes (default 1)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times the Parquet inspection and its baseline are each timed, "
                             "the best kept (default 3)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    tmp = None
    if args.catalog is None:
        tmp = tempfile.mkdtemp(prefix="pzbuild-bench-")
        root = Path(tmp) / "catalog"
        make(args.n, root)
    else:
        root = args.catalog.resolve()
    try:
        report(root, args.jobs, args.rounds)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _row(name: str, clock: Clock | None, note: str = "") -> str:
    if clock is None:
        return f"{name:<34}{'':>9}{'':>9}  {note}"
    return f"{name:<34}{clock.wall:>8.2f}s{clock.cpu:>8.2f}s  {note}"


def report(root: Path, jobs: int, rounds: int) -> None:
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    products, _, validated = products_of(root)
    pq_products = [p for p in products if is_parquet_product(p)]
    pq_paths = [f for p in pq_products for f in files_of(p, PARQUET)]
    size = sum(f.stat().st_size for p in products for f in files_of(p))
    pq_size = sum(f.stat().st_size for f in pq_paths)
    print(f"catalog {root}: {len(products)} products, {size / 1e6:,.0f} MB; "
          f"{len(pq_products)} have only Parquet tables ({len(pq_paths)} files, "
          f"{pq_size / 1e6:,.0f} MB); {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"numpy in the worker processes: {workers_numpy()}")
    if not validated:
        print("pzbuild.validate.validate_catalog is missing: products are only discovered, "
              "not validated; 'validate' below is discovery alone")

    for p in products:  # into the page cache, so that no measurement pays for the disk
        for f in files_of(p):
            with open(f, "rb") as fh:
                while fh.read(1 << 22):
                    pass
    if pq_paths:  # nor for the first import of a module (pyarrow.dataset, pandas, ...)
        bare_read(pq_paths[:1])
        reader_only(pq_paths[:1])
        inspect_product(pq_products[0], InspectCache.disabled())
    reader = reader_only(pq_paths)
    # listing the products above validated them, which filled the cache: empty it again
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    cold = one_run(root, 1)
    cached = one_run(root, 1)
    same = [s.to_dict() for s in cold.summaries] == [s.to_dict() for s in cached.summaries]
    # What `pzbuild inspect` does by default: the same Parquet products, cold, in one worker
    # process per core (read_table, the baseline, uses pyarrow's threads on every core too).
    # Both are timed `rounds` times, in turn, and each one's best time is kept (as timeit
    # does): on a shared machine a single pair varies by a fifth either way.
    default_jobs = os.cpu_count() or 1
    bares: list[Clock] = []
    defaults: list[Clock] = []
    for _ in range(rounds):
        bares.append(bare_read(pq_paths))
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
        with InspectCache(root) as cache, Clock() as clock:
            inspect_products(pq_products, cache, jobs=default_jobs)
        defaults.append(clock)
    bare = min(bares, key=lambda c: c.wall)
    pq_default = min(defaults, key=lambda c: c.wall)
    par = None
    if jobs > 1:
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
        par = one_run(root, jobs)

    print()
    print(f"{'':<34}{'wall':>9}{'CPU':>9}")
    print(_row("validate, cold", cold.validate))
    print(_row("inspect, cold (empty cache)", cold.inspect, f"{cold.misses} files read"))
    print(_row("validate, cached", cached.validate))
    print(_row("inspect, cached (second run)", cached.inspect,
               f"{cached.hits} from the cache, {cached.misses} read"))
    if par is not None:
        print(_row(f"inspect, cold, {jobs} processes", par.inspect,
                   "CPU of this process only"))
    print(_row("Parquet products: inspect, cold", cold.inspect_parquet,
               f"{len(pq_products)} products"))
    print(_row(f"  same, {default_jobs} processes (the default)", pq_default,
               "CPU of this process only"))
    print(_row("  same files: pzbuild reader only", reader, "batches read, nothing done"))
    print(_row("  same files: bare read_table", bare, "pyarrow.parquet.read_table"))
    print(f"  best of {rounds} rounds; all rounds (inspection / read_table, wall): "
          + ", ".join(f"{d.wall:.2f}/{b.wall:.2f}s" for d, b in zip(defaults, bares, strict=True)))
    print(f"cached summaries equal the cold ones: {same}; problems found: {cold.problems}")
    print()
    print(f"{'goal':<44}{'wall':>8}{'CPU':>8}{'target':>9}  result (wall)")
    ratios = [
        ("validate+inspect: cold / cached", cold.total, cached.total, ">= 20x",
         lambda r: r >= GOAL_CACHED),
        ("  inspect alone: cold / cached", cold.inspect, cached.inspect, "", None),
        ("cold inspection / bare read_table (Parquet)", pq_default, bare, "<= 2x",
         lambda r: r <= GOAL_BARE),
        (f"  the same, inspection in 1 process (not {default_jobs})", cold.inspect_parquet,
         bare, "", None),
        ("  pzbuild reader alone / bare read_table", reader, bare, "", None),
    ]
    for name, a, b, target, goal in ratios:
        wall = a.wall / b.wall if b.wall else float("inf")
        cpu = f"{a.cpu / b.cpu:>7.2f}x" if b.cpu and a is not pq_default else f"{'-':>8}"
        verdict = "" if goal is None else ("PASS" if goal(wall) else "MISS")
        print(f"{name:<44}{wall:>7.2f}x{cpu}{target:>9}  {verdict}")
    if par is not None:
        print(f"{'  inspect, cold: 1 process / ' + str(jobs):<44}"
              f"{cold.inspect.wall / par.inspect.wall:>7.2f}x")


if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    sys.path.insert(0, REPO)  # run as a script from a checkout
    import argparse
    import shutil
    import subprocess
    import tempfile
    import time
    from pathlib import Path
    from typing import Any

    from pzbuild.inspect import InspectCache, ProductSummary, inspect_product, inspect_products
    from pzbuild.inspect.cache import CACHE_DIR

    sys.exit(main())
