"""Plain data objects passed along the pipeline: a submission as read, a product as validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .yamlload import LoadedYaml

SECTIONS = ("official", "user")


@dataclass
class Submission:
    """A product folder and its product.yaml as read, before validation."""

    id: str  # e.g. "official/desi-dr1" or "user/jdoe/bpz-run1"
    folder: Path  # absolute
    rel_folder: str  # relative to the catalog root, e.g. "products/official/desi-dr1"
    section: str
    owner: str | None
    slug: str
    meta: LoadedYaml

    @property
    def yaml_path(self) -> str:
        return f"{self.rel_folder}/product.yaml"

    @property
    def data(self) -> dict[str, Any]:
        return self.meta.data if isinstance(self.meta.data, dict) else {}

    def main_file(self) -> str | None:
        mains = [f.get("path") for f in self.files() if f.get("role") == "main"]
        return mains[0] if len(mains) == 1 and isinstance(mains[0], str) else None

    def files(self) -> list[dict[str, Any]]:
        files = self.data.get("files")
        return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the product folder, POSIX separators
    role: str
    size: int
    sha256: str | None = None  # filled by inspection
    format: str | None = None  # a table format when the file reads as a table


@dataclass
class Product:
    """A validated product: what the later stages (inspect, render, seal) take."""

    id: str
    section: str
    owner: str | None
    slug: str
    folder: Path
    meta: dict[str, Any]
    files: list[FileEntry] = field(default_factory=list)

    @property
    def official(self) -> bool:
        return self.section == "official"

    @property
    def main_file(self) -> FileEntry | None:
        return next((f for f in self.files if f.role == "main"), None)

    @property
    def roles(self) -> dict[str, str]:
        cols = self.meta.get("columns") or {}
        return {k: v for k, v in cols.items() if isinstance(v, str)}
