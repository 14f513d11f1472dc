"""The pool of worker processes that read tables, for validation and inspection.

Workers come from pzbuild's fork server (:func:`pzbuild.workers.context`). The fork server
imports the table libraries once, when it starts (PRELOAD); every worker forked from it then
has them at no cost, where each would otherwise spend about half a second importing them
before it reads its first table. A module that fails to import there is left to the workers
(multiprocessing ignores it).
"""

from __future__ import annotations

from multiprocessing.pool import Pool

#: What the workers need: the readers with numpy and pyarrow, pandas (text columns), and
#: the FITS, VOTable and HDF5 libraries (half a second to import, once here rather than in
#: every worker of every pool).
PRELOAD = ["pzbuild.inspect.product", "pzbuild.checks.columns", "pzbuild.tables.parquet",
           "pyarrow.parquet", "pandas", "astropy.io.fits", "astropy.io.votable", "h5py"]


#: glibc's malloc, tuned in the workers (see :func:`worker_setup`): blocks up to
#: MMAP_THRESHOLD come from the heap, which keeps up to TRIM_THRESHOLD of free memory at its
#: top and grows by TOP_PAD more than asked.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20
TOP_PAD = 8 << 20
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # mallopt(3), malloc.h


def worker_pool(processes: int) -> Pool:
    """A pool of ``processes`` workers forked from the (preloaded) fork server."""
    from ..workers import context

    return context(PRELOAD).Pool(processes, initializer=worker_setup)


def worker_setup() -> None:
    """What a worker does as it starts, to read tables faster:

    - the objects of the preloaded modules (a hundred thousand) are set aside from the cyclic
      garbage collector, which would otherwise walk them all at each full collection;
    - glibc's malloc keeps the memory that numpy's arrays of a batch (a few MB each) give
      back, for the next ones. By default it hands such blocks back to the system when they
      are freed, and the next array of the same size is paged in again, zeroed page by page:
      in a cold inspection of many tables that cost a few hundred thousand page faults per
      worker, 5-10% of its time. Memory stays bounded: at most TRIM_THRESHOLD of free memory
      is kept (bench/inspect_memory.py measures the peak with this setting).

    Elsewhere than on glibc (musl, macOS) the allocator is left as it is."""
    import gc

    gc.freeze()
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    for param, value in ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
                         (_M_TRIM_THRESHOLD, TRIM_THRESHOLD), (_M_TOP_PAD, TOP_PAD)):
        mallopt(param, value)
