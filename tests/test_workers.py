"""pzbuild's worker processes start from scripts with no ``__main__`` guard (pzbuild/workers.py).

multiprocessing's forkserver would otherwise run such a script again in every worker, which
then starts workers of its own: a crash or a hang for a scientist who calls pzbuild at the top
level of a script.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "analysis.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_pool_from_an_unguarded_script(tmp_path: Path) -> None:
    done = _run_script(tmp_path, """
        from concurrent.futures import ProcessPoolExecutor
        from pzbuild.workers import context
        print("top level ran")
        with context().Pool(2) as pool:
            print(sorted(pool.map(abs, [-3, -1, -2])))
        with ProcessPoolExecutor(2, mp_context=context()) as ex:
            print(list(ex.map(abs, [-4, -5])))
    """)
    assert done.returncode == 0, done.stderr
    # the script ran once: the workers did not run it again
    assert done.stdout.splitlines() == ["top level ran", "[1, 2, 3]", "[4, 5]"]


def test_inspection_and_pages_in_workers_from_an_unguarded_script(tmp_path: Path) -> None:
    products = REPO / "products"
    if not any(products.rglob("product.yaml")):
        pytest.skip("the example catalog (products/) is empty")
    done = _run_script(tmp_path, f"""
        from pathlib import Path
        import yaml
        from pzbuild.inspect import inspect_products
        from pzbuild.inspect.product import MIN_PARALLEL

        products = [(p.parent, yaml.safe_load(p.read_text()))
                    for p in sorted(Path({str(products)!r}).rglob("product.yaml"))]
        summaries = inspect_products(products, jobs=2)
        tables = sum(1 for s in summaries for f in s.files if f.table is not None)
        assert tables >= MIN_PARALLEL, tables  # enough to start workers
        print("inspected", tables)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("inspected ")


def _faults_of(tmp_path: Path, setup: bool) -> int:
    """Page faults of making and dropping arrays of a few sizes (2 to 12 MB, two at a time,
    as a table's batches and blocks are), in a new process, once the sizes were all seen."""
    done = _run_script(tmp_path, f"""
        import resource
        import numpy as np
        if {setup}:
            from pzbuild.inspect.workers import worker_setup
            worker_setup()
        sizes = [2, 6, 3, 8, 4, 12, 5]
        def arrays():
            for i in range(50):
                a = np.ones((sizes[i % 7] << 20) // 8)
                b = np.ones((sizes[(i + 3) % 7] << 20) // 8)
                a.sum() + b.sum()
        arrays()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        arrays()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux") or "glibc" not in
                    " ".join(__import__("platform").libc_ver()),
                    reason="the allocator is tuned on glibc only")
def test_inspection_workers_keep_freed_memory_for_the_next_arrays(tmp_path: Path) -> None:
    # By default glibc gives such blocks back and pages them in anew (thousands of faults);
    # a worker reuses the memory.
    default, tuned = _faults_of(tmp_path, False), _faults_of(tmp_path, True)
    assert default > 1000
    assert tuned < default / 10


def test_inspection_workers_set_the_preloaded_objects_aside() -> None:
    import gc

    from pzbuild.inspect.workers import worker_pool

    with worker_pool(1) as pool:
        frozen = pool.apply(gc.get_freeze_count)
    assert frozen > 10_000  # numpy, pyarrow, pandas, astropy, h5py: all set aside
