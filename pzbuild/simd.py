"""numpy's SIMD kernels in the worker processes: AVX2 rather than AVX-512 on AMD Zen 4.

numpy sorts and partitions with x86-simd-sort, through its AVX-512 path on a CPU that has
AVX-512. That path stores through the memory-destination form of VPCOMPRESS, which AMD's
Zen 4 cores (family 19h) run in microcode; AMD's optimisation guide for Zen 4 says to avoid
it. There numpy's sort is 4-5 times slower than its AVX2 path: 14 against 3.4 ns per float32
value, 25 against 4.9 per float64 (rows of 10,000, measured on an EPYC of that family); the
quantiles of a table's columns are such sorts. OpenJDK turns its own AVX-512 sort off on that
family for the same reason; numpy does not.

A process picks numpy's kernels once, when it imports numpy, from NPY_DISABLE_CPU_FEATURES.
So the fork server of pzbuild's workers imports :mod:`pzbuild.forkserver_start` first, which
calls :func:`prefer_avx2`, and every worker it forks has that numpy. Nothing changes on other
CPUs, when numpy is imported already, or when NPY_DISABLE_CPU_FEATURES or
NPY_ENABLE_CPU_FEATURES is set (the user chose).
"""

from __future__ import annotations

import os
import sys
import warnings

#: numpy's names of its AVX-512 targets, in its 1.x and its 2.x builds. A name that the
#: installed numpy does not dispatch is ignored by it (with an ImportWarning, not shown).
AVX512_TARGETS = ("AVX512F", "AVX512CD", "AVX512_KNL", "AVX512_KNM", "AVX512_SKX",
                  "AVX512_CLX", "AVX512_CNL", "AVX512_ICL", "AVX512_SPR", "X86_V4")
_ENV = "NPY_DISABLE_CPU_FEATURES"
_AMD_ZEN4_FAMILY = 0x19  # Zen 3 (no AVX-512) and Zen 4; Zen 5 is 1Ah, its VPCOMPRESS is fast


def slow_avx512_sort(text: str) -> bool:
    """Whether the CPU that ``text`` (of /proc/cpuinfo) describes is a Zen 4: an AMD CPU of
    family 19h with AVX-512."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor is enough
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    try:
        family = int(fields.get("cpu family", ""))
    except ValueError:
        return False
    return (fields.get("vendor_id") == "AuthenticAMD" and family == _AMD_ZEN4_FAMILY
            and "avx512f" in fields.get("flags", "").split())


def read_cpuinfo() -> str:
    """The text of /proc/cpuinfo; empty where there is none (not Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read(1 << 16)
    except OSError:
        return ""


def prefer_avx2(text: str | None = None) -> bool:
    """Import numpy with its AVX-512 kernels disabled when this CPU (or the one that ``text``,
    of /proc/cpuinfo, describes) sorts slowly with them (see the module's docstring); True when
    it did. The variable is unset again afterwards, so that programs this process starts are
    not affected."""
    if "numpy" in sys.modules or _ENV in os.environ or "NPY_ENABLE_CPU_FEATURES" in os.environ:
        return False
    if not slow_avx512_sort(read_cpuinfo() if text is None else text):
        return False
    os.environ[_ENV] = " ".join(AVX512_TARGETS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImportWarning)  # the names this numpy lacks
            import numpy  # noqa: F401
    finally:
        del os.environ[_ENV]
    return True


def avx512_in_use() -> bool:
    """Whether this process's numpy dispatches its AVX-512 kernels (imports numpy)."""
    import importlib

    features: dict[str, bool] = {}
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2.x, 1.x
        try:
            features = importlib.import_module(name).__cpu_features__
            break
        except ImportError:
            continue
    # numpy 2.4 and later group its x86 targets by level (X86_V4: AVX-512); before, SKX
    return bool(features.get("X86_V4", features.get("AVX512_SKX", False)))
