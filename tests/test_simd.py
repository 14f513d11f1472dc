"""numpy's AVX2 kernels in the workers on AMD Zen 4, whose AVX-512 sort is slow (simd.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pzbuild.simd import avx512_in_use, prefer_avx2, read_cpuinfo, slow_avx512_sort

REPO = Path(__file__).resolve().parent.parent


def cpuinfo(vendor: str, family: int, flags: str) -> str:
    first = (f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: 17\n"
             f"model name\t: a CPU\nflags\t\t: fpu sse sse2 avx avx2 {flags}\n")
    # a second processor, which must not be read: it says otherwise
    return first + "\n" + first.replace(vendor, "GenuineIntel").replace(str(family), "6")


ZEN4 = cpuinfo("AuthenticAMD", 25, "avx512f avx512dq avx512bw")


@pytest.mark.parametrize(("text", "slow"), [
    (ZEN4, True),
    (cpuinfo("AuthenticAMD", 25, "sha_ni"), False),  # Zen 3: the same family, no AVX-512
    (cpuinfo("AuthenticAMD", 26, "avx512f avx512dq"), False),  # Zen 5
    (cpuinfo("GenuineIntel", 6, "avx512f avx512dq"), False),  # Ice Lake, Sapphire Rapids
    (cpuinfo("AuthenticAMD", 25, "avx512fp16"), False),  # a flag that only starts so
    ("", False),
    ("vendor_id : AuthenticAMD\ncpu family : nineteen\nflags : avx512f\n", False),
])
def test_which_cpus_sort_slowly_with_avx512(text: str, slow: bool) -> None:
    assert slow_avx512_sort(text) is slow


def test_nothing_changes_once_numpy_is_imported() -> None:
    import numpy  # noqa: F401

    before, env = avx512_in_use(), dict(os.environ)
    assert prefer_avx2(ZEN4) is False
    assert avx512_in_use() is before
    assert dict(os.environ) == env


def _python(body: str, *flags: str, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run([sys.executable, *flags, "-c", textwrap.dedent(body)],
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warning about the names this numpy does not know
    return done.stdout.split()


def _hardware_avx512() -> bool:
    return _python("from pzbuild.simd import avx512_in_use; print(avx512_in_use())") == ["True"]


def test_on_zen4_numpy_starts_without_its_avx512_kernels() -> None:
    # As the fork server does, told the CPU is a Zen 4; warnings as errors, as under pytest.
    out = _python(f"""
        import os
        from pzbuild.simd import avx512_in_use, prefer_avx2
        print(prefer_avx2({ZEN4!r}), avx512_in_use(),
              os.environ.get("NPY_DISABLE_CPU_FEATURES", "unset"))
    """, "-W", "error")
    assert out == ["True", "False", "unset"]  # and the variable is not passed on


def test_a_choice_of_the_user_is_kept() -> None:
    out = _python(f"""
        from pzbuild.simd import avx512_in_use, prefer_avx2
        print(prefer_avx2({ZEN4!r}), avx512_in_use())
    """, env={"NPY_DISABLE_CPU_FEATURES": ""})
    assert out == ["False", str(_hardware_avx512())]


def test_the_workers_numpy_suits_this_cpu() -> None:
    # A new process, so that its fork server starts here: the main process keeps numpy's
    # default kernels, the workers leave AVX-512 only on a Zen 4.
    out = _python("""
        from pzbuild.inspect.workers import worker_pool
        from pzbuild.simd import avx512_in_use
        with worker_pool(1) as pool:
            print(avx512_in_use(), pool.apply(avx512_in_use))
    """)
    zen4 = slow_avx512_sort(read_cpuinfo())
    hardware = _hardware_avx512()
    assert out == [str(hardware), str(hardware and not zen4)]
