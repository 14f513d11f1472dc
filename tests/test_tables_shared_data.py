"""Every table and PDF file of ../shared/data, read through ``open_table`` and one full
``iter_batches`` pass, against what pyarrow, astropy, h5py, pandas and qp report directly for
the same file. The expectations come from those libraries, not from hard-coded numbers.
"""

from __future__ import annotations

import gc
import hashlib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pzbuild.errors import TableError
from pzbuild.tables import ColumnInfo, open_table, sniff_format

from .conftest import SHARED_DATA, shared_data

BATCH = 333  # small, so that most files are read in several batches


def _files(*patterns: str) -> list[str]:
    """Paths (relative to the data folder) matching the patterns; [None] when the folder is
    absent, so that the test runs and ``shared_data()`` skips it (or fails it in CI)."""
    if not SHARED_DATA.is_dir():
        return [""]
    found = sorted({p.relative_to(SHARED_DATA).as_posix()
                    for pattern in patterns for p in SHARED_DATA.glob(pattern) if p.is_file()})
    return found


def data_path(rel: str) -> Path:
    return shared_data() / rel


def read_all(source: Any, batch_rows: int = BATCH) -> dict[str, np.ndarray]:
    """One full pass; checks every batch against the announced columns on the way."""
    cols = {c.name: c for c in source.columns}
    parts: dict[str, list[np.ndarray]] = {name: [] for name in cols}
    for batch in source.iter_batches(batch_rows):
        assert list(batch) == list(cols)
        lengths = {len(v) for v in batch.values()}
        assert len(lengths) == 1
        n = lengths.pop()
        assert 0 < n <= batch_rows
        for name, values in batch.items():
            check_array(values, cols[name], n)
            parts[name].append(values)
    return {name: (np.concatenate(p) if p else np.empty(0)) for name, p in parts.items()}


def check_array(values: np.ndarray, col: ColumnInfo, n: int) -> None:
    assert isinstance(values, np.ndarray)
    assert values.shape == (n, *col.shape), col.name
    if col.dtype == "str":
        assert values.dtype == object, col.name
        assert all(v is None or isinstance(v, str) for v in values), col.name
    elif col.dtype == "object":
        assert values.dtype == object, col.name
    else:
        assert values.dtype == np.dtype(col.dtype), col.name


def assert_same(ours: np.ndarray, ref: Any, name: str) -> None:
    ref = np.asarray(ref)
    if ours.dtype == object:
        expected = [v.decode() if isinstance(v, bytes) else v for v in ref.tolist()]
        expected = [None if isinstance(v, float) and v != v else v for v in expected]
        assert ours.tolist() == expected, name
    else:
        np.testing.assert_array_equal(ours, ref, err_msg=name)


# --------------------------------------------------------------------------- every file


NOT_TABLES = ("README.md", "SHA256SUMS", "properties", "hats.properties",
              "collection.properties")


def test_every_shared_file_is_covered() -> None:
    """A new file in shared/data must join one of the lists below (or NOT_TABLES)."""
    root = shared_data()
    covered = set(PARQUET + CSV + FITS_TABLES + FITS_EDGE + HDF5_GROUPS + PANDAS + QP + NPY
                  + TEXT_T602 + PARQUET_SUMMARIES)
    for path in root.rglob("*"):
        if path.is_file() and path.name not in NOT_TABLES:
            assert path.relative_to(root).as_posix() in covered, path


@pytest.mark.parametrize("rel", _files("*/*", "hats/**/*"))
def test_sniff_by_content(rel: str) -> None:
    path = data_path(rel)
    expected = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".fits": "fits",
                ".hdf5": "hdf5", ".h5": "hdf5", ".npy": "npy", ".train": "text"}
    if path.name in ("_metadata", "_common_metadata"):
        assert sniff_format(path) == "parquet"
    elif path.name in NOT_TABLES:
        assert sniff_format(path) is None
    else:
        assert sniff_format(path) == expected[path.suffix]


# --------------------------------------------------------------------------- Parquet

PARQUET = _files("specz/*.parquet", "edge/*.parquet", "training/*.pq", "hats/**/*.parquet",
                 "hats/**/_common_metadata",
                 "hats/*/margin_*/dataset/_metadata")
PARQUET_SUMMARIES = _files("hats/*/catalog/dataset/_metadata")


def _expected_arrow_dtype(field: Any, nulls: int) -> str:
    import pyarrow as pa

    t = field.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_integer(t) and nulls:
        return "float64"
    if pa.types.is_boolean(t) and nulls:
        return "object"
    return np.dtype(t.to_pandas_dtype()).name


def _check_against_arrow(source: Any, table: Any) -> None:
    names = [n for n in table.column_names if not n.startswith("__index_level_")]
    assert [c.name for c in source.columns] == names
    assert source.num_rows == table.num_rows
    got = read_all(source)
    for col in source.columns:
        ref = table.column(col.name)
        assert col.dtype == _expected_arrow_dtype(table.schema.field(col.name), ref.null_count)
        assert len(got[col.name]) == table.num_rows
        if col.dtype in ("str", "object"):
            assert_same(got[col.name], ref.to_pylist(), col.name)
        else:
            assert_same(got[col.name], ref.to_numpy(), col.name)


@pytest.mark.parametrize("rel", PARQUET)
def test_parquet_file(rel: str) -> None:
    import pyarrow.parquet as pq

    path = data_path(rel)
    source = open_table(path)
    assert source.format == "parquet" and source.warnings == []
    _check_against_arrow(source, pq.read_table(path))
    assert "__index_level_0__" not in [c.name for c in source.columns]


@pytest.mark.parametrize("rel", PARQUET_SUMMARIES)
def test_parquet_summary_file_points_to_the_folder(rel: str) -> None:
    with pytest.raises(TableError, match="read the dataset's folder") as err:
        open_table(data_path(rel))
    assert err.value.code == "T601"


def _hats_reference(catalog: Path) -> Any:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    schema = pq.read_schema(catalog / "dataset" / "_common_metadata")
    files = sorted(str(p) for p in (catalog / "dataset").glob("Norder=*/Dir=*/Npix=*.parquet"))
    return ds.dataset(files, schema=schema, format="parquet").to_table()


@pytest.mark.parametrize("table", [None, "catalog", "margin_10arcs"])
def test_hats_collection(table: str | None) -> None:
    collection = data_path("hats/elaiss1oid_collection")
    source = open_table(collection, table)
    assert source.format == "parquet"
    assert source.table == (table or "catalog")
    _check_against_arrow(source, _hats_reference(collection / (table or "catalog")))


def test_hats_catalog_folder() -> None:
    catalog = data_path("hats/elaiss1oid_collection/catalog")
    _check_against_arrow(open_table(catalog), _hats_reference(catalog))
    assert sniff_format(catalog) == "parquet"


def test_partitioned_dataset_folder() -> None:
    import pyarrow.dataset as ds

    folder = data_path("hats/elaiss1oid_collection/catalog/dataset")
    ref = ds.dataset(str(folder), format="parquet", partitioning="hive").to_table()
    _check_against_arrow(open_table(folder), ref)


# --------------------------------------------------------------------------- CSV and text

CSV = _files("*/*.csv", "hats/**/*.csv")
TEXT_T602 = _files("training/SDSS_MGS.train")


@pytest.mark.parametrize("rel", CSV)
def test_csv(rel: str) -> None:
    import pandas as pd

    path = data_path(rel)
    ref = pd.read_csv(path)
    source = open_table(path)
    assert source.format == "csv"
    assert [c.name for c in source.columns] == list(ref.columns)
    assert source.num_rows == len(ref)
    got = read_all(source)
    for col in source.columns:
        kind = ref[col.name].dtype.kind
        if len(ref) == 0:  # a header without rows: no type to infer
            assert col.dtype == "str"
            continue
        assert col.dtype == ("str" if kind not in "biuf" else ref[col.name].dtype.name)
        assert_same(got[col.name], ref[col.name].to_numpy(), col.name)


@pytest.mark.parametrize("rel", TEXT_T602)
def test_sdss_header_names_18_of_19_columns(rel: str, tmp_path: Path) -> None:
    import pandas as pd

    path = data_path(rel)
    with pytest.raises(TableError) as err:
        open_table(path)
    assert err.value.code == "T602"
    assert "18 columns" in str(err.value) and "19 fields" in str(err.value)

    # with the header the README gives, it reads as pandas reads it
    true = "zs u g r i z u-g g-r r-i i-z eu eg er ei ez eu-g eg-r er-i ei-z".split()
    fixed = tmp_path / "sdss.txt"
    lines = path.read_text().splitlines(keepends=True)
    fixed.write_text("#" + " ".join(true) + "\n" + "".join(lines[1:]))
    ref = pd.read_csv(path, sep=r"\s+", comment="#", header=None, names=true)
    source = open_table(fixed)
    assert source.format == "text"
    assert [c.name for c in source.columns] == true
    got = read_all(source)
    assert source.num_rows == len(ref)
    for name in true:
        assert_same(got[name], ref[name].to_numpy(), name)


# --------------------------------------------------------------------------- FITS

FITS_EDGE = _files("edge/*.fits")
FITS_TABLES = _files("hats/**/*.fits")


@pytest.mark.parametrize("rel", FITS_TABLES)
def test_fits_table(rel: str) -> None:
    from astropy.io import fits

    path = data_path(rel)
    source = open_table(path)
    assert source.format == "fits"
    with fits.open(path) as hdul:
        hdu = next(h for h in hdul if isinstance(h, fits.BinTableHDU))
        assert [c.name for c in source.columns] == hdu.columns.names
        assert source.num_rows == len(hdu.data)
        got = read_all(source)
        for col in source.columns:
            ref = hdu.data.field(col.name)
            assert col.dtype == ref.dtype.name
            assert_same(got[col.name], ref, col.name)


@pytest.mark.parametrize("rel", FITS_EDGE)
def test_fits_several_table_hdus(rel: str) -> None:
    from astropy.io import fits

    path = data_path(rel)
    with pytest.raises(TableError) as err:
        open_table(path)
    assert err.value.code == "T604"
    with fits.open(path) as hdul:
        tables = [i for i, h in enumerate(hdul) if isinstance(h, fits.BinTableHDU)]
        for i in tables:
            assert str(i) in str(err.value)  # every table HDU is listed
            source = open_table(path, str(i))
            assert source.num_rows == hdul[i].header["NAXIS2"]
            assert [c.name for c in source.columns] == hdul[i].columns.names
            assert read_all(source) == {}
        names = [hdul[i].name for i in tables if hdul[i].name]
    for name in set(names):
        if names.count(name) > 1:  # a repeated EXTNAME cannot pick one
            with pytest.raises(TableError, match="set `table` to the HDU number") as err:
                open_table(path, name)
            assert err.value.code == "T604"


# --------------------------------------------------------------------------- HDF5

#: the group each file's table is in, and the datasets that are not one value per row
HDF5_LAYOUT = {
    "training/test_dc2_training_9816.hdf5": ("photometry", ()),
    "training/test_dc2_validation_9816.hdf5": ("photometry", ()),
    "training/training_100gal.hdf5": ("photometry", ()),
    "training/validation_10gal.hdf5": ("photometry", ()),
    "training/tiny_training_set_for_tests_des_dr2.hdf5": ("/", ()),
    "photoz/test1000.bpz.h5": ("/", ()),
    "photoz/test1000_probs.h5": ("/", ("ZGRID",)),  # the redshift grid of the PDFs
}
HDF5_GROUPS = list(HDF5_LAYOUT) if SHARED_DATA.is_dir() else [""]


@pytest.mark.parametrize("rel", HDF5_GROUPS)
def test_hdf5_group_of_datasets(rel: str) -> None:
    import h5py

    path = data_path(rel)
    group, not_rows = HDF5_LAYOUT[rel]
    source = open_table(path)
    assert source.format == "hdf5" and source.table == group
    with h5py.File(path, "r") as f:
        g = f[group]
        names = [k for k in g.keys() if k not in not_rows]
        assert [c.name for c in source.columns] == names
        n_rows = g[names[0]].shape[0]
        assert source.num_rows == n_rows
        for skipped in not_rows:
            assert any(skipped in note for note in source.notes)
        got = read_all(source)
        for col in source.columns:
            ref = g[col.name][()]
            assert col.dtype == ref.dtype.name
            assert col.shape == ref.shape[1:]
            assert_same(got[col.name], ref, col.name)
    # the group can also be named explicitly
    assert open_table(path, group).num_rows == n_rows


PANDAS = _files("photoz/test1000.h5")


@pytest.mark.parametrize("rel", PANDAS)
def test_pandas_store(rel: str) -> None:
    import pandas as pd

    path = data_path(rel)
    with pd.HDFStore(path, mode="r") as store:
        keys = store.keys()
        assert len(keys) == 1
        ref = store[keys[0]]
    source = open_table(path)
    assert source.format == "pandas-hdf5" and source.table == keys[0].strip("/")
    assert [c.name for c in source.columns] == list(ref.columns)
    assert source.num_rows == len(ref)
    got = read_all(source)
    for col in source.columns:
        assert col.dtype == ref[col.name].dtype.name
        assert_same(got[col.name], ref[col.name].to_numpy(), col.name)


# --------------------------------------------------------------------------- qp

QP = _files("photoz/output_BPZ_lite.*", "photoz/qp_*")


def _sha256_ok(path: Path) -> bool:
    sums = (path.parents[1] / "SHA256SUMS").read_text().split("\n")
    rel = path.relative_to(path.parents[1]).as_posix()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return any(line.split() == [digest, rel] or line.split() == [digest, f"./{rel}"]
               for line in sums)


def _qp_read(path: Path) -> Any:
    """The ensemble as qp reads it. qp reads the legacy layout with pandas, which unpickles:
    done here only for the file whose checksum the shared data's SHA256SUMS vouches for."""
    import qp

    assert _sha256_ok(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # qp leaves a FITS file open; numpy.core renames
        ens = qp.read(str(path))
        gc.collect()
    return ens


@pytest.mark.parametrize("rel", QP)
def test_qp_ensemble(rel: str) -> None:
    path = data_path(rel)
    ens = _qp_read(path)
    source = open_table(path)
    assert source.format == "qp"
    info = source.qp
    assert info is not None
    assert info.n_pdfs == ens.npdf == source.num_rows
    assert info.parameterization == ens.metadata["pdf_name"][0].decode()
    grid_key = next((k for k in ("xvals", "bins", "quants") if k in ens.metadata), None)
    if grid_key:
        np.testing.assert_allclose(info.grid, np.ravel(ens.metadata[grid_key]))
    else:
        assert info.grid == []
    ancil = list((ens.ancil or {}).keys())
    assert info.ancil == ancil
    names = [c.name for c in source.columns]
    assert names[:len(ancil)] == ancil  # the ancil columns, then the PDF parameters
    assert sorted(names[len(ancil):]) == sorted(ens.objdata.keys())
    got = read_all(source)
    for key, values in ens.objdata.items():
        assert got[key].shape == values.shape
        np.testing.assert_allclose(got[key], values, err_msg=key)
    for key in ancil:
        np.testing.assert_array_equal(got[key], np.squeeze(ens.ancil[key]), err_msg=key)


# --------------------------------------------------------------------------- npy

NPY = _files("photoz/*.npy")


@pytest.mark.parametrize("rel", NPY)
def test_npy(rel: str) -> None:
    path = data_path(rel)
    ref = np.load(path, allow_pickle=False)
    source = open_table(path)
    assert source.format == "npy" and source.num_rows == ref.shape[0]
    assert [(c.name, c.shape, c.dtype) for c in source.columns] == [
        ("values", ref.shape[1:], ref.dtype.name)]
    np.testing.assert_array_equal(read_all(source)["values"], ref)
