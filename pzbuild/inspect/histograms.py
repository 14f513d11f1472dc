"""Exact histograms in one pass: the redshift distribution and the sky density.

Both count on a fine grid whose cells are powers of two apart, so that coarsening the grid
(when the data spread too far for it) merges whole cells and the counts stay exact. The
grid's level depends on the data only, never on the batch size. At the end the fine counts
are added up into the few dozen bins that a page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

HIST_BASE_EXP = -20  # the finest 1-D bin is 2**-20 wide
HIST_CAP = 1 << 13  # fine 1-D bins at most
HIST_BINS = 60  # at most this many bins in the result
INT_SAFE = float(1 << 62)

SKY_MAX_LEVEL = 15  # the finest sky cell: 180 / 2**15 deg of dec (20"), 360 / 2**16 of RA
SKY_CELL_CAP = 1 << 18  # occupied fine sky cells at most: 64 per shown bin is plenty
SKY_BINS = 64  # at most this many bins per axis in the result
#: The occupied RA cells of a one-batch table are found by sorting its rows when there are
#: fewer than 1/SKY_SORT_FACTOR of the RA cells, else by marking the cells (measured).
SKY_SORT_FACTOR = 16


@dataclass
class Histogram:
    """Counts of a column between ``edges`` (len(counts) + 1 increasing values)."""

    column: str
    edges: list[float]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "edges": self.edges, "counts": self.counts}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        # JSON gives numbers already; checking each one again costs more than the decoding.
        return cls(str(data["column"]), list(data["edges"]), list(data["counts"]))


@dataclass
class SkyDensity:
    """Counts of objects on an RA x Dec grid, ``counts[i][j]`` between ``dec_edges[i:i+2]`` and
    ``ra_edges[j:j+2]`` (degrees). When the data straddle RA = 0 the RA edges start below 0
    (e.g. -10 ... 10) and ``ra_wraps`` is true; take them modulo 360."""

    ra_column: str
    dec_column: str
    ra_edges: list[float]
    dec_edges: list[float]
    counts: list[list[int]]
    ra_wraps: bool = False

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies thousands of counts one by one.
        return {"ra_column": self.ra_column, "dec_column": self.dec_column,
                "ra_edges": self.ra_edges, "dec_edges": self.dec_edges, "counts": self.counts,
                "ra_wraps": self.ra_wraps}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SkyDensity:
        # The rows are taken as they are (a cached entry is parsed afresh for each read and
        # a SkyDensity is never changed once made): copying 64 rows per table was a tenth
        # of a warm build's inspection.
        return cls(str(data["ra_column"]), str(data["dec_column"]), list(data["ra_edges"]),
                   list(data["dec_edges"]), list(data["counts"]),
                   bool(data.get("ra_wraps", False)))


class FineHistogram:
    """Exact counts in bins [k w, (k+1) w) with w = 2**(HIST_BASE_EXP + level); the bins held
    grow at either end as data come, and the level rises when the data spread over more than
    HIST_CAP bins."""

    def __init__(self, column: str) -> None:
        self.column = column
        self.level = 0
        self.k0 = 0
        self.counts = np.zeros(0, dtype=np.int64)
        self.lo = math.inf
        self.hi = -math.inf

    def _width(self, level: int) -> float:
        return math.ldexp(1.0, HIST_BASE_EXP + level)

    def _fits(self, level: int) -> bool:
        w = self._width(level)
        if max(abs(self.lo), abs(self.hi)) / w >= INT_SAFE:
            return False
        return math.floor(self.hi / w) - math.floor(self.lo / w) < HIST_CAP

    def _lowest_level(self) -> int:
        """A level below which the data cannot fit (so the search starts there, not at 0):
        with w = 2**(HIST_BASE_EXP + level), they span more than (hi - lo) / w - 1 bins."""
        span = self.hi - self.lo
        if not span > 0 or not math.isfinite(span):
            return 0
        # (hi - lo) / w - 1 >= HIST_CAP, i.e. no fit, while w <= span / (HIST_CAP + 1); one
        # level less than that bound allows for rounding
        return max(0, math.floor(math.log2(span / (HIST_CAP + 1))) - HIST_BASE_EXP - 1)

    def update(self, values: np.ndarray) -> None:
        """Add finite float64 values."""
        if len(values) == 0:
            return
        blo, bhi = float(values.min()), float(values.max())
        self.lo, self.hi = min(self.lo, blo), max(self.hi, bhi)
        level = max(self.level, self._lowest_level())
        while not self._fits(level):
            level += 1
        if level != self.level:
            self._coarsen(level - self.level)
        w = self._width(self.level)
        kb0, kb1 = math.floor(blo / w), math.floor(bhi / w)
        # Scaling by a power of two is exact, so a value always lands in the same bin.
        k = np.floor(values * (1.0 / w)).astype(np.int64)
        k -= kb0
        c = np.bincount(k, minlength=kb1 - kb0 + 1)
        self._cover(kb0, kb1)
        self.counts[kb0 - self.k0: kb1 - self.k0 + 1] += c

    def _cover(self, kb0: int, kb1: int) -> None:
        if len(self.counts) == 0:
            self.k0, self.counts = kb0, np.zeros(kb1 - kb0 + 1, dtype=np.int64)
            return
        k1 = self.k0 + len(self.counts) - 1
        if kb0 >= self.k0 and kb1 <= k1:
            return
        new0, new1 = min(kb0, self.k0), max(kb1, k1)
        grown = np.zeros(new1 - new0 + 1, dtype=np.int64)
        grown[self.k0 - new0: self.k0 - new0 + len(self.counts)] = self.counts
        self.k0, self.counts = new0, grown

    def _coarsen(self, steps: int) -> None:
        self.level += steps
        if len(self.counts) == 0:
            return
        self.counts, self.k0 = _merge_runs(self.counts, self.k0, steps)

    def result(self, max_bins: int = HIST_BINS) -> Histogram | None:
        nz = np.flatnonzero(self.counts)
        if len(nz) == 0:
            return None
        counts = self.counts[nz[0]: nz[-1] + 1]
        first = self.k0 + int(nz[0])
        per = max(1, math.ceil(len(counts) / max_bins))
        nbins = math.ceil(len(counts) / per)
        padded = np.zeros(nbins * per, dtype=np.int64)
        padded[: len(counts)] = counts
        w = self._width(self.level)
        edges = [(first + per * i) * w for i in range(nbins + 1)]
        return Histogram(self.column, edges, padded.reshape(nbins, per).sum(axis=1).tolist())


def _merge_runs(counts: np.ndarray, k0: int, steps: int) -> tuple[np.ndarray, int]:
    """Counts of bins k0, k0+1, ... merged into bins k >> steps."""
    keys = (k0 + np.arange(len(counts), dtype=np.int64)) >> steps
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.add.reduceat(counts, starts), int(keys[0])


class SkyGrid:
    """Exact counts of (ra, dec) in the cells of a fixed hierarchical grid: at level L, 2**(L+1)
    RA cells round the circle and 2**L Dec cells from -90 to 90. Only occupied cells are kept
    (sorted cell ids and counts); when more than SKY_CELL_CAP are occupied the level drops."""

    def __init__(self, ra_column: str, dec_column: str) -> None:
        self.ra_column, self.dec_column = ra_column, dec_column
        self.level = SKY_MAX_LEVEL
        self.ids = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_n = 0
        # The cells of each row of the first batch, as they are: most tables are one batch,
        # whose result is then counted straight into the shown bins (see result), without
        # first finding the occupied cells (a sort of the batch).
        self._first: tuple[np.ndarray, np.ndarray] | None = None

    def update(self, ra: np.ndarray, dec: np.ndarray) -> None:
        """Add valid (finite) positions in degrees; RA is taken modulo 360, Dec clipped."""
        if len(ra) == 0:
            return
        nra_max = 1 << (SKY_MAX_LEVEL + 1)
        ndec_max = 1 << SKY_MAX_LEVEL
        # Cell indices at the finest level first, then shifted: the same cell at any level.
        # (the modulo and the clip change nothing when the values are in range: skipped then,
        # as they cost more than finding the extremes)
        if not 0.0 <= ra.min() <= ra.max() < 360.0:
            ra = np.mod(ra, 360.0)
        ira = (ra * (nra_max / 360.0)).astype(np.int64)
        np.minimum(ira, nra_max - 1, out=ira)
        if not -90.0 <= dec.min() <= dec.max() <= 90.0:
            dec = np.clip(dec, -90.0, 90.0)
        idec = ((dec + 90.0) * (ndec_max / 180.0)).astype(np.int64)
        np.minimum(idec, ndec_max - 1, out=idec)  # Dec = 90; none is below 0 (Dec >= -90)
        shift = SKY_MAX_LEVEL - self.level
        if shift:
            ira >>= shift
            idec >>= shift
        self._unfold_first()
        if not self.ids.size and not self._pending and len(ira) <= SKY_CELL_CAP:
            self._first = ira, idec  # no more cells than the cap: the level stays
            return
        ids, counts = _count_cells(ira, idec, 1 << self.level)
        self._pending.append((ids, counts))
        self._pending_n += len(ids)
        if self._pending_n >= 2 * max(len(self.ids), 1 << 16):
            self._merge()

    def _unfold_first(self) -> None:
        """The first batch's cells into the occupied cells, once a second batch comes."""
        if self._first is not None:
            ira, idec = self._first
            self._first = None
            self._pending.append(_count_cells(ira, idec, 1 << self.level))
            self._pending_n += len(self._pending[-1][0])

    def _merge(self) -> None:
        if len(self._pending) == 1 and len(self.ids) == 0:
            # the cells of one batch (most tables are one): sorted and distinct already
            self.ids, self.counts = self._pending[0]
            self._pending, self._pending_n = [], 0
        elif self._pending:
            ids = np.concatenate([self.ids] + [p[0] for p in self._pending])
            counts = np.concatenate([self.counts] + [p[1] for p in self._pending])
            self.ids, self.counts = _aggregate(ids, counts)
            self._pending, self._pending_n = [], 0
        while len(self.ids) > SKY_CELL_CAP:
            ndec = 1 << self.level
            ira, idec = self.ids // ndec, self.ids % ndec
            self.level -= 1
            self.ids, self.counts = _aggregate((ira >> 1) * (ndec >> 1) + (idec >> 1),
                                               self.counts)

    def result(self, max_bins: int = SKY_BINS) -> SkyDensity | None:
        if self._first is None:
            self._merge()  # which may lower the level
        ndec, nra = 1 << self.level, 1 << (self.level + 1)
        weights: np.ndarray | None
        if self._first is not None:  # one batch: its rows' cells, each counted once
            ira, idec = self._first
            if SKY_SORT_FACTOR * len(ira) < nra:  # few rows: sorting them beats a scan
                ra_cells = np.unique(ira)
            else:
                occupied = np.zeros(nra, dtype=bool)
                occupied[ira] = True
                ra_cells = np.flatnonzero(occupied)
            weights = None
        else:
            if len(self.ids) == 0:
                return None
            ira = self.ids >> self.level  # ids = ira * ndec + idec, ndec a power of two
            idec = self.ids & (ndec - 1)
            first = np.ones(len(ira), dtype=bool)
            first[1:] = ira[1:] != ira[:-1]  # the ids are sorted, so ira is too
            ra_cells, weights = ira[first], self.counts
        start = _ra_start(ra_cells, nra)
        ura = (ira - start) % nra
        dmin = int(idec.min())
        ura_span, dec_span = int(ura.max()) + 1, int(idec.max()) - dmin + 1
        per_ra = max(1, math.ceil(ura_span / max_bins))
        per_dec = max(1, math.ceil(dec_span / max_bins))
        n_ra, n_dec = math.ceil(ura_span / per_ra), math.ceil(dec_span / per_dec)
        flat = ((idec - dmin) // per_dec) * n_ra + ura // per_ra
        grid = np.bincount(flat, weights=weights, minlength=n_ra * n_dec)
        if weights is not None:  # float sums of integer counts
            grid = np.rint(grid).astype(np.int64)
        grid = grid.reshape(n_dec, n_ra)
        ra_cell, dec_cell = 360.0 / nra, 180.0 / ndec
        wraps = start + ura_span > nra
        offset = -360.0 if wraps else 0.0
        # The edges of cells i: integer cell numbers (exact) times the cell's size, the same
        # float64 operations as element by element in Python.
        ra_edges = ((start + per_ra * np.arange(n_ra + 1)) * ra_cell + offset).tolist()
        dec_edges = np.minimum(90.0, -90.0 + (dmin + per_dec * np.arange(n_dec + 1)) * dec_cell
                               ).tolist()
        return SkyDensity(self.ra_column, self.dec_column, ra_edges, dec_edges, grid.tolist(),
                          bool(wraps))


def _count_cells(ira: np.ndarray, idec: np.ndarray, ndec: int) -> tuple[np.ndarray, np.ndarray]:
    """Occupied cell ids of a batch, sorted, and their counts: a bincount over the batch's
    bounding box when it is small (sky-ordered files), a sort otherwise."""
    r0, r1 = int(ira.min()), int(ira.max())
    d0, d1 = int(idec.min()), int(idec.max())
    box = (r1 - r0 + 1) * (d1 - d0 + 1)
    if box <= 16 * len(ira) + 4096:  # zeroing and scanning the box beats sorting the batch
        local = np.bincount((ira - r0) * (d1 - d0 + 1) + (idec - d0), minlength=box)
        nz = np.flatnonzero(local)
        ids = (nz // (d1 - d0 + 1) + r0) * ndec + (nz % (d1 - d0 + 1) + d0)
        return ids.astype(np.int64), local[nz].astype(np.int64)
    ids, counts = np.unique(ira * ndec + idec, return_counts=True)
    return ids, counts.astype(np.int64)


def _aggregate(ids: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(ids, kind="stable")
    ids, counts = ids[order], counts[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return ids[starts], np.add.reduceat(counts, starts)


def _ra_start(cells: np.ndarray, n: int) -> int:
    """The first RA cell of the shortest arc holding every occupied cell: just after the
    widest empty gap on the circle (the gap across RA = 0 wins ties, so no wrap when none is
    needed)."""
    if len(cells) == 1:
        return int(cells[0])
    wrap_gap = int(cells[0]) + n - int(cells[-1])
    gaps = np.diff(cells)
    i = int(np.argmax(gaps))
    if wrap_gap >= gaps[i]:
        return int(cells[0])
    return int(cells[i + 1])
