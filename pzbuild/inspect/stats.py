"""Streaming per-column statistics, fed batch by batch with numpy arrays: what they give
(:class:`ColumnStats`), the sentinels, the sampling keys, the accumulators of text, boolean
and vector columns, and the quantiles of samples. Numeric columns are summed up many at a time
by :class:`pzbuild.inspect.numeric.NumericBlock`.

Each accumulator sees every batch once and keeps a bounded state, so that a table of any size
is summarised in one pass; the work on a batch is vectorised. Missing values (nulls, NaN, ±inf
and the product's sentinels) are counted in ``missing`` and left out of everything else.

Every row draws a sampling key in [0, 1) from a generator with a fixed seed; the keys depend on
the row number only, so a sample chosen by its keys, and with it the whole summary, does not
depend on the batch size.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

SAMPLE_SIZE = 10_000  # rows sampled per table for the quantiles
DISTINCT_CAP = 10_000  # distinct values counted per text column before giving up on new ones
TOP_VALUES = 10
QUANTILES = (1, 5, 25, 50, 75, 95, 99)  # percent
TEXT_CLIP = 80  # characters of a top value that are kept
SEED = 20240531


@dataclass
class ColumnStats:
    """What a column holds. ``kind`` says which of the optional fields are set:

    numeric: min, max, mean, std (sample standard deviation, ddof=1 as pandas), quantiles
    (keys "p1" ... "p99"), quantiles_exact, sample_size; text: distinct, distinct_capped,
    top ([value, count], most frequent first); bool: true_count; vector and other: counts only.
    """

    kind: str  # "numeric", "bool", "text", "vector", "other"
    count: int = 0  # rows
    missing: int = 0  # nulls, NaN, ±inf and sentinels
    min: float | int | None = None
    max: float | int | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float | None] | None = None
    quantiles_exact: bool | None = None
    sample_size: int | None = None
    distinct: int | None = None
    distinct_capped: bool | None = None
    top: list[tuple[str, int]] | None = None
    true_count: int | None = None
    note: str | None = None

    @property
    def valid(self) -> int:
        return self.count - self.missing

    @property
    def all_missing(self) -> bool:
        return self.count > 0 and self.missing == self.count

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v is not None}
        if self.top is not None:  # lists, as JSON gives them back (see FileSummary.cached)
            out["top"] = [[v, c] for v, c in self.top]
        for k in ("min", "max", "mean", "std"):  # sums of huge values overflow; JSON has no inf
            v = out.get(k)
            if isinstance(v, float) and not math.isfinite(v):
                del out[k]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnStats:
        kw = data if _STATS_FIELDS.issuperset(data) else {
            k: v for k, v in data.items() if k in _STATS_FIELDS}
        top = kw.get("top")
        if top is not None:
            kw = {**kw, "top": [(str(v), int(c)) for v, c in top]}
        # As cls(**kw) without the generated __init__'s cost, which showed in warm builds
        # (a catalog holds tens of thousands of columns): the defaults, then the fields given.
        if "kind" not in kw:
            raise TypeError("ColumnStats.from_dict: 'kind' is missing")
        out = cls.__new__(cls)
        out.__dict__.update(_STATS_DEFAULTS)
        out.__dict__.update(kw)
        return out


_STATS_FIELDS = frozenset(f.name for f in fields(ColumnStats))
_STATS_DEFAULTS = {f.name: f.default for f in fields(ColumnStats) if f.name != "kind"}


class Sentinels:
    """The product's ``null_values``, prepared for numeric and for text comparison."""

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self.numbers: list[float] = []
        texts: set[str] = set()
        for v in values:
            if isinstance(v, bool) or v is None:
                continue
            if isinstance(v, (int, float)):
                self.numbers.append(float(v))
                texts.add(str(v))
                if float(v).is_integer():
                    texts.add(str(int(v)))
            elif isinstance(v, str):
                texts.add(v)
                try:
                    self.numbers.append(float(v))
                except ValueError:
                    pass
        self.texts = sorted(texts)

    def numeric_for(self, dtype: np.dtype, keep_place: bool = False) -> list[Any]:
        """The sentinels as values of ``dtype`` (the float32 nearest to -9.999 for float32).
        Those that no such value can equal are left out, or None with ``keep_place``."""
        out: list[Any] = []
        for v in self.numbers:
            value = None
            if dtype.kind == "f":
                cast = dtype.type(v)
                if np.isfinite(cast):
                    value = cast
            elif dtype.kind in "iu" and math.isfinite(v) and v.is_integer():
                info = np.iinfo(dtype)
                if info.min <= v <= info.max:
                    value = dtype.type(int(v))
            if value is not None or keep_place:
                out.append(value)
        return out


class Rows:
    """The sampling keys of a batch's rows. The rows whose keys fall below a threshold are found
    once for all the columns that sample at that threshold."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = keys
        self._below: dict[float, np.ndarray] = {}

    def below(self, threshold: float) -> np.ndarray:
        idx = self._below.get(threshold)
        if idx is None:
            idx = self._below[threshold] = np.flatnonzero(self.keys < threshold)
        return idx


class Accumulator:
    kind = "other"

    def __init__(self) -> None:
        self.count = 0
        self.missing = 0

    def update(self, values: np.ndarray, rows: Rows | np.ndarray) -> None:
        """Add a batch; ``rows`` holds the sampling keys of its rows."""
        self.count += len(values)

    def result(self) -> ColumnStats:
        return ColumnStats(kind=self.kind, count=self.count, missing=self.missing)


class VectorAccumulator(Accumulator):
    kind = "vector"


class BoolAccumulator(Accumulator):
    kind = "bool"

    def __init__(self) -> None:
        super().__init__()
        self.true_count = 0

    def update(self, values: np.ndarray, rows: Rows | np.ndarray) -> None:
        self.count += len(values)
        if isinstance(values, np.ma.MaskedArray):
            valid = ~np.ma.getmaskarray(values)
            self.missing += len(values) - int(np.count_nonzero(valid))
            values = np.ma.getdata(values)[valid]
        self.true_count += int(np.count_nonzero(values))

    def result(self) -> ColumnStats:
        return ColumnStats(kind=self.kind, count=self.count, missing=self.missing,
                           true_count=self.true_count)


class TextAccumulator(Accumulator):
    """Distinct values (counted up to DISTINCT_CAP) and the most frequent values of a text or
    categorical column. Past the cap, only values already seen are counted further."""

    kind = "text"

    def __init__(self, sentinels: Sentinels) -> None:
        super().__init__()
        self.sentinels = {*sentinels.texts, *(t.encode("utf-8") for t in sentinels.texts)}
        self.counts: dict[Any, int] = {}
        self.capped = False

    def update(self, values: np.ndarray, rows: Rows | np.ndarray) -> None:
        import pandas as pd

        n = len(values)
        self.count += n
        if isinstance(values, np.ma.MaskedArray):
            values = np.ma.getdata(values)[~np.ma.getmaskarray(values)]
            self.missing += n - len(values)
        if len(values) == 0:
            return
        # Codes of the distinct values (nulls and NaN: -1) and one count per code: the
        # sentinels are then looked for among the few distinct values, not in every row.
        try:
            codes, uniques = pd.factorize(values.astype(object) if values.dtype.kind == "S"
                                          else values)
        except TypeError:  # unhashable cells (lists, arrays): count them by their text
            codes, uniques = pd.factorize(np.array([str(v) for v in values], dtype=object))
        tally = np.bincount(codes + 1, minlength=len(uniques) + 1)
        self.missing += int(tally[0])
        counts = self.counts
        for v, c in zip(uniques.tolist(), tally[1:].tolist(), strict=True):
            if isinstance(v, (str, bytes)) and v in self.sentinels:
                self.missing += c
            elif not self.capped or v in counts:
                counts[v] = counts.get(v, 0) + c
        if len(counts) > DISTINCT_CAP:
            self.capped = True

    def result(self) -> ColumnStats:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], _text(kv[0])))
        return ColumnStats(
            kind=self.kind, count=self.count, missing=self.missing,
            distinct=min(len(self.counts), DISTINCT_CAP) if self.capped else len(self.counts),
            distinct_capped=self.capped,
            top=[(_text(v)[:TEXT_CLIP], int(c)) for v, c in ranked[:TOP_VALUES]],
            note=(f"more than {DISTINCT_CAP} distinct values; the counts of the top values "
                  "are lower bounds") if self.capped else None)


def is_numeric(first: np.ndarray) -> bool:
    """Whether a column, judged by its first batch, goes to a :class:`NumericBlock`."""
    return first.ndim == 1 and first.dtype.kind in "iuf"


def make_accumulator(first: np.ndarray, sentinels: Sentinels) -> Accumulator:
    """The accumulator of a column that is not numeric, chosen from its first batch."""
    if first.ndim > 1:
        return VectorAccumulator()
    kind = first.dtype.kind
    if kind == "b":
        return BoolAccumulator()
    if kind in "USO":
        return TextAccumulator(sentinels)
    return Accumulator()


_LEVELS = np.array(QUANTILES, dtype=np.float64) / 100


def quantiles_of(samples: list[np.ndarray]) -> list[np.ndarray]:
    """np.quantile(sample, QUANTILES / 100) (linear interpolation) of each sample; sorts the
    samples in place. Samples of one length (the columns without missing values, which
    share their sampled rows) are done together: numpy's per-call overhead would otherwise
    dominate for the many small columns of a catalog."""
    out: list[np.ndarray] = [np.empty(0)] * len(samples)
    groups: dict[int, list[int]] = {}
    for i, sample in enumerate(samples):
        groups.setdefault(len(sample), []).append(i)
    for n, members in groups.items():
        if n == 0:
            for i in members:
                out[i] = np.full(len(QUANTILES), np.nan)
            continue
        block = samples[members[0]][None, :] if len(members) == 1 else np.stack(
            [samples[i] for i in members])
        for i, qs in zip(members, quantiles_2d(block), strict=True):
            out[i] = qs
    return out


def exact_dtype(dtype: np.dtype) -> np.dtype | None:
    """The dtype that a column of ``dtype`` is sorted in for its quantiles (see
    :func:`quantiles_padded`): one that holds its values exactly and that numpy sorts faster
    than float64 (the order statistics, and so the quantiles, are the same);
    None for float64 and 64-bit integers, whose quantiles come from :func:`quantiles_2d`."""
    if dtype.kind == "f" and dtype.itemsize <= 4:
        return np.dtype(np.float32)
    if dtype.kind in "iu" and dtype.itemsize <= 2 and not (dtype.kind == "u"
                                                           and dtype.itemsize == 2):
        return np.dtype(np.int16)
    if dtype.kind in "iu" and dtype.itemsize <= 4 and not (dtype.kind == "u"
                                                           and dtype.itemsize == 4):
        return np.dtype(np.int32)
    return None


def quantiles_padded(block: np.ndarray, valid: np.ndarray | None, rows: list[int],
                     sizes: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The quantiles of the valid values of some rows of ``block`` (float64 values that
    ``dtype`` holds exactly, see :func:`exact_dtype`), ``sizes`` of them per row; NaN for a
    row without any. One sort for all the rows: the missing entries are replaced by the
    largest value of ``dtype``, so each row's valid values come first, in order."""
    if block.shape[1] == 0:
        return np.full((len(rows), len(QUANTILES)), np.nan)
    ordered = np.empty((len(rows), block.shape[1]), dtype=dtype)
    with np.errstate(invalid="ignore"):  # NaN where a value is missing: replaced below
        for j, i in enumerate(rows):  # cast row by row: no float64 copy of the rows first
            ordered[j] = block[i]
    if valid is not None:
        top = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
        np.copyto(ordered, dtype.type(top), where=~valid.take(rows, axis=0))
    # 16-bit integers by numpy's radix sort (kind "stable"), several times quicker for them
    ordered.sort(axis=1, kind="stable" if dtype.itemsize <= 2 else "quicksort")
    n = np.maximum(sizes, 1)[:, None]
    pos = _LEVELS[None, :] * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    # each row's values at its ranks lo and hi (np.take_along_axis, without its checks)
    start = (np.arange(len(rows), dtype=np.intp) * ordered.shape[1])[:, None]
    flat = ordered.reshape(-1)
    a = flat[start + lo].astype(np.float64)
    b = flat[start + hi].astype(np.float64)
    out = _lerp(a, b, pos - lo)
    out[sizes == 0] = np.nan
    return out


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        # numpy's _lerp: exact at both ends, monotonic in t
        diff = b - a
        return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def quantiles_2d(block: np.ndarray) -> np.ndarray:
    """The quantiles of each row of ``block`` (valid values only, at least one per row), which
    is sorted in place. A sort rather than a partition at the quantiles' ranks: numpy sorts
    with SIMD kernels (AVX2, AVX-512, Highway) but partitions at several ranks without them;
    measured, float64 rows of 10,000 take 5 ns per value to sort with AVX2 and 21 to
    partition at the 7 ranks. Without SIMD the two cost about the same."""
    lo, hi, t = _positions(block.shape[1])
    block.sort(axis=1)
    return _lerp(block[:, lo], block[:, hi], t)


@functools.lru_cache(maxsize=256)
def _positions(n: int) -> tuple[np.ndarray, ...]:
    """For rows of n values: the rank below each quantile (lo), the next one (hi, the same at
    the end) and the fraction of the way to it (t). Worked out once per length (read only:
    shared)."""
    pos = _LEVELS * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    out = (lo, np.minimum(lo + 1, n - 1), pos - lo)
    for a in out:
        a.flags.writeable = False
    return out


def _scalar(x: Any) -> float | int | None:
    if x is None:
        return None
    if isinstance(x, (np.integer, int)):
        return int(x)
    return float(x)


def _text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)
