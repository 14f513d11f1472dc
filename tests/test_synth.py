"""The synthetic data generators, the example catalog and bench/make_catalog.py."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import h5py
import numpy as np
import pytest
from jsonschema import Draft202012Validator

from pzbuild import synth
from pzbuild.synth.catalog import plan_catalog
from pzbuild.synth.products import dump_product_yaml
from pzbuild.yamlload import load_yaml_bytes, load_yaml_file

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "schema" / "product.schema.json").read_text())
BANDS = "ugrizy"


def _bench() -> ModuleType:
    path = REPO / "bench" / "make_catalog.py"
    spec = importlib.util.spec_from_file_location("make_catalog", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _schema_errors(yaml_path: Path) -> list[str]:
    loaded = load_yaml_file(yaml_path, str(yaml_path))
    assert loaded.problems == [], [p.format() for p in loaded.problems]
    validator = Draft202012Validator(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(loaded.data)]


# -- tables -------------------------------------------------------------------------------

def test_specz_catalog_columns_roles_and_sentinels() -> None:
    t = synth.specz_catalog(3000, seed=1)
    assert list(t.columns) == ["id", "ra", "dec", "z", "z_err", "z_flag", "survey"]
    assert t.num_rows == 3000 and all(len(v) == 3000 for v in t.columns.values())
    assert set(t.roles.values()) <= set(t.columns)
    c = t.columns
    assert len(np.unique(c["id"])) == 3000
    assert np.all(c["z"][c["z_flag"] == 0] == -99.0)  # failed redshifts
    assert np.any(c["z_err"] == -99.0) and t.null_values == [-99.0]
    good = c["z"] > 0
    assert 0.2 < np.median(c["z"][good]) < 1.2 and c["z"][good].max() < 3.0
    ra0, dec0 = synth.FIELDS["ECDFS"]
    assert np.all(np.abs(c["dec"] - dec0) < 0.71)
    assert np.all(np.abs(c["ra"] - ra0) * np.cos(np.radians(dec0)) < 0.75)
    assert set(np.unique(c["survey"])) <= set(synth.tables.SPECZ_SURVEYS)


def test_specz_catalog_is_deterministic_and_renames_roles() -> None:
    a, b = synth.specz_catalog(500, seed=7), synth.specz_catalog(500, seed=7)
    assert all(np.array_equal(a.columns[k], b.columns[k]) for k in a.columns)
    wide = synth.specz_catalog(500, seed=7, field_name=None).rename({"ra": "RAdeg", "z": "Z"})
    assert wide.roles["ra"] == "RAdeg" and wide.roles["z"] == "Z" and "Z" in wide.columns
    assert wide.units["RAdeg"] == "deg"
    assert -60 <= wide.columns["dec"].min() and wide.columns["dec"].max() <= -30


def test_training_set_has_lsst_columns_and_dc2_sentinels() -> None:
    t = synth.training_set(2000, seed=2, years=1.0, mag_limit=25.0)
    expected = ["id", "ra", "dec"]
    for b in BANDS:
        expected += [f"mag_{b}_lsst", f"mag_err_{b}_lsst"]
    assert list(t.columns) == [*expected, "redshift"] and t.num_rows == 2000
    u, eu = t.columns["mag_u_lsst"], t.columns["mag_err_u_lsst"]
    assert np.any(u == 99.0), "faint galaxies drop out of u at one-year depth"
    assert len(np.unique(eu[u == 99.0])) == 1, "a non-detection's error is the 1σ limit"
    assert any(np.any(t.columns[f"mag_{b}_lsst"] == -99.0) for b in BANDS)
    assert t.null_values == [99.0, -99.0] and t.roles["z"] == "redshift"
    i = t.columns["mag_i_lsst"]
    assert i.max() < 25.0 and np.all(t.columns["redshift"] > 0)


def test_training_set_for_given_redshifts() -> None:
    z = np.array([0.1, 0.5, 1.0, 2.0])
    t = synth.training_set(0, seed=3, z=z, ids=np.arange(4), with_positions=False)
    assert t.num_rows == 4 and "ra" not in t.columns and np.array_equal(t.columns["redshift"], z)


def test_colours_carry_redshift() -> None:
    fit = synth.fit_linear_photoz(synth.training_set(4000, seed=4))
    assert fit["n_train"] > 3000 and fit["rms_dz"] < 0.1
    assert len(fit["coefficients"]) == len(fit["features"])


@pytest.mark.parametrize("style", ["mag", "flux"])
def test_object_catalog(style: str) -> None:
    t, z = synth.object_catalog(1500, seed=5, style=style, years=1.0, mag_limit=24.5)
    assert t.num_rows == 1500 == z.size
    assert {"ra", "dec", "id"} <= set(t.roles) and set(t.roles.values()) <= set(t.columns)
    if style == "flux":
        assert np.any(t.columns["u_cModelFlux"] < 0), "noise makes faint fluxes negative"
        assert t.units["g_cModelFlux"] == "nJy"
    else:
        assert any(np.any(t.columns[f"mag_{b}"] == -99.0) for b in BANDS)


def test_estimates_metrics_and_nz() -> None:
    z = synth.smail_redshifts(np.random.default_rng(6), 3000, z0=0.4)
    mix = synth.photoz_mixtures(z, None, seed=6)
    point = synth.point_estimates(mix, np.arange(3000))
    assert list(point.columns) == ["id", "z_phot", "z_phot_err", "odds"]
    assert np.all((point.columns["odds"] >= 0) & (point.columns["odds"] <= 1))
    scores = synth.metrics(z, point.columns["z_phot"]).columns
    overall = list(scores["bin"]).index("all")
    assert scores["n"][overall] == 3000
    assert 0.02 < scores["sigma_nmad"][overall] < 0.1
    assert 0 < scores["outlier_fraction"][overall] < 0.2
    nz = synth.tomographic_nz(z, point.columns["z_phot"]).columns
    assert len(nz) == 6 and np.allclose(nz["nz_bin1"].sum() * 0.02, 1.0, atol=1e-3)


# -- files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", synth.pdfs.KINDS)
def test_qp_ensemble_reads_back(tmp_path: Path, kind: str) -> None:
    import qp

    z = synth.smail_redshifts(np.random.default_rng(8), 250)
    mix = synth.photoz_mixtures(z, None, seed=8)
    path = synth.write_qp(synth.qp_ensemble(mix, kind), tmp_path / f"pz_{kind}.hdf5")
    ens = qp.read(str(path))
    assert ens.npdf == 250
    assert np.allclose(np.asarray(ens.ancil["zmode"]).ravel(), mix.mode())


@pytest.mark.parametrize("fmt", synth.FORMATS)
def test_every_format_round_trips(tmp_path: Path, fmt: str) -> None:
    t = synth.specz_catalog(300, seed=9)
    path = tmp_path / f"t{synth.SUFFIXES[fmt]}"
    key = synth.write_table(t, path, fmt, key="SPECZ" if fmt == "fits" else None)
    names, rows = _read_back(path, fmt, key)
    assert names == list(t.columns) and rows == 300


def _read_back(path: Path, fmt: str, key: str | None) -> tuple[list[str], int]:
    import pandas as pd

    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        assert table.schema.field("ra").metadata == {b"unit": b"deg"}
        return table.column_names, table.num_rows
    if fmt == "csv":
        df = pd.read_csv(path)
        return list(df.columns), len(df)
    if fmt == "text":
        header = path.read_text().splitlines()[0]
        df = pd.read_csv(path, sep=r"\s+", comment="#", header=None)
        return header.lstrip("# ").split(), len(df)
    if fmt == "fits":
        from astropy.io import fits

        with fits.open(path) as hdul:
            hdu = hdul[key]
            assert hdu.header["TUNIT2"] == "deg"
            return list(hdu.columns.names), len(hdu.data)
    if fmt in ("hdf5", "hdf5-flat"):
        with h5py.File(path) as f:
            group = f[key] if key else f
            assert (key == "photometry") == (fmt == "hdf5")
            return list(t for t in group), len(group["id"])
    if fmt == "pandas-hdf5":
        df = pd.read_hdf(path, key)
        return list(df.columns), len(df)
    from astropy.table import Table

    table = Table.read(path, format="votable")
    return list(table.colnames), len(table)


def test_product_yaml_has_no_aliases_and_loads_strictly() -> None:
    shared = [{"name": "A"}]
    text = dump_product_yaml({"name": "x", "authors": shared, "tags": ["a", "b"],
                              "more": shared, "description": "two\nlines\n"})
    assert "&id" not in text and "tags: [a, b]" in text and "description: |" in text
    assert load_yaml_bytes(text.encode(), "p.yaml").problems == []


# -- catalogs -------------------------------------------------------------------------------

def test_plan_is_deterministic_and_links_only_backwards() -> None:
    plans = plan_catalog(300, seed=3)
    assert plans == plan_catalog(300, seed=3)
    assert len({p.id for p in plans}) == 300
    seen: set[str] = set()
    for p in plans:
        assert set(p.derived_from) <= seen
        seen.add(p.id)
    assert sum(bool(p.derived_from) for p in plans) > 30
    assert len({p.ptype for p in plans}) == 7
    assert sum(p.fmt == "parquet" for p in plans) > 100


def test_make_catalog_writes_valid_products(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    assert _bench().main(["20", str(out), "--seed", "5"]) == 0
    assert "20 products" in capsys.readouterr().out
    assert (out / "catalog.yaml").is_file() and (out / "schema" / "vocabulary.yaml").is_file()
    yamls = sorted((out / "products").rglob("product.yaml"))
    assert len(yamls) == 20
    ids = {str(y.parent.relative_to(out / "products")) for y in yamls}
    for y in yamls:
        assert _schema_errors(y) == [], y
        meta = load_yaml_file(y, str(y)).data
        assert set(meta.get("provenance", {}).get("derived_from", [])) <= ids
        for entry in meta["files"]:
            assert (y.parent / entry["path"]).is_file()
        for col in (meta.get("columns") or {}).values():
            assert isinstance(col, str)


EXAMPLES = sorted((REPO / "products").rglob("product.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.parent.relative_to(REPO)))
def test_example_product_follows_the_schema(path: Path) -> None:
    assert _schema_errors(path) == []
    meta = load_yaml_file(path, str(path)).data
    assert meta["license"] == "CC-BY-4.0"
    listed = {f["path"] for f in meta["files"]}
    on_disk = {p.relative_to(path.parent).as_posix() for p in path.parent.rglob("*")
               if p.is_file() and p.name != "product.yaml"}
    assert listed == on_disk
    assert (meta["type"] == "redshift_catalog") <= (meta.get("release") is None)
    assert (meta.get("pz_code") is not None) <= (meta["type"] in ("validation_results",
                                                                  "photoz_estimates"))


def test_example_catalog_covers_the_contract() -> None:
    metas = {str(p.parent.relative_to(REPO / "products")): load_yaml_file(p, str(p)).data
             for p in EXAMPLES}
    assert len(metas) >= 6
    assert len({m["type"] for m in metas.values()}) >= 5
    assert any(i.startswith("official/") for i in metas)
    assert any(i.startswith("user/") for i in metas)
    links = [d for m in metas.values() for d in m.get("provenance", {}).get("derived_from", [])]
    assert links and set(links) <= set(metas)
    size = sum(p.stat().st_size for p in (REPO / "products").rglob("*") if p.is_file())
    assert size < 3.5e6


def test_example_catalog_is_what_the_script_makes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_examples",
                                                  REPO / "scripts" / "make_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "products"
    assert module.main(["--out", str(out)]) == 0
    made = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file()}
    repo = {p.relative_to(REPO / "products").as_posix(): p.read_bytes()
            for p in (REPO / "products").rglob("*") if p.is_file()}
    assert made.keys() == repo.keys()
    # metadata and text byte for byte; binary files may differ with library versions
    text = (".yaml", ".md", ".json", ".csv", ".txt")
    changed = [k for k in made if k.endswith(text) and made[k] != repo[k]]
    assert changed == [], "products/ is stale: run scripts/make_examples.py"


def test_example_and_bench_catalogs_pass_the_validator(tmp_path: Path) -> None:
    from pzbuild.validate import validate_catalog

    report = validate_catalog(REPO)
    assert [p.format() for p in report.problems] == []
    out = tmp_path / "bench"
    assert _bench().main(["12", str(out), "--seed", "11", "--jobs", "1"]) == 0
    report = validate_catalog(out)
    assert [p.format() for p in report.problems] == [] and len(report.products) == 12
