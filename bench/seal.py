"""How fast sealing is, in Python and in Chromium's service worker.

    .venv/bin/python bench/seal.py                 # 200 MB to seal, 100 MB in the browser
    .venv/bin/python bench/seal.py --seal-mb 50 --browser-mb 20 --no-browser

1. ``seal_site`` on a plain site holding one random file of ``--seal-mb`` MB (read, encrypt,
   write), and the encryption alone (``seal_stream`` from memory into nothing), in MB/s,
   next to ``openssl speed -evp aes-256-gcm`` (its 16384-byte figure; skipped without
   openssl).
2. In Debian's /usr/bin/chromium, after login: the time to fetch a sealed ``--browser-mb`` MB
   file through the service worker (fetch, decrypt chunk by chunk, read to the end), next
   to the same bytes fetched in clear from the same server. Goal: 100 MB within 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pzbuild.seal import Reader, seal_site  # noqa: E402
from pzbuild.seal.format import (  # noqa: E402
    ClassKey,
    canonical_public_key,
    private_key_pem,
    seal_stream,
)

MB = 1_000_000
GOAL_BROWSER_S = 2.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
FILE = "products/official/bench/files/random.bin"


def _plain_site(dest: Path, size: int) -> Path:
    (dest / Path(FILE).parent).mkdir(parents=True)
    (dest / "index.html").write_text("<!doctype html><title>bench</title><body>bench</body>")
    with (dest / FILE).open("wb") as fh:
        left = size
        while left:
            n = min(left, 16 * MB)
            fh.write(os.urandom(n))
            left -= n
    return dest


def openssl_gcm_mb_s() -> float | None:
    if shutil.which("openssl") is None:
        return None
    for args in (["-seconds", "1", "-bytes", "16384"], []):
        run = subprocess.run(["openssl", "speed", *args, "-evp", "aes-256-gcm"],
                             capture_output=True, text=True, check=False)
        lines = run.stdout.splitlines()
        header = next((ln for ln in lines if ln.startswith("type")), None)
        row = next((ln for ln in lines if ln.lower().startswith("aes-256-gcm")), None)
        if header is None or row is None:
            continue
        sizes = re.findall(r"(\d+) bytes", header)
        values = re.findall(r"([\d.]+)k", row)
        if "16384" in sizes and len(values) == len(sizes):
            return float(values[sizes.index("16384")]) * 1000 / MB
    return None


def bench_python(size: int, work: Path) -> dict[str, float]:
    from cryptography.hazmat.primitives.asymmetric import ec

    plain = _plain_site(work / "plain", size)
    key = ec.generate_private_key(ec.SECP256R1())
    readers = [Reader("bench", canonical_public_key(key.public_key()))]
    if hasattr(os, "sync"):
        os.sync()  # the random file's write-back would otherwise be counted as sealing
    t0 = time.perf_counter()
    seal_site(plain, work / "site", readers)
    site_s = time.perf_counter() - t0
    data = (plain / FILE).read_bytes()
    ck = ClassKey(0, os.urandom(32), os.urandom(16))
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        seal_stream(io.BytesIO(data), null, ck, os.urandom(32))
    enc_s = time.perf_counter() - t0
    shutil.rmtree(work / "plain")
    shutil.rmtree(work / "site")
    return {"seal_site": size / MB / site_s, "encrypt": size / MB / enc_s}


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


READ = """async (u) => {
  const t0 = performance.now();
  const r = await fetch(u, {cache: 'no-store'});
  const reader = r.body.getReader();
  let n = 0;
  for (;;) { const c = await reader.read(); if (c.done) break; n += c.value.length; }
  return {status: r.status, bytes: n, s: (performance.now() - t0) / 1000};
}"""


def bench_browser(size: int, work: Path, repeats: int = 3) -> dict[str, float]:
    from cryptography.hazmat.primitives.asymmetric import ec
    from playwright.sync_api import sync_playwright

    plain = _plain_site(work / "plain", size)
    key = ec.generate_private_key(ec.SECP256R1())
    seal_site(plain, work / "site", [Reader("bench", canonical_public_key(key.public_key()))])
    with _served(work / "site") as base, _served(plain) as clear, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.goto(base)
        page.fill("#pz-key", private_key_pem(key).decode())
        with page.expect_navigation(url=base):
            page.click("#pz-open")
        sealed = [page.evaluate(READ, base + FILE) for _ in range(repeats)]
        page2 = browser.new_context().new_page()
        page2.goto(clear + "index.html")
        plain_runs = [page2.evaluate(READ, clear + FILE) for _ in range(repeats)]
        browser.close()
    for run in sealed + plain_runs:
        assert run["status"] == 200 and run["bytes"] == size, run
    return {"sealed_s": min(r["s"] for r in sealed),
            "clear_s": min(r["s"] for r in plain_runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seal-mb", type=int, default=200, help="size of the file to seal")
    parser.add_argument("--browser-mb", type=int, default=100, help="size read in Chromium")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pzbuild-bench-seal-") as tmp:
        work = Path(tmp)
        py = bench_python(args.seal_mb * MB, work)
        print(f"seal_site, {args.seal_mb} MB file (read + encrypt + write): "
              f"{py['seal_site']:8.0f} MB/s")
        print(f"encryption alone (seal_stream, 1 MiB chunks):       {py['encrypt']:8.0f} MB/s")
        ossl = openssl_gcm_mb_s()
        print("openssl speed -evp aes-256-gcm, 16384-byte blocks:  "
              + (f"{ossl:8.0f} MB/s" if ossl else "    (openssl not found)"))
        if args.no_browser:
            return 0
        if not Path(CHROMIUM).exists():
            print(f"{CHROMIUM} not found: browser part skipped")
            return 0
        br = bench_browser(args.browser_mb * MB, work)
        ok = br["sealed_s"] <= GOAL_BROWSER_S * args.browser_mb / 100
        print(f"Chromium, {args.browser_mb} MB through the service worker: "
              f"{br['sealed_s']:.2f} s ({args.browser_mb / br['sealed_s']:.0f} MB/s); in "
              f"clear from the same server: {br['clear_s']:.2f} s   goal <= "
              f"{GOAL_BROWSER_S * args.browser_mb / 100:.1f} s: {'ok' if ok else 'MISSED'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
