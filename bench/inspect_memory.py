"""Check that inspecting a large Parquet file keeps memory bounded.

    python bench/inspect_memory.py [--gb 1.0] [--limit-mb 600] [--keep DIR]

Writes a Parquet file of about --gb gigabytes of photometry-like columns (ids, positions,
redshifts with NaN and -99 sentinels, magnitudes, errors, fluxes, flags) in chunks to a
temporary folder, inspects it in a fresh subprocess set up as an inspection worker is
(``worker_setup``: its allocator keeps up to 64 MB of freed memory), and prints the
subprocess's peak RSS (from resource.getrusage) next to the file size. The file is deleted
afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHUNK_ROWS = 1 << 20  # one row group per chunk: pyarrow's default row group size
BANDS = "ugrizy"

CHILD = """
import json, resource, sys, time
start = time.perf_counter()
from pzbuild.inspect import inspect_table
from pzbuild.inspect.workers import worker_setup
worker_setup()  # as an inspection worker: its allocator keeps freed memory for reuse
imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
s = inspect_table(sys.argv[1], roles={"id": "objectId", "ra": "ra", "dec": "dec", "z": "z_phot"},
                  null_values=[-99, 99])
with open("/proc/self/status") as f:  # VmHWM: the same peak, as the kernel keeps it
    hwm = next((int(line.split()[1]) for line in f if line.startswith("VmHWM")), None)
print(json.dumps({
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "import_kb": imported,
    "hwm_kb": hwm,
    "rows": s.num_rows, "columns": len(s.columns), "seconds": time.perf_counter() - start,
    "z_total": s.z_histogram.total if s.z_histogram else 0,
    "sky_total": s.sky_density.total if s.sky_density else 0}))
"""


def chunk(start: int, rows: int, seed: int):  # type: ignore[no-untyped-def]
    """One chunk of an object catalog with photo-z columns, as a pyarrow Table."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    z = rng.gamma(2.0, 0.4, rows)
    z[rng.random(rows) < 0.02] = np.nan
    z[rng.random(rows) < 0.01] = -99.0
    cols: dict[str, object] = {
        "objectId": np.arange(start, start + rows, dtype=np.int64) * 7919 + 1_000_000_000,
        "ra": rng.uniform(50.0, 75.0, rows),
        "dec": np.degrees(np.arcsin(rng.uniform(-0.7, -0.4, rows))),
        "z_phot": z,
        "z_phot_err": np.abs(rng.normal(0.05, 0.02, rows)) * (1 + z),
        "odds": rng.uniform(0, 1, rows).astype(np.float32),
        "flags": rng.integers(0, 64, rows, dtype=np.int16),
    }
    for i, band in enumerate(BANDS):
        mag = rng.normal(24.0 - 0.2 * i, 1.2, rows).astype(np.float32)
        mag[rng.random(rows) < 0.03] = 99.0
        cols[f"mag_{band}"] = mag
        cols[f"magerr_{band}"] = np.abs(rng.normal(0.05, 0.03, rows)).astype(np.float32)
        cols[f"flux_{band}"] = 10 ** (-0.4 * (mag.astype(np.float64) - 31.4))
    return pa.table(cols)


def write_file(path: Path, target_bytes: int) -> tuple[int, int]:
    """Write chunks (one row group each) until the file reaches ``target_bytes``."""
    import pyarrow.parquet as pq

    rows = 0
    writer = None
    try:
        while not path.exists() or path.stat().st_size < target_bytes:
            table = chunk(rows, CHUNK_ROWS, seed=rows)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows, path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--write"]:
        rows, size = write_file(Path(argv[1]), int(float(argv[2]) * 1e9))
        print(f"{rows:,} rows in row groups of {CHUNK_ROWS:,}")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="file size (default 1.0)")
    parser.add_argument("--limit-mb", type=float, default=600.0,
                        help="peak RSS goal in MB (default 600)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the file into this folder and keep it")
    args = parser.parse_args(argv)

    tmp = None
    if args.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="pzbuild-mem-")
        folder = Path(tmp.name)
    else:
        folder = args.keep
        folder.mkdir(parents=True, exist_ok=True)
    path = folder / "big_objects.parquet"
    try:
        # Both steps run in fresh processes: on Linux a child's ru_maxrss starts from its
        # parent's RSS at fork, so this process stays small.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--write", str(path), str(args.gb)], env=env,
                       check=True)
        size = path.stat().st_size
        print(f"wrote {path.name}: {size / 1e9:.2f} GB in {time.perf_counter() - start:.1f} s")
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"the inspection failed:\n{out.stderr}", file=sys.stderr)
            return 1
        res = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if tmp is not None:
            tmp.cleanup()
    peak = res["peak_kb"] / 1024
    print(f"inspected {res['rows']:,} rows x {res['columns']} columns in "
          f"{res['seconds']:.1f} s ({size / 1e6 / res['seconds']:.0f} MB/s)")
    print(f"z histogram total {res['z_total']:,}, sky density total {res['sky_total']:,}")
    print(f"{'file size':<28}{size / 1e6:>10,.0f} MB")
    print(f"{'peak RSS after imports':<28}{res['import_kb'] / 1024:>10,.0f} MB")
    print(f"{'peak RSS of the inspection':<28}{peak:>10,.0f} MB   goal < {args.limit_mb:.0f} MB: "
          f"{'PASS' if peak < args.limit_mb else 'MISS'}   (VmHWM {res['hwm_kb'] / 1024:,.0f} MB)")
    if tmp is not None:
        print(f"deleted {path}" if not path.exists() else f"could not delete {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
