"""Shared fixtures: the real data folder and fresh catalogs in temporary folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data() -> Path:
    """../shared/data; skipped only outside CI when it is absent."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DATA} is missing in CI")
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


def make_catalog_root(dest: Path) -> Path:
    """An empty catalog at ``dest``: the repository's schema and catalog.yaml, no products."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "schema", dest / "schema")
    shutil.copy(REPO / "catalog.yaml", dest / "catalog.yaml")
    (dest / "products" / "official").mkdir(parents=True)
    (dest / "products" / "user").mkdir(parents=True)
    return dest


@pytest.fixture
def empty_catalog(tmp_path: Path) -> Path:
    return make_catalog_root(tmp_path / "catalog")


EXAMPLE_PARTS = ("products", "schema", "site_templates", "docs", "access", "catalog.yaml",
                 "mkdocs.yml")


def copy_example_catalog(dest: Path) -> Path:
    """A copy of the repository's example catalog and site sources at ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE_PARTS:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            shutil.copy(src, dest / name)
    return dest
