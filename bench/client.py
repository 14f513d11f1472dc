"""How the client's get_product compares with a plain HTTP GET + pandas.read_parquet.

    python bench/client.py [--rows 1000000] [--repeat 5] [--no-sealed]

Writes a Parquet product of --rows rows (ids, positions, redshifts, ugrizy magnitudes and
errors: realistic float columns) into a tiny plain site, serves it over loopback with
``python -m http.server`` in another process, and prints:

* time: the median of --repeat runs of ``Catalog(url).get_product(id)`` (catalog.json,
  product.json, the file with its SHA-256 checked, the DataFrame) over the median of
  ``urllib GET`` + ``pandas.read_parquet`` of the same file; goal <= 1.3x;
* memory: the peak RSS growth of each over the file size (goal <= 2.5x), measured in a fresh
  subprocess after the imports: the kernel's peak RSS (VmHWM of /proc/self/status, reset to
  the current RSS through /proc/self/clear_refs) on Linux; elsewhere
  ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which the child inherits from its parent
  across exec and so may understate the growth;
* the same for the sealed site (``pzbuild.seal``) when ``cryptography`` is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PID = "official/bench-objects"
BANDS = "ugrizy"

CHILD = r"""
import io, json, resource, sys, time, urllib.request
import pandas as pd, pyarrow, pyarrow.parquet
from pzbuild.client import Catalog
mode, site, file_url, key, repeat = sys.argv[1:6]
repeat = int(repeat)

def baseline():
    with urllib.request.urlopen(file_url) as r:
        data = r.read()
    return pd.read_parquet(io.BytesIO(data))

def client():
    return Catalog(site, key=key or None).get_product(sys.argv[6])

if mode == "time":
    out = {"baseline": [], "client": []}
    for _ in range(repeat):
        for name, fn in (("baseline", baseline), ("client", client)):
            t = time.perf_counter(); df = fn(); out[name].append(time.perf_counter() - t)
            del df
    print(json.dumps(out))
else:
    def status(field):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field))
    try:  # reset the kernel's peak RSS (VmHWM) to the current RSS, after the imports
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before, method = status("VmRSS:"), "VmHWM"
    except OSError:  # not Linux: ru_maxrss (may carry the parent's peak across exec)
        before, method = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
    df = (baseline if mode == "mem-baseline" else client)()
    after = status("VmHWM:") if method == "VmHWM" else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kb": after - before, "method": method, "rows": len(df),
                      "df_bytes": int(df.memory_usage(deep=True).sum())}))
"""


def write_parquet(path: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(42)
    cols = {"objectId": np.arange(rows, dtype=np.int64) + 10**12,
            "ra": rng.uniform(50, 60, rows), "dec": rng.uniform(-30, -25, rows),
            "z_phot": rng.gamma(2.0, 0.4, rows), "z_err": rng.uniform(0.01, 0.2, rows)}
    for b in BANDS:
        mag = rng.normal(24, 1.5, rows)
        cols[f"mag_{b}"] = mag.astype(np.float32)
        cols[f"magerr_{b}"] = (0.01 * 10 ** (0.3 * (mag - 22))).astype(np.float32)
    pq.write_table(pa.table(cols), path)


def write_site(root: Path, data_file: Path) -> None:
    """A one-product plain site in the layout of docs/design/site-format.md."""
    digest = hashlib.sha256(data_file.read_bytes()).hexdigest()
    size = data_file.stat().st_size
    folder = root / "products" / PID
    (folder / "files").mkdir(parents=True)
    os.replace(data_file, folder / "files" / "objects.parquet")
    url = f"products/{PID}/"
    f = {"path": "objects.parquet", "role": "main", "size": size, "sha256": digest,
         "format": "parquet", "url": f"{url}files/objects.parquet"}
    record = {"version": 1, "id": PID, "name": "Bench objects", "section": "official",
              "official": True, "owner": None, "slug": PID.split("/")[1],
              "type": "object_catalog", "type_name": "Object Catalog", "release": "dp1",
              "release_name": "LSST DP1", "files": [f],
              "columns": {"id": "objectId", "ra": "ra", "dec": "dec", "z": "z_phot"},
              "table": None, "url": url, "sha256sums": f"{url}SHA256SUMS"}
    (folder / "product.json").write_text(json.dumps(record))
    (folder / "SHA256SUMS").write_text(f"{digest}  objects.parquet\n")
    entry = {k: record[k] for k in ("id", "name", "section", "official", "type", "type_name",
                                    "release", "release_name", "owner")}
    entry.update(rows=None, size=size, n_files=1, url=url, json=f"{url}product.json")
    (root / "catalog.json").write_text(json.dumps({"version": 1, "title": "bench",
                                                   "products": [entry]}))
    (root / "index.html").write_text("<html><body>bench</body></html>\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                             "127.0.0.1", "--directory", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/"


def child(mode: str, site: str, file_url: str, key: str, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", CHILD, mode, site, file_url, key, str(repeat),
                          PID], capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        sys.exit(f"{mode} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def measure(label: str, root: Path, file_url_path: str, key: str, repeat: int,
            size: int) -> None:
    proc, url = serve(root)
    try:
        file_url = url + file_url_path
        times = child("time", url, file_url, key, repeat)
        base_t, cli_t = statistics.median(times["baseline"]), statistics.median(times["client"])
        mem_b = child("mem-baseline", url, file_url, key, 1)
        mem_c = child("mem-client", url, file_url, key, 1)
    finally:
        proc.terminate()
        proc.wait()
    mb = size / 1e6
    print(f"{label}:")
    print(f"  time   baseline {base_t:.3f} s   client {cli_t:.3f} s   ratio "
          f"{cli_t / base_t:.2f}x (goal <= 1.3x; medians of {repeat})")
    print(f"  memory baseline {mem_b['peak_kb'] / 1e3:.0f} MB = "
          f"{mem_b['peak_kb'] * 1e3 / size:.2f}x file   client {mem_c['peak_kb'] / 1e3:.0f} MB = "
          f"{mem_c['peak_kb'] * 1e3 / size:.2f}x file (goal <= 2.5x; file {mb:.0f} MB, "
          f"DataFrame {mem_c['df_bytes'] / 1e6:.0f} MB; {mem_c['method']})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-sealed", action="store_true", help="Skip the sealed site.")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="pzbuild-bench-client-") as tmp:
        work = Path(tmp)
        data = work / "objects.parquet"
        write_parquet(data, args.rows)
        size = data.stat().st_size
        plain = work / "plain"
        write_site(plain, data)
        print(f"{args.rows:,} rows, {size / 1e6:.1f} MB Parquet; memory: growth of the peak "
              "RSS after the imports, in a fresh subprocess")
        file_path = f"products/{PID}/files/objects.parquet"
        measure("plain site over HTTP", plain, file_path, "", args.repeat, size)
        if args.no_sealed:
            return
        try:
            from cryptography.hazmat.primitives.asymmetric import ec

            from pzbuild.seal import Reader, seal_site
            from pzbuild.seal.format import canonical_public_key, private_key_pem
        except ImportError as exc:
            print(f"sealed site: skipped ({exc})")
            return
        key = ec.generate_private_key(ec.SECP256R1())
        key_file = work / "reader.pem"
        key_file.write_bytes(private_key_pem(key))
        sealed = work / "sealed"
        seal_site(plain, sealed, [Reader("bench", canonical_public_key(key.public_key()))])
        # the baseline GETs the plain file from the same server: copy it beside the blobs
        os.link(plain / file_path, sealed / "plain.parquet")
        measure("sealed site over HTTP", sealed, "plain.parquet", str(key_file), args.repeat,
                size)


if __name__ == "__main__":
    main()
