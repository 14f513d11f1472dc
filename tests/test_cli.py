"""The command line at its boundary: exit codes, output formats, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pzbuild.cli import main

from .test_bad_inputs import build_case


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_valid_catalog_exit_0(tmp_path: Path) -> None:
    root = build_case(tmp_path, "valid-base")
    code, out, err = run("validate", "--root", str(root))
    assert code == 0, out + err
    assert out == ""
    assert "1 products checked: 0 errors, 0 warnings" in err


def test_problem_lines_and_json(tmp_path: Path) -> None:
    root = build_case(tmp_path, "bad-licence")
    code, out, _ = run("validate", "--root", str(root))
    assert code == 1
    assert out.startswith("products/user/tester/bad-licence/product.yaml:9:10: R408 ")
    code, out, _ = run("validate", "--root", str(root), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False and data["errors"] == 1
    (problem,) = data["problems"]
    assert problem["code"] == "R408"
    assert problem["location"] == {"path": "products/user/tester/bad-licence/product.yaml",
                                   "line": 9, "col": 10, "pointer": "/license"}


def test_strict_makes_warnings_fatal(tmp_path: Path) -> None:
    root = build_case(tmp_path, "unlisted-file")
    assert run("validate", "--root", str(root))[0] == 0
    assert run("validate", "--root", str(root), "--strict")[0] == 1


def test_validate_one_product_path(tmp_path: Path) -> None:
    root = build_case(tmp_path, "cycle-a")
    folder = root / "products" / "user" / "tester" / "cycle-a"
    code, out, err = run("validate", str(folder))
    assert code == 1
    assert "cycle-a/product.yaml" in out and "cycle-b/product.yaml" not in out
    assert "1 products checked" in err


def test_path_outside_catalog(tmp_path: Path) -> None:
    root = build_case(tmp_path, "valid-base")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, _ = run("validate", "--root", str(root), str(elsewhere))
    assert code == 1
    assert "L306" in out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path / "missing"))[0] == 2
    assert run("validate", "--format", "xml")[0] == 2
    code, _, err = run("validate", "--root", str(tmp_path))
    assert code == 2 and "no catalog.yaml" in err


def test_broken_catalog_yaml(tmp_path: Path) -> None:
    root = build_case(tmp_path, "valid-base")
    (root / "catalog.yaml").write_text("title: x\nlimits:\n  file_bytes: lots\n")
    code, _, err = run("validate", "--root", str(root))
    assert code == 1 and "catalog.yaml: C701" in err and "file_bytes" in err
    (root / "catalog.yaml").write_text("title: [x\n")
    code, _, err = run("validate", "--root", str(root))
    assert code == 1 and "catalog.yaml:2:1: Y101" in err


def test_help_imports_nothing_heavy() -> None:
    probe = ("import sys, pzbuild.cli; heavy = ['pandas', 'pyarrow', 'astropy', 'h5py', "
             "'jsonschema', 'numpy', 'tables']; print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_schema_keyword_without_own_code(tmp_path: Path) -> None:
    """A maintainer may add any JSON Schema keyword; its violations still get a code."""
    root = build_case(tmp_path, "valid-base")
    schema_path = root / "schema" / "product.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["properties"]["tags"]["maxItems"] = 5
    schema["properties"]["tags"]["contains"] = {"const": "spectroscopic"}
    schema_path.write_text(json.dumps(schema))
    code, out, _ = run("validate", "--root", str(root))
    assert code == 1
    assert ":10:1: S299 tags: " in out


def test_new_then_validate_points_at_todos(tmp_path: Path) -> None:
    root = build_case(tmp_path, "valid-base")
    source = root / "products" / "user" / "tester" / "valid-base" / "specz.csv"
    target = root / "products" / "user" / "jdoe" / "new-one"
    code, out, _ = run("new", str(target), "--type", "redshift_catalog", "--main", str(source),
                       "--root", str(root))
    assert code == 0, out
    assert "ra      ra" in out and "z       z" in out
    code, out, _ = run("validate", str(target))
    assert code == 1
    assert {line.split(": ")[1].split()[0] for line in out.splitlines()} == {"R413"}
    code, _, err = run("new", str(target), "--type", "redshift_catalog", "--main", str(source),
                       "--root", str(root))
    assert code == 2 and "--force" in err
    code, _, err = run("new", str(root / "products" / "user" / "jdoe" / "x2"), "--type",
                       "no_such_type", "--main", str(source), "--root", str(root))
    assert code == 2 and "no_such_type" in err


def test_inspect_prints_overview_and_uses_cache(tmp_path: Path) -> None:
    root = build_case(tmp_path, "valid-base")
    code, out, err = run("inspect", "--root", str(root))
    assert code == 0, out + err
    line = next(x for x in out.splitlines() if x.startswith("user/tester/valid-base"))
    # 5 rows, 6 columns; z is -99 (a sentinel) in one row, so the median of the other four
    assert line.split()[1:5] == ["redshift_catalog", "csv", "5", "6"]
    assert "0.858" in line  # median of 0.512, 1.204, 0.087, 2.710
    assert "tables read: 1, from the cache: 0" in err
    code, out2, err = run("inspect", "--root", str(root))
    assert code == 0 and out2 == out
    assert "tables read: 0, from the cache: 1" in err
    code, out, _ = run("inspect", "--root", str(root), "--format", "json")
    (summary,) = json.loads(out)
    table = summary["files"][0]["table"]
    assert table["num_rows"] == 5
    z = next(c for c in table["columns"] if c["name"] == "z")
    assert z["stats"]["missing"] == 1 and z["stats"]["max"] == 2.71


def test_inspect_invalid_product_exit_1(tmp_path: Path) -> None:
    root = build_case(tmp_path, "corrupt-parquet")
    code, out, err = run("inspect", "--root", str(root))
    assert code == 1
    assert "T601" in err
    assert "0 products" in out


def test_remembered_checks_follow_changes(tmp_path: Path) -> None:
    """A second validation reuses the checks of unchanged products, and only of those."""
    import os

    root = build_case(tmp_path, "valid-base")
    folder = root / "products" / "user" / "tester" / "valid-base"
    assert run("validate", "--root", str(root))[0] == 0
    assert run("validate", "--root", str(root))[0] == 0
    data = folder / "specz.csv"
    data.write_text(data.read_text().replace("id,ra,dec,z,", "id,ra,dec,redshift,"))
    os.utime(data, ns=(1, 1))  # even a file whose time goes backwards is seen as changed
    code, out, _ = run("validate", "--root", str(root))
    assert code == 1 and "R406 columns.z: 'specz.csv' has no column 'z'" in out
    yaml_path = folder / "product.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("  z: z\n", "  z: redshift\n"))
    assert run("validate", "--root", str(root))[0] == 0
    (folder / "extra.txt").write_text("not listed")
    code, out, _ = run("validate", "--root", str(root))
    assert code == 0 and "F507" in out
