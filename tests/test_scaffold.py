"""`pzbuild new` as a library call: the folder and product.yaml it makes, and what it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pzbuild import scaffold as scaffold_module
from pzbuild.config import load_catalog
from pzbuild.errors import ScaffoldError
from pzbuild.scaffold import scaffold_product
from pzbuild.validate import validate_catalog
from pzbuild.yamlload import load_yaml_file

from .conftest import make_catalog_root, shared_data

CONTRACT_ORDER = ["name", "type", "release", "pz_code", "description", "authors", "contact",
                  "license", "tags", "files", "columns", "null_values", "table", "provenance",
                  "citation"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_catalog_root(tmp_path / "catalog")


@pytest.fixture
def desi(tmp_path: Path) -> Path:
    """A small DESI-like spec-z table outside the catalog."""
    path = tmp_path / "incoming" / "desi_dr1.parquet"
    path.parent.mkdir()
    pq.write_table(pa.table({
        "TARGETID": [1, 2, 3], "TARGET_RA": [150.1, 150.2, 150.3],
        "TARGET_DEC": [2.1, 2.2, 2.3], "Z": [0.1, 0.5, 1.2], "ZERR": [1e-4, 2e-4, 1e-4],
        "ZWARN": [0, 0, 4], "FLUX_Z": [10.0, 3.0, 1.0]}), path)
    return path


def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _load(path: Path) -> dict:
    loaded = load_yaml_file(path, "product.yaml")
    assert loaded.problems == []
    assert isinstance(loaded.data, dict)
    return loaded.data


def test_scaffold_a_redshift_catalog(root: Path, desi: Path) -> None:
    folder = root / "products" / "official" / "desi-dr1"
    result = scaffold_product(root, folder, "redshift_catalog", desi)

    assert result.product_id == "official/desi-dr1"
    assert result.copied_from == desi and desi.exists()
    assert _tree(folder) == ["desi_dr1.parquet", "product.yaml"]  # no temporary file left
    assert (folder / "desi_dr1.parquet").read_bytes() == desi.read_bytes()
    data = _load(result.yaml_path)
    assert list(data) == [k for k in CONTRACT_ORDER if k in data]
    assert data["type"] == "redshift_catalog" and data["release"] is None
    assert data["name"] == "desi dr1"
    assert data["files"] == [{"path": "desi_dr1.parquet", "role": "main"}]
    assert data["columns"] == {"id": "TARGETID", "ra": "TARGET_RA", "dec": "TARGET_DEC",
                               "z": "Z", "z_err": "ZERR", "z_flag": "ZWARN", "survey": None}
    assert result.roles is not None and result.roles.as_columns() == data["columns"]
    assert result.columns is not None and "FLUX_Z" in result.columns
    assert result.placeholders == ("/description", "/authors/0/name", "/license")
    for pointer in result.placeholders:
        value = data
        for key in pointer.strip("/").split("/"):
            value = value[int(key)] if isinstance(value, list) else value[key]
        assert value.startswith("TODO")
    jsonschema.validate(data, load_catalog(root).schema)
    text = result.yaml_path.read_text()
    assert "# An SPDX licence identifier" in text and "ra: TARGET_RA  # guessed\n" in text


def test_validate_points_at_each_placeholder_and_nothing_else(root: Path, desi: Path) -> None:
    result = scaffold_product(root, root / "products/user/jdoe/desi-copy", "redshift_catalog",
                              desi)
    report = validate_catalog(root)
    assert {p.code for p in report.problems} == {"R413"}
    assert sorted(p.location.pointer or "" for p in report.problems) == \
        sorted(result.placeholders)


def test_required_roles_it_cannot_guess_become_placeholders(root: Path, tmp_path: Path
                                                            ) -> None:
    main = tmp_path / "weird.csv"
    main.write_text('"RA #1","y: pos",yes,redshift,"ID: 1"\n1,2,3,0.5,7\n')
    result = scaffold_product(root, root / "products/official/weird", "redshift_catalog", main)
    data = _load(result.yaml_path)
    assert data["columns"]["ra"] == "RA #1" and data["columns"]["id"] == "ID: 1"
    assert data["columns"]["dec"] == "TODO: the column that holds dec"
    assert data["columns"]["z"] == "redshift"
    assert "/columns/dec" in result.placeholders
    assert "a redshift_catalog needs it" in result.yaml_path.read_text()


def test_main_file_already_in_the_folder_and_other_files(root: Path, desi: Path) -> None:
    folder = root / "products/user/jdoe/run-1"
    (folder / "sub").mkdir(parents=True)
    main = folder / "sub" / "table.parquet"
    main.write_bytes(desi.read_bytes())
    (folder / "README.md").write_text("# About\n")
    (folder / "notes.txt").write_text("notes\n")
    (folder / ".DS_Store").write_text("")
    result = scaffold_product(root, folder, "training_set", main, name="My training set")
    assert result.copied_from is None and result.main_file == "sub/table.parquet"
    data = _load(result.yaml_path)
    assert data["name"] == "My training set"
    assert data["files"] == [{"path": "sub/table.parquet", "role": "main"},
                             {"path": "README.md", "role": "description"},
                             {"path": "notes.txt", "role": "auxiliary"}]
    assert data["release"] is None and "dp1" in result.yaml_path.read_text()


def test_same_file_already_there_is_reused(root: Path, desi: Path) -> None:
    folder = root / "products/official/desi"
    folder.mkdir()
    (folder / desi.name).write_bytes(desi.read_bytes())
    result = scaffold_product(root, folder, "redshift_catalog", desi)
    assert result.copied_from is None and result.main_file == desi.name


def test_a_non_tabular_product_has_no_columns(root: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.pkl"
    model.write_bytes(b"\x80\x04K\x01.")
    result = scaffold_product(root, root / "products/official/model", "training_results",
                              model)
    data = _load(result.yaml_path)
    assert "columns" not in data and result.columns is None and result.roles is None
    assert result.placeholders == ("/description", "/authors/0/name", "/license")


def test_an_unreadable_table_of_an_untyped_product_is_noted(root: Path, tmp_path: Path
                                                            ) -> None:
    bad = tmp_path / "short_header.txt"
    bad.write_text("# a b\n1 2 3\n4 5 6\n")
    result = scaffold_product(root, root / "products/official/odd", "other", bad)
    assert result.columns is None and "columns" not in _load(result.yaml_path)
    assert len(result.notes) == 1 and "no column roles were guessed" in result.notes[0]
    with pytest.raises(ScaffoldError, match="cannot read short_header.txt as a table"):
        scaffold_product(root, root / "products/official/odd2", "training_set", bad)
    assert not (root / "products/official/odd2").exists()


def test_photoz_estimates_get_a_pz_code_field(root: Path, desi: Path) -> None:
    result = scaffold_product(root, root / "products/official/pz", "photoz_estimates", desi)
    data = _load(result.yaml_path)
    assert "pz_code" in data and data["pz_code"] is None
    assert data["columns"]["z"] == "Z"


def test_relative_paths_are_taken_from_the_current_folder(root: Path, desi: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.chdir(root)
    result = scaffold_product(Path("."), Path("products/user/jdoe/rel"), "redshift_catalog",
                              Path(os.path.relpath(desi, root)))
    assert result.folder == (root / "products/user/jdoe/rel").resolve()


def test_force_replaces_an_existing_product_yaml(root: Path, desi: Path) -> None:
    folder = root / "products/official/desi"
    folder.mkdir()
    (folder / "product.yaml").write_text("name: old\n")
    with pytest.raises(ScaffoldError, match="already has a product.yaml.*--force"):
        scaffold_product(root, folder, "redshift_catalog", desi)
    assert _tree(folder) == ["product.yaml"]
    assert (folder / "product.yaml").read_text() == "name: old\n"
    result = scaffold_product(root, folder, "redshift_catalog", desi, force=True)
    assert result.replaced and _load(result.yaml_path)["type"] == "redshift_catalog"


@pytest.mark.parametrize(("where", "message"), [
    ("elsewhere/x", "is not inside .*products: a product lives at products/official/<slug>"),
    ("products", "is the products folder itself, not a product folder"),
    ("products/official", "is not a product folder"),
    ("products/other/x", "is not a product folder"),
    ("products/user/jdoe", "is not a product folder"),
    ("products/official/a/b", "is not a product folder"),
    ("products/official/Bad_Slug", "the slug 'Bad_Slug' must be lower-case.*e.g. 'bad-slug'"),
    ("products/official/-x", "the slug '-x'"),
    ("products/official/" + "a" * 65, "at most 64 characters"),
    ("products/user/J.Doe/x", "the owner handle 'J.Doe'"),
])
def test_bad_product_paths(root: Path, desi: Path, where: str, message: str) -> None:
    before = _tree(root.parent)
    with pytest.raises(ScaffoldError, match=message):
        scaffold_product(root, root / where, "redshift_catalog", desi)
    assert _tree(root.parent) == before


def test_bad_inputs_leave_nothing_behind(root: Path, desi: Path, tmp_path: Path) -> None:
    target = root / "products/user/jdoe/new-one"
    before = _tree(root.parent)
    cases = [
        (dict(product_type="redshift_catalogue", main_file=desi),
         "'redshift_catalogue' is not a product type.*did you mean 'redshift_catalog'"),
        (dict(product_type="redshift_catalog", main_file=tmp_path / "missing.parquet"),
         "missing.parquet does not exist"),
        (dict(product_type="redshift_catalog", main_file=tmp_path / "incoming"),
         "is not a file"),
        (dict(product_type="redshift_catalog", main_file=_text(tmp_path, "n.txt", "hello")),
         "needs a table as its main file"),
        (dict(product_type="redshift_catalog", main_file=desi, name="ab"),
         "the name must be one line of 3 to 200 characters"),
    ]
    for kwargs, message in cases:
        before = _tree(root.parent)
        with pytest.raises(ScaffoldError, match=message):
            scaffold_product(root, target, **kwargs)  # type: ignore[arg-type]
        assert _tree(root.parent) == before, kwargs
    assert not target.parent.exists()


def test_an_existing_different_file_is_never_overwritten(root: Path, desi: Path) -> None:
    folder = root / "products/official/desi"
    folder.mkdir()
    (folder / desi.name).write_bytes(b"something else")
    with pytest.raises(ScaffoldError, match="exists and differs"):
        scaffold_product(root, folder, "redshift_catalog", desi)
    assert (folder / desi.name).read_bytes() == b"something else"
    assert _tree(folder) == [desi.name]


def test_a_product_inside_a_product_is_refused(root: Path, desi: Path) -> None:
    (root / "products/user/jdoe").mkdir()
    (root / "products/user/jdoe/product.yaml").write_text("name: x\n")
    with pytest.raises(ScaffoldError, match="is a product already"):
        scaffold_product(root, root / "products/user/jdoe/x", "redshift_catalog", desi)


def test_a_broken_catalog_is_a_scaffold_error(tmp_path: Path, desi: Path) -> None:
    with pytest.raises(ScaffoldError, match="cannot use the catalog"):
        scaffold_product(tmp_path / "nowhere", tmp_path / "nowhere/products/official/x",
                         "redshift_catalog", desi)


def test_a_failure_while_writing_undoes_everything(root: Path, desi: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold_module, "write_atomic", boom)
    before = _tree(root.parent)
    with pytest.raises(ScaffoldError, match="No space left"):
        scaffold_product(root, root / "products/user/jdoe/x", "redshift_catalog", desi)
    assert _tree(root.parent) == before


def test_a_failure_keeps_a_folder_that_was_there(root: Path, desi: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root / "products/official/kept"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    def interrupted(path: Path, text: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scaffold_module, "write_atomic", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scaffold_product(root, folder, "redshift_catalog", desi)
    assert _tree(folder) == ["notes.txt"]


def test_scaffold_the_reference_upload_example(root: Path) -> None:
    example = shared_data() / "specz" / "pzserver_upload_example.csv"
    result = scaffold_product(root, root / "products/user/jdoe/upload", "redshift_catalog",
                              example)
    data = _load(result.yaml_path)
    assert data["columns"] == {"id": "ID", "ra": "RA", "dec": "DEC", "z": "Z",
                               "z_err": "ERR_Z", "z_flag": "FLAG_DES", "survey": None}


def test_placeholder_is_the_one_validate_flags() -> None:
    from pzbuild.checks.metadata import PLACEHOLDER

    assert scaffold_module.PLACEHOLDER == PLACEHOLDER


def _text(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content)
    return path
