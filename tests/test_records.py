"""product.json's main.table at the precision its numbers have (docs/design/site-format.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from pzbuild.inspect.summary import inspect_table
from pzbuild.site.plots import histogram_usable
from pzbuild.site.records import compact_table, record_json
from pzbuild.site.skygrid import expand_edges


def _table(folder: Path) -> dict:
    rng = np.random.default_rng(7)
    z = rng.uniform(0.01, 2.5, 5000)
    frame = pd.DataFrame({
        "id": np.arange(5539292948, 5539292948 + 5000, dtype=np.int64),
        "mag": rng.normal(22.5, 1.7, 5000).astype(np.float32),
        "ra": rng.uniform(39.1, 40.9, 5000).round(6),
        "redshift": z,
    })
    frame.to_parquet(folder / "t.parquet")
    return inspect_table(folder / "t.parquet", roles={"id": "id", "z": "redshift"}).to_dict()


def test_numbers_are_written_at_their_precision(tmp_path: Path) -> None:
    table = _table(tmp_path)
    out = compact_table(table)
    stats = {c["name"]: c["stats"] for c in table["columns"]}
    small = {c["name"]: c["stats"] for c in out["columns"]}
    for key in ("min", "max"):
        # a float32 column's extremes: the same float32 value, in its own short text
        assert np.float32(small["mag"][key]) == np.float32(stats["mag"][key])
        assert len(repr(small["mag"][key])) <= 10 < len(repr(stats["mag"][key]))
        # other columns' extremes are values of the column: exact
        for name in ("id", "ra", "redshift"):
            assert small[name][key] == stats[name][key]
    for q, v in stats["mag"]["quantiles"].items():
        assert np.float32(small["mag"]["quantiles"][q]) == np.float32(v)
    for name in ("id", "ra", "redshift"):
        for key in ("mean", "std"):
            assert small[name][key] == float(f"{stats[name][key]:.8g}")
        for q, v in stats[name]["quantiles"].items():
            assert abs(small[name]["quantiles"][q] - v) <= 1e-9 * abs(v)
    assert small["id"]["count"] == stats["id"]["count"]
    assert out["preview"] == table["preview"]
    assert len(record_json(out)) < len(record_json(table))


def test_regular_histogram_edges_are_start_step_n(tmp_path: Path) -> None:
    table = _table(tmp_path)
    hist = table["z_histogram"]
    out = compact_table(table)["z_histogram"]
    edges = out["edges"]
    assert isinstance(edges, dict) and set(edges) == {"start", "step", "n"}
    assert expand_edges(edges) == hist["edges"]  # equal value for value
    assert out["counts"] == hist["counts"]
    # the page draws the plot from either form (pz-product.js reads both)
    assert histogram_usable(out) and histogram_usable(hist)


def test_irregular_edges_and_odd_values_stay_as_they_are() -> None:
    table = {"columns": [{"name": "x", "dtype": "float32", "stats": {
        "min": "NaN", "max": 1e39, "mean": True, "std": None,
        "quantiles": {"p50": "inf"}}}, "not a column"],
        "z_histogram": {"column": "z", "edges": [0.0, 0.1, 0.3], "counts": [1, 2]}}
    out = json.loads(json.dumps(compact_table(table)))
    assert out == table
