"""Every labelled case of tests/bad/ gives exactly the problems its manifest lists."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from pzbuild.cli import main
from pzbuild.validate import validate_catalog

from .conftest import make_catalog_root

BAD = Path(__file__).parent / "bad"
MANIFEST = yaml.safe_load((BAD / "manifest.yaml").read_text())["cases"]
DEFAULT_DATA = {"specz.csv": "specz.csv"}


def _generate(kind: str, dest: Path) -> None:
    rng = np.random.default_rng(1)
    cols = {"id": np.arange(5), "ra": rng.uniform(150, 151, 5), "dec": rng.uniform(2, 3, 5),
            "z": rng.uniform(0, 2, 5), "z_err": np.full(5, 1e-3), "flag": np.full(5, 4)}
    if kind == "hdf5_group":
        import h5py

        with h5py.File(dest, "w") as f:
            grp = f.create_group("photometry")
            for name, values in cols.items():
                grp.create_dataset(name, data=values)
    elif kind == "fits_two_tables":
        from astropy.io import fits
        from astropy.table import Table

        t = Table(cols)
        fits.HDUList([fits.PrimaryHDU(), fits.table_to_hdu(t), fits.table_to_hdu(t)]
                     ).writeto(dest)
    else:  # pragma: no cover - a manifest typo
        raise ValueError(kind)


def _place(root: Path, name: str, product_id: str | None = None) -> None:
    spec: dict[str, Any] = MANIFEST.get(name, {})
    folder = root / "products" / (product_id or spec.get("id") or f"user/tester/{name}")
    folder.mkdir(parents=True, exist_ok=True)
    if (BAD / name / "product.yaml").exists():
        shutil.copy(BAD / name / "product.yaml", folder / "product.yaml")
    for dest, src in spec.get("data", DEFAULT_DATA).items():
        (folder / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BAD / "_data" / src, folder / dest)
    for dest, kind in (spec.get("generated") or {}).items():
        _generate(kind, folder / dest)
    for dest, target in (spec.get("symlinks") or {}).items():
        (folder / dest).symlink_to(target)


def build_case(tmp_path: Path, name: str) -> Path:
    root = make_catalog_root(tmp_path / "catalog")
    spec = MANIFEST[name]
    if "catalog" in spec:
        settings = yaml.safe_load((root / "catalog.yaml").read_text())
        for key, value in spec["catalog"].items():
            settings[key] = {**settings.get(key, {}), **value}
        (root / "catalog.yaml").write_text(yaml.safe_dump(settings))
    _place(root, name)
    for other in spec.get("also", []):
        _place(root, other)
    for other_id, other in (spec.get("also_ids") or {}).items():
        _place(root, other, other_id)
    return root


def test_manifest_covers_every_case_folder() -> None:
    folders = {p.name for p in BAD.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(MANIFEST), folders ^ set(MANIFEST)
    assert len(MANIFEST) >= 30


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_case(tmp_path: Path, name: str) -> None:
    root = build_case(tmp_path, name)
    report = validate_catalog(root)
    found = [(p.code, p.location.line) for p in report.problems]
    expected = MANIFEST[name]["expect"]
    for want in expected:
        matches = [f for f in found if f[0] == want["code"]
                   and ("line" not in want or f[1] == want["line"])]
        assert matches, f"{name}: expected {want}, got {report.problems}"
    assert {c for c, _ in found} == {w["code"] for w in expected}, report.problems

    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    errors = [w for w in expected if not w["code"].startswith(("L305", "F507", "T606"))]
    assert result.exit_code == (1 if errors else 0), result.output
    assert "Traceback" not in result.output
    for want in expected:
        assert f": {want['code']}" in result.output
