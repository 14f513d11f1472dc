"""Streaming accumulators and histograms against numpy and pandas on the whole data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pzbuild.inspect import histograms as H
from pzbuild.inspect import numeric as N
from pzbuild.inspect.numeric import NumericBlock
from pzbuild.inspect.stats import (
    QUANTILES,
    SAMPLE_SIZE,
    SEED,
    BoolAccumulator,
    ColumnStats,
    Rows,
    Sentinels,
    TextAccumulator,
    is_numeric,
    make_accumulator,
    quantiles_of,
)

REL = 1e-9


def feed(values: np.ndarray, batch: int, sentinels: list[object] = (),  # type: ignore[assignment]
         rows: int | None = None) -> ColumnStats:
    """Statistics of ``values`` fed in batches; ``rows``: the row count a file would state."""
    numeric = is_numeric(values[:1])
    block = NumericBlock({"x": values.dtype}, Sentinels(sentinels), rows) if numeric else None
    acc = None if numeric else make_accumulator(values[:1], Sentinels(sentinels))
    rng = np.random.default_rng(SEED)
    for i in range(0, len(values), batch):
        part = values[i: i + batch]
        keys = Rows(rng.random(len(part)))
        if block is not None:
            block.update({"x": part}, keys)
        else:
            acc.update(part, keys)  # type: ignore[union-attr]
    return block.results()["x"] if block is not None else acc.result()  # type: ignore[union-attr]


def dirty(n: int = 5000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Redshifts with NaN, ±inf and -99 / 99 sentinels, and the clean values."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 0.4, n)
    x[rng.random(n) < 0.05] = np.nan
    x[rng.random(n) < 0.01] = np.inf
    x[rng.random(n) < 0.01] = -np.inf
    x[rng.random(n) < 0.03] = -99.0
    x[rng.random(n) < 0.03] = 99.0
    clean = x[np.isfinite(x) & (x != -99) & (x != 99)]
    return x, clean


@pytest.mark.parametrize("batch", [7, 1000, 65536])
def test_numeric_matches_numpy_and_excludes_missing(batch: int) -> None:
    x, clean = dirty()
    s = feed(x, batch, [-99, 99])
    assert s.kind == "numeric"
    assert s.count == len(x)
    assert s.missing == len(x) - len(clean)
    assert s.min == clean.min() and s.max == clean.max()
    assert s.mean == pytest.approx(clean.mean(), rel=REL)
    assert s.std == pytest.approx(pd.Series(clean).std(), rel=REL)
    assert s.quantiles_exact is True and s.sample_size == len(clean)
    expected = np.quantile(clean, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    assert list(s.quantiles.values()) == pytest.approx(expected, rel=1e-12)  # type: ignore[union-attr]
    assert list(s.quantiles) == ["p1", "p5", "p25", "p50", "p75", "p95", "p99"]  # type: ignore[arg-type]


def test_float32_and_integer_sentinels_compare_numerically() -> None:
    mags = np.array([20.5, -9.999, 21.0, 99.0, np.nan], dtype=np.float32)
    s = feed(mags, 2, [-9.999, 99, "-99"])
    assert (s.count, s.missing) == (5, 3)
    assert s.min == pytest.approx(20.5) and s.max == pytest.approx(21.0)
    flags = np.array([1, -99, 3, 4, -99], dtype=np.int16)
    s = feed(flags, 3, [-99, -9.999, 1e9])  # 1e9 does not fit int16, -9.999 is no integer
    assert (s.missing, s.min, s.max) == (2, 1, 4)
    assert isinstance(s.min, int)
    assert s.mean == pytest.approx(8 / 3, rel=REL)


def test_integers_keep_exact_extremes() -> None:
    ids = np.array([2**62 + 1, 2**62 + 3, 5], dtype=np.int64)
    s = feed(ids, 2)
    assert s.max == 2**62 + 3 and s.min == 5


def test_whole_nan_column() -> None:
    s = feed(np.full(100, np.nan), 7)
    assert (s.count, s.missing, s.all_missing) == (100, 100, True)
    assert s.mean is None and s.std is None and s.quantiles is None and s.min is None
    json.dumps(s.to_dict(), allow_nan=False)


def test_single_value_has_no_std() -> None:
    s = feed(np.array([np.nan, 3.0]), 1)
    assert (s.mean, s.std, s.quantiles_exact) == (3.0, None, True)


def test_large_column_samples_quantiles_the_same_for_any_batch_size() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, 3 * SAMPLE_SIZE + 17)
    a, b = feed(x, 777, []), feed(x, 65536, [])
    assert a.quantiles_exact is False and a.sample_size == SAMPLE_SIZE
    assert a.quantiles == b.quantiles
    truth = np.quantile(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    assert list(a.quantiles.values()) == pytest.approx(truth, abs=0.05)  # type: ignore[union-attr]
    assert a.mean == pytest.approx(x.mean(), rel=REL)
    assert a.std == pytest.approx(x.std(ddof=1), rel=REL)


@pytest.mark.parametrize("stated", [None, 3 * SAMPLE_SIZE + 17, 1000])
def test_sampling_with_and_without_a_stated_row_count(stated: int | None) -> None:
    # Known row count: a Bernoulli sample of about SAMPLE_SIZE rows; unknown or wrong (1000):
    # the SAMPLE_SIZE rows with the smallest keys. Either way independent of the batches, and
    # the column's sample is its valid values in those rows (90 % of them here).
    rng = np.random.default_rng(8)
    x = rng.normal(5.0, 2.0, 3 * SAMPLE_SIZE + 17)
    x[::10] = np.nan
    a, b = feed(x, 333, rows=stated), feed(x, 65536, rows=stated)
    assert a.quantiles == b.quantiles and a.sample_size == b.sample_size
    assert a.quantiles_exact is False
    assert abs(a.sample_size - 0.9 * SAMPLE_SIZE) < 500  # type: ignore[operator]
    truth = np.nanquantile(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    assert list(a.quantiles.values()) == pytest.approx(truth, abs=0.1)  # type: ignore[union-attr]


def test_quantiles_of_many_samples_match_numpy() -> None:
    rng = np.random.default_rng(11)
    for n in (1, 2, 3, 7, 100, 101, 5000):
        samples = [rng.integers(0, 5, n).astype(float) for _ in range(3)] + [
            rng.normal(size=n) for _ in range(3)] + [rng.normal(size=n + 1)]
        expected = [np.quantile(x, np.array(QUANTILES) / 100) for x in samples]
        for got, want in zip(quantiles_of([x.copy() for x in samples]), expected, strict=True):
            assert got == pytest.approx(want, rel=1e-13, abs=0)


@pytest.mark.parametrize("holes", [False, True])
def test_quantiles_of_whole_columns_are_exact(holes: bool) -> None:
    # Columns without missing values share the block's rows as their sample (taken in
    # place); a column with NaN gets its own. Either way np.quantile of the whole column.
    rng = np.random.default_rng(5)
    n = SAMPLE_SIZE - 3
    cols = {"a": rng.normal(size=n), "b": rng.lognormal(0, 3, n).astype(np.float32),
            "c": rng.integers(-5, 5, n)}
    if holes:
        cols["a"][::9] = np.nan
    block = NumericBlock({k: v.dtype for k, v in cols.items()}, Sentinels(), n)
    keys = np.random.default_rng(SEED).random(n)
    for i in range(0, n, 4000):
        block.update({k: v[i: i + 4000] for k, v in cols.items()}, Rows(keys[i: i + 4000]))
    out = block.results()
    for name, values in cols.items():
        clean = values[np.isfinite(values)].astype(np.float64)
        want = np.quantile(clean, np.array(QUANTILES) / 100)
        s = out[name]
        assert s.quantiles_exact is True and s.sample_size == len(clean)
        assert list(s.quantiles.values()) == list(want)  # type: ignore[union-attr]


def test_sample_is_uniform_over_rows() -> None:
    # A sorted column: a sample biased to early rows would show in the median.
    x = np.arange(200_000, dtype=np.float64)
    s = feed(x, 4096)
    assert s.quantiles["p50"] == pytest.approx(100_000, rel=0.03)  # type: ignore[index]


def test_masked_arrays_count_as_missing() -> None:
    x = np.ma.MaskedArray([1.0, 2.0, 3.0, 4.0], mask=[False, True, False, False])
    block = NumericBlock({"x": x.dtype}, Sentinels())
    block.update({"x": x}, Rows(np.zeros(4)))
    s = block.results()["x"]
    assert (s.missing, s.mean, s.max) == (1, pytest.approx(8 / 3), 4.0)
    b = BoolAccumulator()
    b.update(np.ma.MaskedArray([True, True, False], mask=[True, False, False]), np.zeros(3))
    assert (b.result().missing, b.result().true_count) == (1, 1)


def test_block_of_many_columns_matches_one_at_a_time() -> None:
    rng = np.random.default_rng(12)
    n = 3000
    cols = {"f64": rng.normal(20, 2, n), "f32": rng.normal(1, 1, n).astype(np.float32),
            "i64": rng.integers(-5, 5, n), "u8": rng.integers(0, 200, n).astype(np.uint8),
            "big": rng.integers(0, 1000, n) + 2**60, "nan": np.full(n, np.nan)}
    cols["f64"][::7] = -99.0
    cols["f32"][::5] = np.inf
    block = NumericBlock({k: v.dtype for k, v in cols.items()}, Sentinels([-99]))
    rng2 = np.random.default_rng(SEED)
    for i in range(0, n, 256):
        block.update({k: v[i: i + 256] for k, v in cols.items()},
                     Rows(rng2.random(min(256, n - i))))
    together = block.results()
    for name, values in cols.items():
        alone = feed(values, 256, [-99])
        assert together[name] == alone, name
    assert together["big"].max == int(cols["big"].max())  # exact beyond 2**53
    assert together["nan"].all_missing


def test_block_counts_a_column_missing_from_a_batch_as_missing() -> None:
    block = NumericBlock({"a": np.dtype(float), "b": np.dtype(float)}, Sentinels())
    block.update({"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}, Rows(np.zeros(2)))
    block.update({"a": np.array([5.0])}, Rows(np.zeros(1)))
    r = block.results()
    assert (r["a"].missing, r["b"].missing, r["b"].count, r["b"].max) == (0, 1, 3, 4.0)


def test_text_column_against_pandas() -> None:
    rng = np.random.default_rng(5)
    values = rng.choice(np.array(["DESI", "VVDS", "2dF", "NA", None], dtype=object), 3001)
    s = feed(values, 7, ["NA"])
    clean = pd.Series(values).dropna()
    clean = clean[clean != "NA"]
    vc = clean.value_counts()
    assert s.kind == "text"
    assert s.missing == len(values) - len(clean)
    assert s.distinct == clean.nunique() and s.distinct_capped is False
    assert dict(s.top) == vc.to_dict()  # type: ignore[arg-type]
    assert s.top[0] == (vc.index[0], vc.iloc[0])  # type: ignore[index]


def test_text_sentinels_compare_as_text_and_bytes_are_decoded() -> None:
    values = np.array([b"A", b"-99", b"B", b"A", "é".encode()], dtype="S4")
    s = feed(values, 2, [-99])
    assert s.missing == 1
    assert dict(s.top) == {"A": 2, "B": 1, "é": 1}  # type: ignore[arg-type]
    u = feed(np.array(["x", "-99", "99.5"]), 10, [-99, 99.5])
    assert (u.missing, u.distinct) == (2, 1)


def test_text_distinct_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pzbuild.inspect.stats.DISTINCT_CAP", 50)
    values = np.array([f"id{i}" for i in range(500)] + ["common"] * 30, dtype=object)
    acc = TextAccumulator(Sentinels())
    for i in range(0, len(values), 64):
        acc.update(values[i: i + 64], np.zeros(64))
    s = acc.result()
    assert s.distinct_capped is True and s.distinct == 50
    assert len(acc.counts) < 200


def test_bool_and_vector_columns() -> None:
    s = feed(np.array([True, False, True]), 2)
    assert (s.kind, s.true_count, s.missing) == ("bool", 2, 0)
    v = feed(np.zeros((10, 351)), 3)
    assert (v.kind, v.count) == ("vector", 10)


def test_stats_json_round_trip() -> None:
    x, _ = dirty(300)
    for s in (feed(x, 7, [-99]), feed(np.array(["a", "b", "a"], dtype=object), 2)):
        back = ColumnStats.from_dict(json.loads(json.dumps(s.to_dict(), allow_nan=False)))
        assert back == s


def test_sentinel_parsing() -> None:
    s = Sentinels([-99, "NA", 9.5, True, None, "-9"])
    assert sorted(s.numbers) == [-99.0, -9.0, 9.5]
    assert {"-99", "NA", "9.5", "-9"} <= set(s.texts)


# -- histograms ------------------------------------------------------------------------------


def fill_hist(values: np.ndarray, batch: int) -> H.Histogram | None:
    h = H.FineHistogram("z")
    for i in range(0, len(values), batch):
        h.update(values[i: i + batch])
    return h.result()


@pytest.mark.parametrize("batch", [7, 65536])
def test_z_histogram_is_exact(batch: int) -> None:
    _, clean = dirty(20_000)
    h = fill_hist(clean, batch)
    assert h is not None
    assert h.total == len(clean)
    assert 40 <= len(h.counts) <= 60
    assert h.edges[0] <= clean.min() and h.edges[-1] > clean.max()
    assert h.counts == np.histogram(clean, bins=h.edges)[0].tolist()
    assert h == fill_hist(clean, 1000)


def test_z_histogram_grows_and_coarsens_for_outliers() -> None:
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.uniform(0, 3, 5000), [1e6, -5.0, 1e300]])
    rng.shuffle(x)
    a, b = fill_hist(x, 7), fill_hist(x, 100_000)
    assert a == b and a is not None
    assert a.total == len(x) and len(a.counts) <= 60
    assert a.edges[-1] > 1e300


def test_z_histogram_of_constant_values() -> None:
    h = fill_hist(np.full(10, 0.5), 3)
    assert h is not None and h.total == 10 and h.edges[0] <= 0.5 < h.edges[-1]


def fill_sky(ra: np.ndarray, dec: np.ndarray, batch: int) -> H.SkyDensity | None:
    g = H.SkyGrid("ra", "dec")
    for i in range(0, len(ra), batch):
        g.update(ra[i: i + batch], dec[i: i + batch])
    return g.result()


def test_sky_density_total_and_extent() -> None:
    rng = np.random.default_rng(2)
    ra, dec = rng.uniform(50, 60, 10_000), rng.uniform(-30, -25, 10_000)
    s = fill_sky(ra, dec, 999)
    assert s is not None and s.total == 10_000 and not s.ra_wraps
    assert len(s.counts) <= 64 and len(s.counts[0]) <= 64
    assert 49.9 < s.ra_edges[0] <= 50 and 60 < s.ra_edges[-1] < 60.5
    assert -30.01 < s.dec_edges[0] <= -30 and -25 < s.dec_edges[-1] < -24.8
    assert s == fill_sky(ra, dec, 10_000)
    flat = np.histogram2d(dec, ra, bins=[s.dec_edges, s.ra_edges])[0]
    assert flat.astype(int).tolist() == s.counts


def test_sky_density_wraps_at_ra_zero() -> None:
    rng = np.random.default_rng(4)
    ra = np.concatenate([rng.uniform(355, 360, 500), rng.uniform(0, 5, 500), [-1.0, 360.0]])
    dec = rng.uniform(-5, 5, len(ra))
    s = fill_sky(ra, dec, 100)
    assert s is not None and s.ra_wraps and s.total == len(ra)
    west, east = ra[ra >= 355].min() - 360, ra[(ra >= 0) & (ra < 355)].max()
    assert west - 0.05 < s.ra_edges[0] <= west and east < s.ra_edges[-1] < east + 0.5
    # Every RA bin is in the narrow field, none spans the empty rest of the sky.
    assert s.ra_edges[-1] - s.ra_edges[0] < 11
    assert fill_sky(ra, dec, len(ra)) == s  # one batch, counted straight into the bins
    json.dumps(s.to_dict(), allow_nan=False)
    assert H.SkyDensity.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_sky_density_coarsens_when_many_cells_are_occupied(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(H, "SKY_CELL_CAP", 2000)
    rng = np.random.default_rng(6)
    ra, dec = rng.uniform(0, 360, 50_000), np.degrees(np.arcsin(rng.uniform(-1, 1, 50_000)))
    a, b = fill_sky(ra, dec, 3000), fill_sky(ra, dec, 50_000)
    assert a == b and a is not None and a.total == 50_000
    # a first batch within the cap is kept row by row, then counted into cells as the next
    # one comes: the same result
    assert fill_sky(ra, dec, 1500) == a
    assert a.dec_edges[0] == -90 and a.dec_edges[-1] == 90


def test_sky_density_of_one_batch_the_same_by_sorting_or_marking_cells(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The occupied RA cells of a one-batch table come from a sort of its rows (few rows) or
    # from marking every cell (many): the same density either way, and np.histogram2d's.
    rng = np.random.default_rng(12)
    for ra, dec in ((rng.uniform(150, 160, 300), rng.uniform(0, 5, 300)),
                    (np.r_[rng.uniform(358, 360, 200), rng.uniform(0, 3, 200)],
                     rng.uniform(-60, -50, 400)),
                    (np.array([42.0]), np.array([-90.0]))):
        found = []
        for factor in (0, 1 << 20):  # never sort, always sort
            monkeypatch.setattr(H, "SKY_SORT_FACTOR", factor)
            found.append(fill_sky(ra, dec, len(ra)))
        a, b = found
        assert a == b and a is not None and a.total == len(ra)
        edges = np.array(a.ra_edges) % 360 if a.ra_wraps else np.array(a.ra_edges)
        if not a.ra_wraps:
            flat = np.histogram2d(dec, ra, bins=[a.dec_edges, edges])[0]
            assert flat.astype(int).tolist() == a.counts
        assert fill_sky(ra, dec, max(1, len(ra) // 3)) == a  # through the cells of batches


def test_z_histogram_level_search_starts_where_the_data_can_fit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The level is searched from a lower bound worked out from the data's span: the same
    # histograms as a search from level 0, for spans from a single value to 1e300.
    rng = np.random.default_rng(13)
    cases = [np.full(5, 0.25), np.array([0.0, 2.0 ** -20]), rng.uniform(0, 3, 2000),
             rng.normal(1e6, 1e-3, 500), np.r_[rng.uniform(0, 1, 100), 1e300, -1e300],
             rng.uniform(-4096, 4096, 3000), np.array([2.0 ** -20 * 8191, 0.0])]
    for values in cases:
        fast = fill_hist(values, 97)
        with monkeypatch.context() as m:
            m.setattr(H.FineHistogram, "_lowest_level", lambda self: 0)
            slow = fill_hist(values, 97)
        assert fast == slow and fast is not None and fast.total == len(values)


def test_sky_clips_out_of_range_dec() -> None:
    s = fill_sky(np.array([10.0, 10.0, 10.5]), np.array([95.0, 1e300, -90.0]), 2)
    assert s is not None and s.total == 3


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "int16", "int32", "uint8",
                                   "uint16"])
def test_quantiles_of_narrow_columns_equal_numpy(dtype: str) -> None:
    # Columns whose values a narrower dtype holds exactly are sorted in it, holes and all in
    # one call: the quantiles must still be np.quantile's of the valid values, exactly.
    rng = np.random.default_rng(3)
    n = 5000
    raw = rng.lognormal(2, 2, n) if dtype.startswith("float") else rng.integers(0, 120, n)
    cols = {"a": raw.astype(dtype), "b": raw[::-1].astype(dtype), "c": raw.astype(dtype)}
    sentinel = 99
    cols["b"][::7] = sentinel
    if dtype.startswith("float"):
        cols["c"][::3] = np.nan
    block = NumericBlock({k: v.dtype for k, v in cols.items()}, Sentinels([sentinel]), n)
    block.update(cols, Rows(np.random.default_rng(SEED).random(n)))
    out = block.results()
    for name, values in cols.items():
        wide = values.astype(np.float64)
        clean = wide[np.isfinite(wide) & (wide != np.float64(values.dtype.type(sentinel)))]
        want = np.quantile(clean, np.array(QUANTILES) / 100)
        got = out[name].quantiles
        assert got is not None and list(got.values()) == list(want), name
        assert out[name].sample_size == len(clean)


@pytest.mark.parametrize("n", [1, 2, 700, N.PADDED_WIDE, N.PADDED_WIDE + 1])
def test_quantiles_of_wide_columns_with_holes_equal_numpy(n: int) -> None:
    # float64 and int64 columns of a short sample with missing values are sorted together
    # (padded), those of a longer one sorted one by one: np.quantile's values either way.
    rng = np.random.default_rng(n)
    cols = {"a": rng.normal(size=n), "b": rng.integers(-10**15, 10**15, n),
            "c": np.full(n, np.nan), "d": rng.lognormal(0, 2, n), "e": rng.normal(size=n)}
    cols["a"][::5] = np.nan
    cols["b"][1::4] = -99
    cols["d"][::3] = np.inf
    block = NumericBlock({k: v.dtype for k, v in cols.items()}, Sentinels([-99]), n)
    block.update(cols, Rows(np.random.default_rng(SEED).random(n)))
    out = block.results()
    for name, values in cols.items():
        wide = values.astype(np.float64)
        clean = wide[np.isfinite(wide) & (wide != -99)]
        got = out[name].quantiles
        if len(clean) == 0:
            assert got is None and out[name].missing == n
            continue
        want = np.quantile(clean, np.array(QUANTILES) / 100)
        assert got is not None and list(got.values()) == list(want), name
        assert out[name].sample_size == len(clean) and out[name].quantiles_exact


def test_quantiles_padded_of_an_empty_sample_are_missing() -> None:
    from pzbuild.inspect.stats import quantiles_padded

    got = quantiles_padded(np.empty((2, 0)), None, [0, 1], np.array([0, 0]), np.dtype("f4"))
    assert got.shape == (2, len(QUANTILES)) and np.isnan(got).all()
