"""One-pass table inspection and the content-hash cache, on Parquet files made here."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pzbuild.tables
from pzbuild.errors import TableError
from pzbuild.inspect import (
    InspectCache,
    ProductSummary,
    TableSummary,
    file_digest,
    inspect_product,
    inspect_products,
    inspect_table,
)
from pzbuild.inspect.cache import CACHE_DIR, ENTRIES_DB, Entries

from .conftest import shared_data

ROLES = {"id": "ID", "ra": "RA", "dec": "DEC", "z": "Z"}
NULLS = [-99, 99]


def specz_table(n: int = 3000, seed: int = 0) -> pa.Table:
    """A spec-z catalog with the faults of real ones: NaN, ±inf, sentinels, None, float32."""
    rng = np.random.default_rng(seed)
    z = rng.gamma(2.0, 0.4, n)
    z[rng.random(n) < 0.05] = np.nan
    z[rng.random(n) < 0.02] = -99.0
    z[3] = np.inf
    ra = rng.uniform(149, 151, n)
    ra[rng.random(n) < 0.02] = np.nan
    dec = rng.uniform(1, 3, n).astype(np.float32)
    dec[rng.random(n) < 0.02] = 99.0
    survey = rng.choice(np.array(["DESI", "VVDS", None], dtype=object), n)
    return pa.table({
        "ID": np.arange(n, dtype=np.int64), "RA": ra, "DEC": dec, "Z": z,
        "ZWARN": rng.integers(0, 4, n).astype(np.int32), "SURVEY": pa.array(survey),
        "GOOD": rng.random(n) > 0.3, "EMPTY": np.full(n, np.nan),
    })


def write(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=1000)
    return path


def age(path: Path, seconds: float = 3600) -> None:
    """Make a file look old, as data in a catalog checkout is (see RACY_SECONDS)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


@pytest.fixture
def table_file(tmp_path: Path) -> Path:
    return write(tmp_path / "specz.parquet", specz_table())


def test_inspect_table_matches_pandas(table_file: Path) -> None:
    s = inspect_table(table_file, roles=ROLES, null_values=NULLS)
    df = pd.read_parquet(table_file)
    assert s.format == "parquet" and s.num_rows == len(df)
    assert [c.name for c in s.columns] == list(df.columns)
    z = df["Z"].to_numpy()
    zok = z[np.isfinite(z) & ~np.isin(z, NULLS)]
    zs = s.column("Z")
    assert zs is not None and zs.role == "z"
    assert zs.stats.missing == len(z) - len(zok)
    assert zs.stats.mean == pytest.approx(zok.mean(), rel=1e-9)
    assert zs.stats.std == pytest.approx(zok.std(ddof=1), rel=1e-9)
    assert zs.stats.quantiles_exact
    assert zs.stats.quantiles["p50"] == pytest.approx(np.median(zok), rel=1e-12)  # type: ignore[index]
    dec = s.column("DEC")
    assert dec is not None and dec.dtype == "float32" and dec.stats.missing == int(
        (df["DEC"] == 99).sum())
    survey = s.column("SURVEY")
    assert survey is not None and survey.stats.kind == "text"
    assert dict(survey.stats.top or []) == df["SURVEY"].value_counts().to_dict()
    assert s.column("GOOD").stats.true_count == int(df["GOOD"].sum())  # type: ignore[union-attr]
    assert [w.code for w in s.warnings] == ["T605"]  # the EMPTY column


def test_histograms_count_every_valid_value(table_file: Path) -> None:
    s = inspect_table(table_file, roles=ROLES, null_values=NULLS)
    df = pd.read_parquet(table_file)
    zs = s.column("Z")
    assert s.z_histogram is not None and zs is not None
    assert s.z_histogram.total == zs.stats.valid
    ra, dec = df["RA"].to_numpy(), df["DEC"].to_numpy()
    both = np.isfinite(ra) & np.isfinite(dec) & ~np.isin(ra, NULLS) & ~np.isin(dec, NULLS)
    assert s.sky_density is not None and s.sky_density.total == int(both.sum())


def test_no_roles_no_histograms(table_file: Path) -> None:
    s = inspect_table(table_file)
    assert s.z_histogram is None and s.sky_density is None
    assert all(c.role is None for c in s.columns)


def test_summary_does_not_depend_on_batch_size(table_file: Path) -> None:
    a = inspect_table(table_file, roles=ROLES, null_values=NULLS, batch_rows=7).to_dict()
    b = inspect_table(table_file, roles=ROLES, null_values=NULLS, batch_rows=65536).to_dict()
    for ca, cb in zip(a.pop("columns"), b.pop("columns"), strict=True):
        sa, sb = ca.pop("stats"), cb.pop("stats")
        assert ca == cb
        for key in ("mean", "std"):  # sums in another order differ in the last bits
            if key in sa:
                assert sa.pop(key) == pytest.approx(sb.pop(key), rel=1e-12)
        assert sa == sb
    assert a == b


def test_large_row_groups_are_streamed_with_the_same_summary(
        table_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small row groups are read whole, large ones streamed: same batches' bounds, same summary.
    from pzbuild.tables import parquet

    whole = inspect_table(table_file, roles=ROLES, null_values=NULLS).to_dict()
    sizes = [len(b["Z"]) for b in pzbuild.tables.open_table(table_file).iter_batches(400)]
    monkeypatch.setattr(parquet, "WHOLE_GROUP_BYTES", 0)
    streamed = inspect_table(table_file, roles=ROLES, null_values=NULLS).to_dict()
    assert streamed == whole
    assert [len(b["Z"]) for b in
            pzbuild.tables.open_table(table_file).iter_batches(400)] == sizes
    assert max(sizes) <= 400 and sum(sizes) == 3000


def test_preview_is_json_safe(tmp_path: Path) -> None:
    t = pa.table({"x": [np.nan, np.inf, -np.inf, 1.5], "s": [b"ab", None, "é".encode(), b""],
                  "long": ["y" * 1000, "a", "b", "c"],
                  "f32": np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32),
                  "v": pa.array([[1.0, 2.0]] * 4, type=pa.list_(pa.float64(), 2))})
    s = inspect_table(write(tmp_path / "p.parquet", t))
    text = json.dumps(s.to_dict(), allow_nan=False)
    assert s.preview[0][:2] == ["NaN", "ab"]
    assert [r[0] for r in s.preview] == ["NaN", "inf", "-inf", 1.5]
    assert s.preview[1][1] is None and s.preview[2][1] == "é"
    assert len(s.preview[0][2]) <= 200 and s.preview[0][3] == 0.1
    assert TableSummary.from_dict(json.loads(text)) == TableSummary.from_dict(s.to_dict())


def test_preview_holds_ten_rows_across_batches(table_file: Path) -> None:
    s = inspect_table(table_file, batch_rows=3)
    assert len(s.preview) == 10
    assert [r[0] for r in s.preview] == list(range(10))


def test_summary_round_trips_through_json(table_file: Path) -> None:
    s = inspect_table(table_file, roles=ROLES, null_values=NULLS)
    back = TableSummary.from_dict(json.loads(json.dumps(s.to_dict(), allow_nan=False)))
    assert back.to_dict() == TableSummary.from_dict(s.to_dict()).to_dict()
    assert back.columns[0].stats == s.columns[0].stats


def test_file_digest(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 5)
    (tmp_path / "blob").write_bytes(data)
    assert file_digest(tmp_path / "blob") == (len(data), hashlib.sha256(data).hexdigest())


def test_inspect_real_specz_files() -> None:
    files = sorted((shared_data() / "specz").glob("*.parquet"))
    assert files
    for path in files:
        s = inspect_table(path)
        assert s.num_rows > 0
        json.dumps(s.to_dict(), allow_nan=False)


# -- products and the cache -------------------------------------------------------------------


class Boom:
    """Unpickling this would create a file: proof that opaque files are never unpickled."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path(self.target).touch, ())


@pytest.fixture
def product(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path / "catalog" / "products" / "official" / "specz"
    write(folder / "specz.parquet", specz_table(500))
    (folder / "README.md").write_text("# Spec-z\n")
    (folder / "model.pkl").write_bytes(pickle.dumps(Boom(str(tmp_path / "pwned"))))
    for p in folder.iterdir():
        age(p)
    meta = {"name": "Spec-z", "type": "redshift_catalog", "columns": ROLES,
            "null_values": NULLS, "files": [
                {"path": "specz.parquet", "role": "main"},
                {"path": "README.md", "role": "description"},
                {"path": "model.pkl", "role": "auxiliary"},
                {"path": "missing.csv", "role": "auxiliary"},
                {"path": "../escape.csv", "role": "auxiliary"}]}
    (tmp_path / "catalog" / "products" / "escape.csv").write_text("a\n1\n")
    return folder, meta


def cache_root(product: tuple[Path, dict[str, Any]]) -> Path:
    return product[0].parents[2]


def test_inspect_product(product: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    folder, _ = product
    with InspectCache(cache_root(product)) as cache:
        s = inspect_product(product, cache)
    assert [f.path for f in s.files] == ["specz.parquet", "README.md", "model.pkl"]
    main = s.main
    assert main is not None and main.format == "parquet" and main.table is not None
    assert main.table.num_rows == 500 and main.table.z_histogram is not None
    for f in s.files:
        data = (folder / f.path).read_bytes()
        assert (f.size, f.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    pkl = s.files[2]
    assert pkl.table is None and pkl.format is None
    assert not (tmp_path / "pwned").exists()
    assert ProductSummary.from_dict(json.loads(json.dumps(s.to_dict()))).to_dict() == s.to_dict()
    assert (cache_root(product) / CACHE_DIR / ".gitignore").read_text().strip().endswith("*")


def refuse(*args: object, **kw: object) -> None:
    raise AssertionError("the file was read again")


def test_cache_hit_reads_nothing(product: tuple[Path, dict[str, Any]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = cache_root(product)
    with InspectCache(root) as cache:
        first = inspect_product(product, cache)
    assert cache.misses == 3 and cache.hits == 0
    monkeypatch.setattr(pzbuild.tables, "open_table", refuse)
    monkeypatch.setattr(pzbuild.tables, "sniff_format", refuse)
    monkeypatch.setattr("pzbuild.inspect.cache.file_digest", refuse)  # the stat index answers
    with InspectCache(root) as cache:
        second = inspect_product(product, cache)
    assert cache.hits == 3 and cache.misses == 0
    assert second.to_dict() == first.to_dict()


def test_cache_misses_when_content_changes(product: tuple[Path, dict[str, Any]],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = product
    root = cache_root(product)
    with InspectCache(root) as cache:
        inspect_product(product, cache)
    write(folder / "specz.parquet", specz_table(700, seed=1))
    calls: list[Path] = []
    real = pzbuild.tables.open_table

    def counting(path: Path, table: str | None = None, **kw: Any) -> Any:
        calls.append(Path(path))
        return real(path, table, **kw)

    monkeypatch.setattr(pzbuild.tables, "open_table", counting)
    with InspectCache(root) as cache:
        s = inspect_product(product, cache)
    assert [p.name for p in calls] == ["specz.parquet"]
    assert s.main is not None and s.main.table is not None and s.main.table.num_rows == 700


def test_cache_misses_when_options_change(product: tuple[Path, dict[str, Any]],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder, meta = product
    root = cache_root(product)
    with InspectCache(root) as cache:
        before = inspect_product(product, cache)
    calls: list[str] = []
    real = pzbuild.tables.open_table

    def counting(path: Path, table: str | None = None, **kw: Any) -> Any:
        calls.append(Path(path).name)
        return real(path, table, **kw)

    monkeypatch.setattr(pzbuild.tables, "open_table", counting)
    for change in ({"null_values": [-99]}, {"columns": {**ROLES, "z": "ZWARN"}}):
        with InspectCache(root) as cache:
            after = inspect_product((folder, {**meta, **change}), cache)
        assert after.main != before.main
    assert calls == ["specz.parquet", "specz.parquet"]


def _results_db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / CACHE_DIR / ENTRIES_DB, isolation_level=None)


def test_corrupt_cache_is_ignored_and_rewritten(product: tuple[Path, dict[str, Any]]) -> None:
    root = cache_root(product)
    with InspectCache(root) as cache:
        good = inspect_product(product, cache)
    with closing(_results_db(root)) as db:
        keys = db.execute("SELECT sha256, options FROM results ORDER BY sha256").fetchall()
        assert len(keys) == 3
        for key, bad in zip(keys, [b"{not json", json.dumps([1, 2]).encode(), b"\xff\x00"],
                            strict=True):
            db.execute("UPDATE results SET result=? WHERE sha256=? AND options=?", (bad, *key))
    (root / CACHE_DIR / "stat-index.json").write_text("[1, 2")
    with InspectCache(root) as cache:
        again = inspect_product(product, cache)
    assert cache.misses == 3
    assert again.to_dict() == good.to_dict()
    with closing(_results_db(root)) as db:
        for (text,) in db.execute("SELECT result FROM results"):
            assert isinstance(json.loads(text), dict)
    with InspectCache(root) as cache:
        inspect_product(product, cache)
    assert cache.hits == 3


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_results_database_is_made_again(product: tuple[Path, dict[str, Any]],
                                                damage: str) -> None:
    root = cache_root(product)
    with InspectCache(root) as cache:
        good = inspect_product(product, cache)
    db_path = root / CACHE_DIR / ENTRIES_DB
    if damage == "garbage":
        db_path.write_bytes(b"this is not a database\n" * 200)
    else:  # a header that promises pages the file does not hold
        db_path.write_bytes(db_path.read_bytes()[:100] + b"\x00" * 4000)
    with InspectCache(root) as cache:
        again = inspect_product(product, cache)
    assert again.to_dict() == good.to_dict()
    assert cache.misses == 3
    with InspectCache(root) as cache:  # the database was made anew and holds the results
        inspect_product(product, cache)
    assert cache.hits == 3


def test_damaged_page_of_the_results_database(tmp_path: Path) -> None:
    entries = Entries(tmp_path)
    for i in range(40):
        entries.put(f"{i:064x}", "o", {"i": i, "pad": "x" * 3000})
    entries.close()
    db_path = tmp_path / ENTRIES_DB
    data = db_path.read_bytes()
    size = int.from_bytes(data[16:18], "big")  # the page size, from the database header
    db_path.write_bytes(data[:size] + b"\x07" * size + data[2 * size:])  # the table's root
    entries = Entries(tmp_path)
    assert entries.get(f"{5:064x}", "o") is None  # a miss, not an error
    assert not db_path.exists()  # the damaged database is gone ...
    entries.put(f"{5:064x}", "o", {"i": 5})
    entries.close()
    assert Entries(tmp_path).get(f"{5:064x}", "o") == {"i": 5}  # ... and made anew


def _put_many(folder: str, who: int, barrier: Any) -> None:
    entries = Entries(Path(folder))
    barrier.wait()  # every process makes the database at the same moment
    for i in range(20):
        entries.put(f"{who:032x}{i:032x}", "o", {"who": who, "i": i})
    entries.close()


def test_processes_making_the_results_database_at_once(tmp_path: Path) -> None:
    # SQLite refuses a second connection's switch to WAL at once instead of waiting: without
    # the retry, about one round in three lost some process's results.
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for round in range(25):
        folder = tmp_path / str(round)
        barrier = ctx.Barrier(4)
        procs = [ctx.Process(target=_put_many, args=(str(folder), who, barrier))
                 for who in range(4)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert [proc.exitcode for proc in procs] == [0] * 4
        entries = Entries(folder)
        for who in range(4):
            for i in range(20):
                assert entries.get(f"{who:032x}{i:032x}", "o") == {"who": who, "i": i}


def test_unwritable_cache_folder_costs_time_only(product: tuple[Path, dict[str, Any]]) -> None:
    root = cache_root(product)
    (root / CACHE_DIR).write_text("a file where the cache folder should be")
    with InspectCache(root) as cache:
        s = inspect_product(product, cache)
        cache.put("ab" * 32, "keys", {"n": 1})
        assert cache.get("ab" * 32, "keys") is None
    assert s.main is not None and s.main.table is not None


def test_cache_results_are_json_rows_and_no_temporary_file_stays(
        product: tuple[Path, dict[str, Any]]) -> None:
    root = cache_root(product)
    with InspectCache(root) as cache:
        inspect_product(product, cache)
        cache.put("ab" * 32, "keys", {"n": {1: "one"}, "x": [0.1, None, "NaN"]})
        assert cache.get("ab" * 32, "keys") == {"n": {"1": "one"}, "x": [0.1, None, "NaN"]}
    files = [p for p in (root / CACHE_DIR).rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith(".tmp-")]
    with closing(_results_db(root)) as db:
        rows = db.execute("SELECT sha256, options, result FROM results").fetchall()
    assert len(rows) == 4
    for sha, options, text in rows:
        assert len(sha) == 64 and options and isinstance(json.loads(text), dict)
    with InspectCache(root) as cache:
        with pytest.raises(TypeError):  # what JSON cannot hold is refused, as json.dumps does
            cache.put("cd" * 32, "keys", {"s": {1, 2}})


def test_unreadable_table_is_reported_not_raised(product: tuple[Path, dict[str, Any]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path, table: str | None = None, **kw: Any) -> Any:
        raise TableError("not a Parquet file", "T601")

    monkeypatch.setattr(pzbuild.tables, "open_table", broken)
    s = inspect_product(product, None)
    assert s.main is not None and s.main.table is None
    assert s.main.error is not None and s.main.error.code == "T601"
    assert s.main.sha256 and s.main.size > 0


def test_product_object(product: tuple[Path, dict[str, Any]]) -> None:
    from pzbuild.model import Product

    folder, meta = product
    p = Product(id="official/specz", section="official", owner=None, slug="specz",
                folder=folder, meta=meta)
    s = inspect_product(p, InspectCache(None))
    assert s.id == "official/specz" and s.main is not None and s.main.table is not None


def table_products(tmp_path: Path, n: int, rows: int, *, described: bool = False
                   ) -> list[tuple[Path, dict[str, Any]]]:
    """``n`` products of one Parquet table each (``rows``, ``rows + 1``, ... rows); with
    ``described``, a README.md too, and every file aged (the stat index trusts it)."""
    products = []
    for i in range(n):
        folder = tmp_path / "products" / "official" / f"p{i}"
        write(folder / "t.parquet", specz_table(rows + i, seed=i))
        files = [{"path": "t.parquet", "role": "main"}]
        if described:
            (folder / "README.md").write_text(f"# product {i}\n")
            files.append({"path": "README.md", "role": "description"})
            for p in folder.iterdir():
                age(p)
        products.append((folder, {"files": files, "columns": ROLES, "null_values": NULLS}))
    return products


def test_inspect_products_in_worker_processes(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pzbuild.inspect.product.MIN_PARALLEL", 1)
    products = table_products(tmp_path, 3, 200)
    serial = [inspect_product(p) for p in products]
    with InspectCache(tmp_path) as cache:
        parallel = inspect_products(products, cache, jobs=2)
    assert cache.misses == 3
    assert [s.to_dict() for s in parallel] == [s.to_dict() for s in serial]
    assert [s.main.table.num_rows for s in parallel] == [200, 201, 202]  # type: ignore[union-attr]


def test_workers_hash_and_store_what_they_read(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Files the stat index does not know are hashed in the workers, whose results the main
    # process stores; the next run takes digests from the index and results from the cache.
    monkeypatch.setattr("pzbuild.inspect.product.MIN_PARALLEL", 1)
    products = table_products(tmp_path, 4, 300, described=True)
    with InspectCache(tmp_path) as cache:
        cold = inspect_products(products, cache, jobs=2)
    assert (cache.hits, cache.misses) == (0, 8)
    for s, (folder, _) in zip(cold, products, strict=True):
        for f in s.files:
            data = (folder / f.path).read_bytes()
            assert (f.size, f.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(pzbuild.tables, "open_table", refuse)
    monkeypatch.setattr("pzbuild.inspect.cache.file_digest", refuse)
    monkeypatch.setattr("pzbuild.inspect.product.file_digest", refuse)
    with InspectCache(tmp_path) as cache:
        warm = inspect_products(products, cache, jobs=2)
    assert (cache.hits, cache.misses) == (8, 0)
    assert [s.to_dict() for s in warm] == [s.to_dict() for s in cold]


def test_a_cached_table_is_made_when_read(product: tuple[Path, dict[str, Any]]) -> None:
    root = cache_root(product)
    with InspectCache(root) as cache:
        cold = inspect_product(product, cache)
    with InspectCache(root) as cache:
        warm = inspect_product(product, cache)
    assert warm.to_dict() == cold.to_dict()
    assert json.loads(json.dumps(warm.to_dict())) == warm.to_dict()
    assert warm.main == cold.main
    table = warm.main.table if warm.main else None
    assert isinstance(table, TableSummary) and cold.main is not None
    assert table.to_dict() == cold.main.table.to_dict()  # type: ignore[union-attr]
    assert table.column("Z") is not None and table.num_rows == 500


def test_a_parquet_file_reads_the_same_from_its_bytes(table_file: Path) -> None:
    from_path = inspect_table(table_file, roles=ROLES, null_values=NULLS)
    from_bytes = inspect_table(table_file, roles=ROLES, null_values=NULLS,
                               content=table_file.read_bytes())
    assert from_bytes.to_dict() == from_path.to_dict()
    named = table_file.with_suffix(".csv")
    named.write_bytes(table_file.read_bytes())
    wrong = inspect_table(named, content=named.read_bytes())
    assert wrong.to_dict() == inspect_table(named).to_dict()
    assert "T606" in [w.code for w in wrong.warnings]  # the extension still counts


@pytest.mark.parametrize("enabled", [True, False])
def test_inspection_leaves_the_garbage_collector_as_it_was(
        product: tuple[Path, dict[str, Any]], enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        inspect_products([product], InspectCache(None))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_sqlite_errors_are_told_apart_without_result_codes() -> None:
    # Python 3.10's sqlite3 errors carry no result code: the message tells.
    from pzbuild.inspect.cache import _code

    assert _code(sqlite3.DatabaseError("file is not a database")) == 26
    assert _code(sqlite3.OperationalError("database is locked")) == 5
    assert _code(sqlite3.OperationalError("no such table: results")) is None
    with closing(sqlite3.connect(":memory:")) as db:
        try:
            db.execute("SELECT * FROM nowhere")
        except sqlite3.OperationalError as exc:
            assert _code(exc) in (1, None)  # SQLITE_ERROR (3.11+), or no code
