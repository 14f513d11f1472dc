"""Bad and unusual inputs for the table readers, made in tmp_path (no binary fixtures).

Each error must carry its T6xx code and a message that names what was found; pickles must
never be loaded (a pickle whose loading would create a file must leave no file behind).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pzbuild.errors import TableError
from pzbuild.tables import is_tabular_format, open_table, sniff_format

from .test_tables_shared_data import assert_same, read_all


def raises(code: str, path: Path, table: str | None = None, match: str | None = None
           ) -> TableError:
    with pytest.raises(TableError, match=match) as err:
        open_table(path, table)
    assert err.value.code == code, str(err.value)
    return err.value


def write_parquet(path: Path, n: int = 100, **kwargs: Any) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": np.arange(n), "z": np.linspace(0, 3, n),
                      "name": [f"g{i}" for i in range(n)]})
    pq.write_table(table, path, **kwargs)
    return path


# --------------------------------------------------------------------------- pickles


class _Touch:
    """Loading this pickle would create the file ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [0, 2, 5])
@pytest.mark.parametrize("name", ["model.pkl", "looks_like.csv", "data.parquet"])
def test_pickle_is_opaque_and_never_loaded(tmp_path: Path, name: str, protocol: int) -> None:
    marker = tmp_path / "loaded"
    path = tmp_path / name
    path.write_bytes(pickle.dumps({"model": _Touch(marker)}, protocol=protocol))
    assert sniff_format(path) is None
    err = raises("T601", path, match="pickle")
    assert "never loads" in str(err)
    assert not marker.exists()


def test_npy_of_python_objects_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "loaded"
    path = tmp_path / "objects.npy"
    np.save(path, np.array([_Touch(marker), 1], dtype=object), allow_pickle=True)
    assert sniff_format(path) == "npy"
    raises("T601", path, match="pickle")
    assert not marker.exists()


def _pandas_fixed_store(path: Path, block_pickle: bytes) -> None:
    """A pandas fixed-format frame whose one object block is ``block_pickle``, as pandas
    writes it (a PyTables VLArray of pickled objects)."""
    import h5py

    with h5py.File(path, "w") as f:
        g = f.create_group("df")
        g.attrs["pandas_type"] = np.bytes_(b"frame")
        g.attrs["nblocks"] = np.int64(1)
        g.create_dataset("axis0", data=np.array([b"name"]))
        g.create_dataset("axis1", data=np.arange(2))
        g.create_dataset("block0_items", data=np.array([b"name"]))
        ds = g.create_dataset("block0_values", (1,), dtype=h5py.vlen_dtype(np.uint8))
        ds[0] = np.frombuffer(block_pickle, dtype=np.uint8)
        ds.attrs["CLASS"] = np.bytes_(b"VLARRAY")
        ds.attrs["transposed"] = np.uint8(1)


def test_pandas_store_with_a_hostile_pickle_is_not_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "loaded"
    path = tmp_path / "store.h5"
    _pandas_fixed_store(path, pickle.dumps(np.array([[_Touch(marker)], ["b"]], dtype=object)))
    err = raises("T601", path, match="never loads")
    assert "name" in str(err)  # the column that holds it
    assert not marker.exists()


def test_pandas_store_with_a_plain_pickle_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "store.h5"
    _pandas_fixed_store(path, pickle.dumps(np.array([["a"], [None]], dtype=object)))
    source = open_table(path)
    assert source.format == "pandas-hdf5"
    assert read_all(source)["name"].tolist() == ["a", None]


def test_pandas_table_attribute_with_a_hostile_pickle(tmp_path: Path) -> None:
    import h5py
    import pandas as pd

    marker = tmp_path / "loaded"
    path = tmp_path / "store.h5"
    pd.DataFrame({"a": [1, 2]}).to_hdf(path, key="t", format="table")
    with h5py.File(path, "a") as f:
        f["t"].attrs["non_index_axes"] = np.bytes_(pickle.dumps(_Touch(marker), protocol=0))
    raises("T601", path, match="cannot decode")
    assert not marker.exists()


# --------------------------------------------------------------------------- corrupt files


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert sniff_format(path) is None
    raises("T601", path, match="empty")


def test_truncated_parquet(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "t.parquet", 10_000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert sniff_format(path) == "parquet"  # by its magic bytes
    raises("T601", path, match="corrupt or truncated")


@pytest.mark.parametrize("name", ["random.csv", "random.txt", "random.bin"])
def test_random_bytes(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert sniff_format(path) is None
    raises("T601", path, match="binary")


@pytest.mark.parametrize("magic", [b"SIMPLE  = garbage", b"\x89HDF\r\n\x1a\ngarbage",
                                   b"\x93NUMPYgarbage"])
def test_magic_bytes_then_garbage(tmp_path: Path, magic: bytes) -> None:
    path = tmp_path / "broken"
    path.write_bytes(magic + b"\x00" * 100)
    assert sniff_format(path) is not None
    raises("T601", path)


def test_prose_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# A product\n\nSome words about it, and more words.\nThe end.\n")
    assert sniff_format(path) is None
    raises("T601", path, match="text but not a table")


def test_missing_file(tmp_path: Path) -> None:
    raises("T601", tmp_path / "nope.csv", match="no file")


# --------------------------------------------------------------------------- extension


def test_csv_that_is_parquet_reads_with_t606(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "catalog.csv")
    assert sniff_format(path) == "parquet"
    source = open_table(path)
    assert source.format == "parquet" and source.num_rows == 100
    assert [code for code, _ in source.warnings] == ["T606"]
    assert "'.csv'" in source.warnings[0][1] and "Parquet" in source.warnings[0][1]


def test_matching_extension_has_no_warning(tmp_path: Path) -> None:
    tsv = tmp_path / "t.txt"
    tsv.write_text("a\tb\n1\t2\n")
    assert open_table(tsv).warnings == []


def test_table_does_not_apply_to_single_table_files(tmp_path: Path) -> None:
    raises("T603", write_parquet(tmp_path / "t.parquet"), "photometry", match="one table")
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n")
    raises("T603", csv, "photometry")


# --------------------------------------------------------------------------- memory


def test_batches_are_bounded(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "big.parquet", 300_000, row_group_size=300_000)
    source = open_table(path)
    sizes = [len(b["id"]) for b in source.iter_batches(10_000)]
    assert max(sizes) <= 10_000 and sum(sizes) == 300_000 == source.num_rows
    with pytest.raises(ValueError):
        next(source.iter_batches(0))


def test_text_batches_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i * 0.5}\n" for i in range(25_000)))
    sizes = [len(b["a"]) for b in open_table(path).iter_batches(1_000)]
    assert max(sizes) <= 1_000 and sum(sizes) == 25_000


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize("header", ["#a b c\n", "a b c\n"])
def test_text_header_names_fewer_columns(tmp_path: Path, header: str) -> None:
    path = tmp_path / "t.dat"
    path.write_text(header + "1 2 3 4\n5 6 7 8\n")
    err = raises("T602", path)
    assert "names 3 columns" in str(err) and "hold 4 fields" in str(err)


def test_csv_header_names_fewer_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ra,dec\n1,2,3\n4,5,6\n")
    raises("T602", path, match="names 2 columns")


def test_row_with_extra_field_later_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "1,2\n" * 300 + "1,2,3\n")
    raises("T602", path, match="line 302 holds 3 fields")


@pytest.mark.parametrize("sep", [",", "\t", ";", "  "])
def test_delimiters_and_headerless_files(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "t.txt"
    path.write_text("".join(sep.join(str(v) for v in (i, i * 0.5, i % 2)) + "\n"
                            for i in range(50)))
    source = open_table(path)
    assert source.format == ("text" if sep == "  " else "csv")
    assert [c.name for c in source.columns] == ["col1", "col2", "col3"]
    assert [c.dtype for c in source.columns] == ["int64", "float64", "int64"]
    assert read_all(source)["col2"][-1] == 49 * 0.5


def test_text_types_settled_over_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = [f"{i},{i},x{i},True" for i in range(70_000)] + ["70000,,y,False", "1,nan,,True"]
    path.write_text("id,flag,label,ok\n" + "\n".join(rows) + "\n")
    source = open_table(path)
    assert {c.name: c.dtype for c in source.columns} == {
        "id": "int64", "flag": "float64", "label": "str", "ok": "bool"}
    got = read_all(source, 50_000)
    assert np.isnan(got["flag"][-1]) and got["label"][-1] is None and got["label"][0] == "x0"
    assert source.num_rows == 70_002


def test_comment_header_naming_every_column(tmp_path: Path) -> None:
    path = tmp_path / "t.train"
    path.write_text("# produced by a code\n#z mag err\n0.1 20.0 0.1\n0.2 21.5 0.2\n")
    source = open_table(path)
    assert [c.name for c in source.columns] == ["z", "mag", "err"]
    assert read_all(source)["mag"].tolist() == [20.0, 21.5]


def test_quoted_csv_and_repeated_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('id,name,name\n1,"Smith, J.",a\n2,"Doe, A.",b\n')
    source = open_table(path)
    assert [c.name for c in source.columns] == ["id", "name", "name_2"]
    assert read_all(source)["name"].tolist() == ["Smith, J.", "Doe, A."]


# --------------------------------------------------------------------------- HDF5


def _hdf5_two_groups(path: Path) -> Path:
    import h5py

    with h5py.File(path, "w") as f:
        for group in ("photometry", "truth"):
            f.create_dataset(f"{group}/id", data=np.arange(5))
            f.create_dataset(f"{group}/z", data=np.linspace(0, 1, 5))
    return path


def test_hdf5_missing_group_lists_what_exists(tmp_path: Path) -> None:
    path = _hdf5_two_groups(tmp_path / "t.hdf5")
    err = raises("T603", path, "photmetry")
    assert "photmetry" in str(err) and "photometry" in str(err) and "truth" in str(err)


def test_hdf5_several_groups_without_table(tmp_path: Path) -> None:
    path = _hdf5_two_groups(tmp_path / "t.hdf5")
    err = raises("T604", path)
    assert "photometry" in str(err) and "truth" in str(err)
    assert open_table(path, "/truth").num_rows == 5


def test_hdf5_compound_and_string_datasets(tmp_path: Path) -> None:
    import h5py

    path = tmp_path / "t.h5"
    rows = np.array([(1, b"a", 0.5), (2, b"bb", 1.5)],
                    dtype=[("id", "i8"), ("name", "S2"), ("z", "f4")])
    with h5py.File(path, "w") as f:
        f.create_dataset("cat", data=rows)
    source = open_table(path)
    assert [(c.name, c.dtype) for c in source.columns] == [
        ("id", "int64"), ("name", "str"), ("z", "float32")]
    assert read_all(source)["name"].tolist() == ["a", "bb"]


@pytest.mark.parametrize("fmt", ["table", "fixed"])
def test_pandas_stores(tmp_path: Path, fmt: str) -> None:
    import pandas as pd

    path = tmp_path / "store.h5"
    df = pd.DataFrame({
        "id": np.arange(2_500), "z": np.linspace(0, 2, 2_500).astype("f4"),
        "name": [f"g{i}" if i % 7 else None for i in range(2_500)],
        "ok": np.arange(2_500) % 3 == 0,
        "t": pd.date_range("2024-01-01", periods=2_500, freq="h"),
    })
    df.index.name = "row"
    if fmt == "table":
        df["band"] = pd.Categorical(np.where(np.arange(2_500) % 2, "r", "i"))
        df.to_hdf(path, key="cat/main", format="table", data_columns=["z"])
    else:
        df.to_hdf(path, key="cat/main", format="fixed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference read: pandas' own
        ref = pd.read_hdf(path, "cat/main").reset_index()
    source = open_table(path)
    assert source.format == "pandas-hdf5" and source.table == "cat/main"
    assert [c.name for c in source.columns] == list(ref.columns)
    got = read_all(source, 1_000)
    for col in source.columns:
        values = ref[col.name]
        if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype.kind not in "biufM":
            assert col.dtype == "str"
            values = values.astype(object).where(values.notna(), None)
        else:
            assert col.dtype == values.dtype.name
        assert_same(got[col.name], values.to_numpy(), col.name)


# --------------------------------------------------------------------------- FITS


def _fits_tables(path: Path) -> Path:
    from astropy.io import fits

    cols = [fits.Column(name="ra", format="D", unit="deg", array=np.array([1.0, 2.0])),
            fits.Column(name="flux", format="E", unit="nJy/weird_unit",
                        array=np.array([3.0, 4.0])),
            fits.Column(name="name", format="5A", array=np.array(["ab", "cde"])),
            fits.Column(name="ok", format="L", array=np.array([True, False])),
            fits.Column(name="pdf", format="3D", array=np.ones((2, 3)))]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols, name="OBJECTS"),
                  fits.BinTableHDU.from_columns(cols[:1], name="EXTRA")]).writeto(path)
    return path


def test_fits_several_tables_need_table(tmp_path: Path) -> None:
    path = _fits_tables(tmp_path / "t.fits")
    err = raises("T604", path)
    assert "OBJECTS" in str(err) and "EXTRA" in str(err)
    raises("T603", path, "missing", match="OBJECTS")
    raises("T603", path, "0", match="not a table")
    raises("T603", path, "9", match="no HDU 9")


def test_fits_columns_units_and_types(tmp_path: Path) -> None:
    path = _fits_tables(tmp_path / "t.fits")
    source = open_table(path, "objects")  # any case
    assert source.table == "OBJECTS"
    cols = {c.name: c for c in source.columns}
    assert cols["flux"].unit == "nJy/weird_unit"  # kept raw, no UnitsWarning
    assert (cols["name"].dtype, cols["ok"].dtype, cols["pdf"].shape) == ("str", "bool", (3,))
    got = read_all(source, 1)
    assert got["name"].tolist() == ["ab", "cde"] and got["ok"].tolist() == [True, False]
    assert open_table(path, "2").columns[0].name == "ra"


# --------------------------------------------------------------------------- VOTable, npy


def _votable(path: Path, n_tables: int = 1) -> Path:
    from astropy.io.votable.tree import Field, Resource, TableElement, VOTableFile

    vot = VOTableFile()
    resource = Resource()
    vot.resources.append(resource)
    for k in range(n_tables):
        t = TableElement(vot, ID=f"t{k}", name=f"table{k}")
        t.fields.extend([
            Field(vot, name="id", datatype="long"),
            Field(vot, name="z", datatype="double", unit="odd_unit"),
            Field(vot, name="src", datatype="char", arraysize="*"),
        ])
        t.create_arrays(3)
        for i in range(3):
            t.array[i] = (i, 0.5 * i, f"s{i}")
        t.array.mask["id"][1] = True
        resource.tables.append(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vot.to_xml(str(path))
    return path


def test_votable(tmp_path: Path) -> None:
    path = _votable(tmp_path / "t.xml")
    assert sniff_format(path) == "votable"
    source = open_table(path)
    assert source.format == "votable" and source.num_rows == 3
    cols = {c.name: c for c in source.columns}
    assert cols["id"].dtype == "float64"  # a masked integer
    assert cols["src"].dtype == "str"
    got = read_all(source, 2)
    assert np.isnan(got["id"][1]) and got["src"].tolist() == ["s0", "s1", "s2"]


def test_votable_several_tables(tmp_path: Path) -> None:
    path = _votable(tmp_path / "t.vot", 2)
    err = raises("T604", path)
    assert "t0" in str(err) and "t1" in str(err)
    assert open_table(path, "t1").table == "t1"
    raises("T603", path, "t9", match="t0")


def test_npy_layouts(tmp_path: Path) -> None:
    table = np.zeros(4, dtype=[("id", "i8"), ("z", "f4")])
    np.save(tmp_path / "s.npy", table)
    assert [c.name for c in open_table(tmp_path / "s.npy").columns] == ["id", "z"]
    np.save(tmp_path / "narrow.npy", np.ones((5, 3)))
    assert [c.name for c in open_table(tmp_path / "narrow.npy").columns] == [
        "col1", "col2", "col3"]
    np.save(tmp_path / "one.npy", np.arange(7))
    assert read_all(open_table(tmp_path / "one.npy"))["value"].tolist() == list(range(7))


# --------------------------------------------------------------------------- qp, HATS


def test_qp_hist_ensemble(tmp_path: Path) -> None:
    import qp

    bins = np.linspace(0, 3, 11)
    ens = qp.Ensemble(qp.hist, data={"bins": bins, "pdfs": np.random.default_rng(2).random(
        (4, 10))})
    ens.set_ancil({"zmode": np.arange(4.0), "name": np.array(["a", "b", "c", "d"])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ens.write_to(str(tmp_path / "h.hdf5"))
    source = open_table(tmp_path / "h.hdf5")
    assert source.qp is not None
    assert (source.qp.parameterization, source.qp.n_pdfs) == ("hist", 4)
    np.testing.assert_allclose(source.qp.grid, bins)
    assert source.qp.ancil == ["name", "zmode"]
    got = read_all(source)
    assert got["name"].tolist() == ["a", "b", "c", "d"] and got["pdfs"].shape == (4, 10)
    # the groups of a qp file can also be read one by one
    assert open_table(tmp_path / "h.hdf5", "ancil").format == "hdf5"


def test_hats_collection_missing_catalog(tmp_path: Path) -> None:
    folder = tmp_path / "coll"
    (folder / "cat" / "dataset" / "Norder=0" / "Dir=0").mkdir(parents=True)
    (folder / "cat" / "hats.properties").write_text("hats_nrows=100\n")
    (folder / "collection.properties").write_text("hats_primary_table_url=cat\n")
    write_parquet(folder / "cat" / "dataset" / "Norder=0" / "Dir=0" / "Npix=1.parquet")
    assert open_table(folder).num_rows == 100
    raises("T603", folder, "margin", match="cat")


def test_folder_without_parquet(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    assert sniff_format(tmp_path) is None
    raises("T601", tmp_path, match="folder")


# --------------------------------------------------------------------------- the package


def test_is_tabular_format() -> None:
    assert all(is_tabular_format(f) for f in ("parquet", "csv", "text", "fits", "hdf5",
                                              "pandas-hdf5", "votable", "qp", "npy"))
    assert not is_tabular_format(None) and not is_tabular_format("pickle")


def test_import_is_cheap() -> None:
    code = ("import sys, pzbuild.tables; heavy = {'pyarrow', 'pandas', 'astropy', 'h5py', "
            "'tables', 'qp'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONWARNINGS": "error"})
    assert out.stdout.strip() == "[]"
