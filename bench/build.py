"""Time the site build of a synthetic catalog against a plain mkdocs build of as many pages.

    .venv/bin/python bench/build.py [--n 2000] [--catalog DIR] [--jobs N] [--no-browser]
    .venv/bin/python bench/build.py --catalog DIR --sizes-only   # one build, its bytes

Makes a catalog of N products with bench/make_catalog.py in a temporary folder (or uses
--catalog; its .pzbuild-cache/ is emptied, its products are left as they were found), adds
this repository's site sources (mkdocs.yml, docs/site, site_templates) when it has none, and
then, each build in a fresh process:

1. cold build: no output, no cache (every table is read);
2. cold build with a warm inspection cache (no site cache, no previous site);
3. rebuild with no change;
4. rebuild after one product's description changed;
5. the baseline: ``mkdocs build`` of a project with the same theme and N plain Markdown pages
   of about the size of a product page, kept out of the navigation.

Goals, as ratios to the baseline: cold build <= 1.5x, one-product rebuild <= 0.1x; and the
site at most 30 kB per product larger than the product files. With bench/browser_list.py
and Chromium at hand it also times the user list page of the built site. ``--sizes-only``
keeps the inspection cache, makes one build and prints the bytes per product by part, with
no timings and no baseline. Always exits 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# bench/ holds scripts named like standard modules (inspect.py): keep it off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

GOAL_COLD = 1.5
GOAL_ONE = 0.1
GOAL_BYTES_PER_PRODUCT = 30_000
SITE_SOURCES = ("mkdocs.yml", "docs/site", "site_templates")
SITE_STAGES = ("shell", "plan", "records", "pages", "finish", "swap")  # what the site build adds

DRIVER = """
import json, sys, time
t = time.perf_counter()
from pathlib import Path
from pzbuild.config import load_catalog
from pzbuild.site.build import build_site
jobs = int(sys.argv[3]) or None
r = build_site(load_catalog(Path(sys.argv[1])), Path(sys.argv[2]), jobs=jobs)
assert r.ok, [p.format() for p in r.problems]
print(json.dumps({"wall": time.perf_counter() - t, "timings": r.timings,
                  "rendered": r.rendered, "reused": r.reused, "shell": r.shell_built}))
"""


def run_build(root: Path, out: Path, jobs: int) -> dict:
    """One build in a fresh process; its wall time includes importing pzbuild."""
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(root), str(out), str(jobs)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr}")
    result: dict = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def add_site_sources(root: Path) -> None:
    for rel in SITE_SOURCES:
        if not (root / rel).exists():
            src = REPO / rel
            if src.is_dir():
                shutil.copytree(src, root / rel)
            else:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, root / rel)


def baseline_page(i: int) -> str:
    """A plain Markdown page of about the size of a product page's body (some 12 kB of
    text): a title, a few sections of prose (they make the table of contents), one small
    table and a code block."""
    words = ("photometric redshift estimates of galaxies in the deep drilling field with a "
             "spectroscopic training sample, magnitudes, colours and quality flags").split()

    def prose(k: int, n: int = 110) -> str:
        return " ".join(words[(i + k + j) % len(words)] for j in range(n)) + "."

    lines = [f"# Product {i}: synthetic photo-z estimates", "", prose(0), ""]
    for k, title in enumerate(("Description", "Files", "Columns", "Preview", "Provenance",
                               "Citation")):
        lines += [f"## {title}", "", prose(k), "", prose(k + 1), ""]
    lines += ["| File | Role | Size |", "|---|---|---|"]
    lines += [f"| file_{k}.parquet | main | {k * 1000 + i} B |" for k in range(3)]
    lines += ["", "```", f"@article{{product{i}, title={{Product {i}}}}}", "```", ""]
    return "\n".join(lines)


def run_baseline(root: Path, n: int, work: Path) -> float:
    """Wall seconds of ``mkdocs build`` of the shell plus n plain pages out of the nav."""
    docs = work / "docs"
    shutil.copytree(root / "docs" / "site", docs)
    for rel in ("product-types.md", "official/index.md", "user/index.md"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(f"# {rel}\n\nA page.\n", encoding="utf-8")
    for i in range(n):
        page = docs / "products" / "official" / f"product-{i:05d}" / "index.md"
        page.parent.mkdir(parents=True)
        page.write_text(baseline_page(i), encoding="utf-8")
    config = work / "mkdocs.yml"
    config.write_text(f"INHERIT: {root / 'mkdocs.yml'}\nsite_name: Baseline\n"
                      f"docs_dir: {docs}\nsite_dir: {work / 'site'}\n", encoding="utf-8")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    start = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # the theme's end-of-life notice
    subprocess.run([str(mkdocs), "build", "-q", "-f", str(config)], check=True, cwd=work,
                   env=env)
    return time.perf_counter() - start


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def change_one_description(root: Path) -> tuple[Path, str]:
    path = sorted((root / "products").rglob("product.yaml"))[0]
    old = path.read_text(encoding="utf-8")
    new = re.sub(r"(?m)^description: \|\n", "description: |\n  Changed for the benchmark.\n",
                 old, count=1)
    if new == old:
        raise SystemExit(f"{path}: no block description to change")
    path.write_text(new, encoding="utf-8")
    return path, old


def stages(result: dict) -> str:
    t = result["timings"]
    return "  ".join(f"{k} {v:.2f}" for k, v in t.items() if k != "total")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="products (default 2000)")
    parser.add_argument("--catalog", type=Path, default=None,
                        help="an existing catalog to use instead of making one")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: CPUs)")
    parser.add_argument("--no-browser", action="store_true", help="skip the list page timing")
    parser.add_argument("--sizes-only", action="store_true",
                        help="one build (inspection cache kept), bytes by part; no timings")
    parser.add_argument("--out", type=Path, default=None,
                        help="with --sizes-only: build the site here and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pzbuild-bench-build-") as tmp_name:
        tmp = Path(tmp_name)
        if args.catalog is not None:
            root = args.catalog.resolve()
        else:
            root = tmp / "catalog"
            start = time.perf_counter()
            _bench_module("make_catalog").make_catalog(args.n, root)
            print(f"made {args.n} products in {time.perf_counter() - start:.1f} s")
        add_site_sources(root)
        n = sum(1 for _ in (root / "products").rglob("product.yaml"))
        data = sum(p.stat().st_size for p in (root / "products").rglob("*")
                   if p.is_file() and p.name != "product.yaml")
        out = tmp / "out" / "site"
        if args.sizes_only and args.out is not None:
            out = args.out.resolve()
        cache = root / ".pzbuild-cache"
        if args.sizes_only:
            shutil.rmtree(cache / "site", ignore_errors=True)
            result = run_build(root, out, args.jobs)
            print(f"{n} products, one build in {result['wall']:.1f} s")
            print_sizes(out, n, data)
            return 0

        shutil.rmtree(cache, ignore_errors=True)
        cold = run_build(root, out, args.jobs)
        shutil.rmtree(out)
        shutil.rmtree(cache / "site")
        warm = run_build(root, out, args.jobs)
        same = run_build(root, out, args.jobs)
        path, old = change_one_description(root)
        try:
            one = run_build(root, out, args.jobs)
        finally:
            path.write_text(old, encoding="utf-8")
        base = run_baseline(root, n, tmp / "baseline")

        print(f"\n{n} products, {data / 1e6:,.1f} MB of product files, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"baseline: mkdocs build of {n} plain pages out of the nav   {base:7.2f} s")
        rows = [("cold build (no cache, no site)", cold, GOAL_COLD),
                ("cold build, warm inspection cache", warm, GOAL_COLD),
                ("rebuild, no change", same, None),
                ("rebuild, one description changed", one, GOAL_ONE)]
        for label, r, goal in rows:
            ratio = r["wall"] / base
            site_part = sum(r["timings"].get(k, 0.0) for k in SITE_STAGES) / base
            check = f"goal {goal:g}x {verdict(ratio <= goal)}" if goal else ""
            print(f"{label:35s} {r['wall']:7.2f} s  {ratio:5.2f}x  {check}")
            print(f"    rendered {r['rendered']}, reused {r['reused']}, mkdocs "
                  f"{'ran' if r['shell'] else 'skipped'}; site stages alone {site_part:.2f}x"
                  + (f" {verdict(site_part <= goal)}" if goal else ""))
            print(f"    {stages(r)}")
        print_sizes(out, n, data)
        if not args.no_browser:
            browser(out)
    return 0


def print_sizes(out: Path, n: int, data: int) -> None:
    """The site's bytes beyond the product files, per product, and the parts they are in."""
    site = tree_bytes(out)
    extra = (site - data) / max(n, 1)
    print(f"site size {site / 1e6:,.1f} MB = product files + {extra / 1e3:.1f} kB per "
          f"product  goal {GOAL_BYTES_PER_PRODUCT / 1e3:.0f} kB "
          f"{verdict(extra <= GOAL_BYTES_PER_PRODUCT)}")
    products = out / "products"
    parts = {kind: sum(p.stat().st_size for p in products.rglob(kind))
             for kind in ("index.html", "product.json", "SHA256SUMS")}
    parts["catalog.json"] = (out / "catalog.json").stat().st_size
    parts["search index"] = (out / "search" / "search_index.json").stat().st_size
    files = sum(p.stat().st_size for p in products.rglob("*")
                if p.is_file() and "files" in p.relative_to(products).parts)
    parts["everything else"] = site - files - sum(parts.values())
    for kind, size in parts.items():
        print(f"    {kind:16s} {size / max(n, 1) / 1e3:6.2f} kB per product")


def _bench_module(name: str) -> Any:
    """A script of bench/ as a module (bench/ is kept off sys.path)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickle look a module up by name
    spec.loader.exec_module(module)
    return module


def browser(site: Path) -> None:
    if not (HERE / "browser_list.py").is_file():
        print("list page in Chromium: skipped (no bench/browser_list.py)")
        return
    browser_list = _bench_module("browser_list")
    try:
        result = browser_list.measure(site, "user/")
    except Exception as exc:  # noqa: BLE001 - no Chromium or Playwright here
        print(f"list page in Chromium: skipped ({type(exc).__name__}: {exc})")
        return
    print("user list page in Chromium:")
    print(browser_list.report(result))


if __name__ == "__main__":
    sys.exit(main())
