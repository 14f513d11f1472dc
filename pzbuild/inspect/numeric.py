"""Statistics of all the numeric columns of a table at once.

A catalog holds thousands of small tables with tens of numeric columns each; numpy calls made
column by column would cost more than the arithmetic. So the numeric columns of each batch are
copied into one float64 block (a row per column) and every step below is a handful of numpy
calls per batch, whatever the number of columns:

- missing: NaN, ±inf, masked entries and the sentinels, each compared in the column's own
  dtype (the float32 nearest to -9.999 in a float32 column). A column whose extremes are finite
  and bracket no sentinel needs no mask at all, which is the common case;
- count, min, max, and mean and M2 merged batch by batch (Chan, Golub and LeVeque);
- a sample of rows for the quantiles, shared by the columns: the rows whose keys are below
  ``SAMPLE_SIZE / rows`` when the file states its row count (a Bernoulli sample), else the
  ``SAMPLE_SIZE`` rows with the smallest keys (bottom-k). A column's sample is its valid values
  in those rows; up to ``SAMPLE_SIZE`` rows it is all of them and the quantiles are exact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .stats import (
    QUANTILES,
    SAMPLE_SIZE,
    ColumnStats,
    Rows,
    Sentinels,
    exact_dtype,
    quantiles_2d,
    quantiles_of,
    quantiles_padded,
)

EXACT_FLOAT = float(1 << 53)  # integers below this are exact as float64
#: Up to this many sampled rows, two or more float64 and 64-bit integer columns of a block with
#: missing values get their quantiles from one sort of them all, the missing values last;
#: above it (or for one column), from a sort of each column's valid values (measured: about
#: the same time either way once numpy sorts with SIMD, see stats.quantiles_2d).
PADDED_WIDE = 2048


class NumericBlock:
    """The running statistics of some numeric (integer or float) 1-D columns of a table."""

    def __init__(self, columns: Mapping[str, np.dtype], sentinels: Sentinels,
                 expected_rows: int | None = None, sample_size: int = SAMPLE_SIZE) -> None:
        self.names = list(columns)
        self.dtypes = [np.dtype(d) for d in columns.values()]
        self.index = {name: i for i, name in enumerate(self.names)}
        c = len(self.names)
        self.rows = 0
        self.n = np.zeros(c, dtype=np.int64)  # valid values per column
        self.mean = np.zeros(c)
        self.m2 = np.zeros(c)
        self.lo = np.full(c, np.inf)
        self.hi = np.full(c, -np.inf)
        # exact extremes of 64-bit integer columns, as Python ints
        self._ints = {i: [None, None] for i, d in enumerate(self.dtypes)
                      if d.kind in "iu" and d.itemsize == 8}
        self._sentinels = _sentinel_matrix(self.dtypes, sentinels)
        self.notes: dict[int, str] = {}
        self.sample_size = sample_size
        self._threshold = math.inf
        self._bottom_k = expected_rows is None
        if expected_rows is not None and expected_rows > sample_size:
            self._threshold = sample_size / expected_rows
        self._blocks: list[np.ndarray] = []  # sampled rows: columns x rows
        self._masks: list[np.ndarray | None] = []  # their validity (None: all valid)
        self._keys: list[np.ndarray] = []
        self._held = 0
        self._block = np.empty((c, 0))
        self._valid: np.ndarray | None = None

    def update(self, batch: Mapping[str, np.ndarray], rows: Rows) -> None:
        """Add a batch; columns of the block that it lacks count as missing."""
        n = len(rows.keys)
        self.rows += n
        block, masked, raw = self._fill(batch, n)
        with np.errstate(invalid="ignore"):
            lo, hi = block.min(axis=1), block.max(axis=1)
        need = ~(np.isfinite(lo) & np.isfinite(hi))
        sent = self._sentinels
        hit = None  # the sentinels to look for in each column: those within its extremes
        if sent.shape[1]:
            hit = (sent >= lo[:, None]) & (sent <= hi[:, None])
            hit[need] = True  # NaN extremes bracket nothing: every sentinel then
            need |= hit.any(axis=1)
        if masked is not None:
            need |= masked.any(axis=1)
        valid = None
        nb = np.full(len(self.names), n, dtype=np.int64)
        mean_b, m2_b = np.empty(len(self.names)), np.empty(len(self.names))
        with np.errstate(invalid="ignore", over="ignore"):  # fill values near 1e308 exist
            clean = ~need
            if clean.any():
                # The columns without missing values: mean, then M2 from the deviations.
                if need.any():
                    d = block[clean]  # a copy, made the deviations in place
                    mean_c = d.mean(axis=1)
                    np.subtract(d, mean_c[:, None], out=d)
                else:
                    mean_c = block.mean(axis=1)
                    d = block - mean_c[:, None]
                np.multiply(d, d, out=d)
                mean_b[clean], m2_b[clean] = mean_c, d.sum(axis=1)
            if need.any():
                # The columns with missing values, those left out: their valid values'
                # count, extremes, mean and M2, in a copy where the missing entries are
                # NaN (for fmin/fmax, which skip NaN), then 0 (for the sums).
                valid, ok, sub = self._validity(block, masked, need, hit)
                bad = ~ok
                nb_n = n - np.count_nonzero(bad, axis=1)
                nb[need] = nb_n
                np.copyto(sub, np.nan, where=bad)
                lo_n, hi_n = np.fmin.reduce(sub, axis=1), np.fmax.reduce(sub, axis=1)
                none = nb_n == 0
                lo_n[none], hi_n[none] = np.inf, -np.inf
                lo[need], hi[need] = lo_n, hi_n
                np.copyto(sub, 0.0, where=bad)
                mean_n = sub.sum(axis=1) / np.maximum(nb_n, 1)
                np.subtract(sub, mean_n[:, None], out=sub)
                np.copyto(sub, 0.0, where=bad)
                np.multiply(sub, sub, out=sub)
                mean_b[need], m2_b[need] = mean_n, sub.sum(axis=1)
            self._merge(nb, mean_b, m2_b)
        np.minimum(self.lo, lo, out=self.lo)
        np.maximum(self.hi, hi, out=self.hi)
        for i, ext in self._ints.items():
            self._exact_extremes(i, ext, lo[i], hi[i], raw[i], valid)
        self._block, self._valid = block, valid
        self._sample(block, valid, rows)

    def _fill(self, batch: Mapping[str, np.ndarray], n: int
              ) -> tuple[np.ndarray, np.ndarray | None, list[np.ndarray | None]]:
        """The batch's columns as one float64 block, which entries are masked, and the
        columns as given (for exact integer extremes)."""
        block = np.empty((len(self.names), n))
        masked = None
        raw: list[np.ndarray | None] = [None] * len(self.names)
        for i, name in enumerate(self.names):
            a = batch.get(name)
            if a is None:
                block[i] = np.nan
                continue
            if isinstance(a, np.ma.MaskedArray):
                m = np.ma.getmaskarray(a)
                if m.any():
                    masked = np.zeros(block.shape, dtype=bool) if masked is None else masked
                    masked[i] = m
                a = np.ma.getdata(a)
            if a.dtype.kind not in "iufb":
                a = self._coerce(i, a)
            block[i] = a
            raw[i] = a
        return block, masked, raw

    def _coerce(self, i: int, values: np.ndarray) -> np.ndarray:
        """A batch of another type (a text reader that changed its mind): numbers where they
        parse, missing elsewhere."""
        import pandas as pd

        self.notes[i] = "some batches were not numeric; what is not a number counts as missing"
        out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        return out.to_numpy(dtype=np.float64, na_value=np.nan)

    def _validity(self, block: np.ndarray, masked: np.ndarray | None, need: np.ndarray,
                  hit: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which entries are valid, computed for the columns that ``need`` it only; and,
        for those columns, their validity and a copy of their values. ``hit`` says which
        sentinels lie within each column's extremes (the others cannot occur in it)."""
        valid = np.ones(block.shape, dtype=bool)
        sub = block.take(np.flatnonzero(need), axis=0)  # a copy, quicker than block[need]
        ok = np.isfinite(sub)
        if hit is not None:
            sent, hit = self._sentinels[need], hit[need]
            for j in range(sent.shape[1]):
                rows = np.flatnonzero(hit[:, j])
                if len(rows) == len(sent):
                    ok &= sub != sent[:, j: j + 1]
                elif len(rows):
                    ok[rows] &= sub[rows] != sent[rows, j: j + 1]
        if masked is not None:
            ok &= ~masked[need]
        valid[need] = ok
        return valid, ok, sub

    def _merge(self, nb: np.ndarray, mean_b: np.ndarray, m2_b: np.ndarray) -> None:
        # Chan, Golub and LeVeque: (n, mean, M2) of the batch into the running ones.
        na = self.n
        tot = na + nb
        safe = np.maximum(tot, 1)
        delta = mean_b - self.mean
        has = nb > 0
        self.mean = np.where(has, self.mean + delta * nb / safe, self.mean)
        self.m2 = np.where(has, self.m2 + m2_b + delta * delta * na * nb / safe, self.m2)
        self.n = tot

    def _exact_extremes(self, i: int, ext: list[Any], lo: float, hi: float,
                        raw: np.ndarray | None, valid: np.ndarray | None) -> None:
        """Extremes of a 64-bit integer column as Python ints: from the float block while it
        is exact, from the column itself for values beyond 2**53."""
        if not lo <= hi:  # no valid value in this batch
            return
        if max(abs(lo), abs(hi)) < EXACT_FLOAT or raw is None or raw.dtype.kind not in "iu":
            blo, bhi = int(lo), int(hi)
        else:
            vals = raw if valid is None else raw[valid[i]]
            blo, bhi = int(vals.min()), int(vals.max())
        ext[0] = blo if ext[0] is None else min(ext[0], blo)
        ext[1] = bhi if ext[1] is None else max(ext[1], bhi)

    def _sample(self, block: np.ndarray, valid: np.ndarray | None, rows: Rows) -> None:
        if self._threshold < math.inf:
            idx = rows.below(self._threshold)
            if not len(idx):
                return
            # take: a third quicker than fancy indexing of the columns
            block, keys = block.take(idx, axis=1), rows.keys[idx]
            valid = valid.take(idx, axis=1) if valid is not None else None
        else:
            keys = rows.keys
        self._blocks.append(block)
        self._masks.append(valid)
        self._keys.append(keys)
        self._held += len(keys)
        if self._held > 2 * self.sample_size or (
                self._threshold == math.inf and self._held > self.sample_size):
            self._shrink()

    def _shrink(self) -> None:
        """Keep the sample_size rows with the smallest keys; drop the rest for good."""
        block, valid, keys = self._joined()
        if len(keys) > self.sample_size:
            keep = np.argpartition(keys, self.sample_size - 1)[: self.sample_size]
            block, keys = block.take(keep, axis=1), keys[keep]
            valid = valid.take(keep, axis=1) if valid is not None else None
            self._threshold = float(keys.max())
            self._bottom_k = True
        self._blocks, self._masks, self._keys, self._held = [block], [valid], [keys], len(keys)

    def _joined(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        if len(self._blocks) == 1:
            return self._blocks[0], self._masks[0], self._keys[0]
        if not self._blocks:
            return np.empty((len(self.names), 0)), None, np.empty(0)
        block = np.concatenate(self._blocks, axis=1)
        valid = None
        if any(m is not None for m in self._masks):
            valid = np.concatenate([m if m is not None else np.ones(b.shape, dtype=bool)
                                    for b, m in zip(self._blocks, self._masks, strict=True)],
                                   axis=1)
        return block, valid, np.concatenate(self._keys)

    def last(self, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        """The column in the last batch, as float64, and which of its rows are valid (None:
        all of them)."""
        i = self.index[name]
        return self._block[i], (self._valid[i] if self._valid is not None else None)

    def results(self) -> dict[str, ColumnStats]:
        if self._bottom_k and self._held > self.sample_size:
            # The k smallest keys are the same whatever the batches were; what a shrink in
            # between left beyond them is not.
            self._shrink()
        block, valid, _ = self._joined()
        sizes = ([block.shape[1]] * len(self.names) if valid is None
                 else np.count_nonzero(valid, axis=1).tolist())
        # Columns read as another type at times (notes) hold values of no narrower dtype.
        narrow = [None if i in self.notes else exact_dtype(d) for i, d in enumerate(self.dtypes)]
        quantiles: list[np.ndarray] = [np.empty(0)] * len(self.names)
        wide = [i for i, t in enumerate(narrow) if t is None]
        for dtype in {t for t in narrow if t is not None}:
            rows = [i for i, t in enumerate(narrow) if t == dtype]
            narrow_qs = quantiles_padded(block, valid, rows, np.array([sizes[i] for i in rows]),
                                         dtype)
            for i, qs in zip(rows, narrow_qs, strict=True):
                quantiles[i] = qs
        if wide and valid is None and block.shape[1]:
            # Every column is whole: its rows of the block are its sample, quantiles taken
            # in place (the block is not needed any more) rather than from a copy.
            got = list(quantiles_2d(block if len(wide) == len(self.names) else block[wide]))
        elif len(wide) > 1 and block.shape[1] <= PADDED_WIDE:
            # A short sample, some values missing: one sort of all the columns, the missing
            # values last (the same quantiles as a sort per column, in fewer numpy calls).
            got = list(quantiles_padded(block, valid, wide, np.array([sizes[i] for i in wide]),
                                        np.dtype(np.float64)))
        else:
            got = quantiles_of([block[i] if valid is None else block[i][valid[i]]
                                for i in wide])
        for i, qs in zip(wide, got, strict=True):
            quantiles[i] = qs
        # Python numbers, converted once for all the columns: numpy scalars one by one cost
        # more than the statistics.
        numbers = (self.n.tolist(), self.lo.tolist(), self.hi.tolist(), self.mean.tolist(),
                   self.m2.tolist())
        qs_lists = (np.vstack(quantiles).tolist() if quantiles else [])
        return {name: self._stats(i, sizes[i], qs_lists[i], *numbers)
                for i, name in enumerate(self.names)}

    def _stats(self, i: int, sampled: int, qs: list[float], ns: list[int], los: list[float],
               his: list[float], means: list[float], m2s: list[float]) -> ColumnStats:
        n = ns[i]
        stats = ColumnStats(kind="numeric", count=self.rows, missing=self.rows - n,
                            note=self.notes.get(i))
        if n == 0:
            return stats
        if i in self._ints:
            stats.min, stats.max = self._ints[i]
        elif self.dtypes[i].kind in "iu":
            stats.min, stats.max = int(los[i]), int(his[i])
        else:
            stats.min, stats.max = los[i], his[i]
        stats.mean = means[i]
        stats.std = math.sqrt(m2s[i] / (n - 1)) if n > 1 else None
        stats.quantiles = {name: x if math.isfinite(x) else None
                           for name, x in zip(_QUANTILE_NAMES, qs, strict=True)}
        stats.quantiles_exact = sampled == n
        stats.sample_size = sampled
        return stats


_QUANTILE_NAMES = [f"p{q}" for q in QUANTILES]


def _sentinel_matrix(dtypes: list[np.dtype], sentinels: Sentinels) -> np.ndarray:
    """columns x sentinels, as float64 values of each column's dtype; NaN where a sentinel
    cannot occur in a column (not an integer for an integer column, out of range). A row
    per dtype is worked out once: a catalog's tables share a few dtypes and sentinels."""
    rows = [_sentinel_row(d, tuple(sentinels.numbers)) for d in dtypes]
    if not rows:
        return np.empty((0, len(sentinels.numbers)))
    return np.array(rows, dtype=np.float64).reshape(len(dtypes), len(sentinels.numbers))


@functools.lru_cache(maxsize=1024)
def _sentinel_row(dtype: np.dtype, numbers: tuple[float, ...]) -> tuple[float, ...]:
    found = Sentinels(numbers).numeric_for(dtype, keep_place=True)
    return tuple(math.nan if v is None else float(v) for v in found)
