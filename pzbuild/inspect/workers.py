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


def worker_pool(processes: int) -> Pool:
    """A pool of ``processes`` workers forked from the (preloaded) fork server."""
    from ..workers import context

    ctx = context()
    ctx.set_forkserver_preload(PRELOAD)
    return ctx.Pool(processes)
