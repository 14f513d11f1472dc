"""Plain data objects passed along the pipeline: a submission as read, a product as validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .yamlload import LoadedYaml

SECTIONS = ("official", "user")
#: A group of readers (access/users.yaml ``groups``, product.yaml ``access.groups``): the
#: form of an owner handle.
GROUP_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


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


def promoted_from(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """``provenance.promoted_from`` of a product's metadata or record ({} when it has none):
    the id the product had in the user section, and the day it was promoted."""
    prov = meta.get("provenance")
    moved = prov.get("promoted_from") if isinstance(prov, Mapping) else None
    return moved if isinstance(moved, Mapping) else {}


def promoted_from_id(meta: Mapping[str, Any]) -> str | None:
    """The old id of a promoted product (see :func:`promoted_from`), else None."""
    old = promoted_from(meta).get("id")
    return old if isinstance(old, str) and old else None


def access_groups(meta: Mapping[str, Any], release_groups: Mapping[str, frozenset[str]]
                  ) -> frozenset[str] | None:
    """The groups whose readers may open a product (None: every reader): its
    ``access.groups``, else the groups of its release (vocabulary.yaml). A product of a
    restricted release may narrow the release's groups, never widen them (rule R416)."""
    access = meta.get("access")
    groups = access.get("groups") if isinstance(access, Mapping) else None
    if isinstance(groups, list) and groups:
        return frozenset(str(g) for g in groups)
    release = meta.get("release")
    return release_groups.get(release) if isinstance(release, str) else None
