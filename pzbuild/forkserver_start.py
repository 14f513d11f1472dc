"""The first module the fork server of pzbuild's workers imports (see :mod:`pzbuild.workers`),
before the table libraries: importing it is its whole job, as running is a script's. It
imports numpy with the SIMD kernels that suit this CPU (:func:`pzbuild.simd.prefer_avx2`).
Nothing else imports it.
"""

from .simd import prefer_avx2

prefer_avx2()
