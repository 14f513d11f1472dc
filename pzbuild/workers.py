"""The worker processes of the parallel stages: table headers, inspection and pages.

Workers start from a clean interpreter through multiprocessing's forkserver, whatever
threads the caller runs (pyarrow's, a test runner's, a notebook's), and they only ever run
pzbuild's own functions. multiprocessing would still run the caller's main script again in
each new worker, to find functions defined there: a script that calls pzbuild at its top
level, without an ``if __name__ == "__main__":`` guard, would then start workers from its
workers, and fail or hang. So the main module is hidden while a worker starts.

The fork server imports :mod:`pzbuild.forkserver_start` first, which picks numpy's SIMD
kernels for the CPU (:mod:`pzbuild.simd`: AVX2 rather than AVX-512 on AMD Zen 4).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


@contextmanager
def _main_hidden() -> Iterator[None]:
    """``sys.modules["__main__"]`` as an empty module for the time of the block, so that
    multiprocessing sends no main script to the worker that starts."""
    main = sys.modules.get("__main__")
    if main is None or (getattr(main, "__file__", None) is None
                        and getattr(main, "__spec__", None) is None):
        yield  # an interactive session: nothing would be run again
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class _Process(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with _main_hidden():
            return multiprocessing.context.ForkServerProcess._Popen(process_obj)


class _Context(multiprocessing.context.ForkServerContext):
    Process = _Process


_CONTEXT = _Context()
#: What the fork server imports first: numpy with the SIMD kernels that suit the CPU.
FIRST = "pzbuild.forkserver_start"


def context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """The multiprocessing context of pzbuild's workers (for ``Pool`` and for
    ``concurrent.futures.ProcessPoolExecutor(mp_context=...)``). The fork server, if this
    process has not started it yet, will import FIRST, then the modules of ``preload``, before
    it forks its first worker."""
    _CONTEXT.set_forkserver_preload([FIRST, *(m for m in preload if m != FIRST)])
    return _CONTEXT
