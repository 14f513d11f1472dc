"""The catalog's own settings: catalog.yaml and schema/vocabulary.yaml."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import CatalogNotFound, ConfigError
from .model import GROUP_RE
from .yamlload import DEFAULT_MAX_BYTES, load_yaml_file


@dataclass(frozen=True)
class ProductType:
    name: str
    display_name: str
    description: str
    tabular: bool
    required_roles: tuple[str, ...]
    release: bool
    pz_code: bool


@dataclass(frozen=True)
class Vocabulary:
    product_types: dict[str, ProductType]
    releases: dict[str, str]  # id -> display name
    column_roles: dict[str, dict[str, str]]  # role -> {ucd, description}
    #: releases open only to readers of some groups: id -> groups (absent: every reader)
    release_groups: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any, path: str) -> Vocabulary:
        try:
            types = {
                name: ProductType(
                    name=name,
                    display_name=str(spec["display_name"]),
                    description=str(spec.get("description", "")),
                    tabular=bool(spec.get("tabular", False)),
                    required_roles=tuple(spec.get("required_roles") or ()),
                    release=bool(spec.get("release", True)),
                    pz_code=bool(spec.get("pz_code", False)),
                )
                for name, spec in data["product_types"].items()
            }
            releases = {k: str(v["display_name"]) for k, v in data["releases"].items()}
            roles = {k: {"ucd": str(v["ucd"]), "description": str(v.get("description", ""))}
                     for k, v in data["column_roles"].items()}
            release_groups = {k: _groups(v["groups"], f"{path}: releases.{k}.groups")
                              for k, v in data["releases"].items() if v.get("groups") is not None}
        except (KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{path}: C701 vocabulary is malformed near {exc}") from exc
        return cls(types, releases, roles, release_groups)


def _groups(value: Any, where: str) -> frozenset[str]:
    """A non-empty list of group names (the form of an owner handle), as a set."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: C701 must be a non-empty list of group names, e.g. "
                          "[desi], not " + repr(value)[:60])
    for g in value:
        if not isinstance(g, str) or not GROUP_RE.match(g):
            raise ConfigError(f"{where}: C701 group {g!r} must be lower-case letters, digits "
                              "and '-' (at most 64)")
    return frozenset(value)


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 200_000_000
    product_bytes: int = 1_000_000_000
    metadata_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class Catalog:
    """A catalog repository on disk: its root folder and settings."""

    root: Path
    title: str = "Photo-z Catalog"
    description: str = ""
    site_url: str = ""
    maintainers: list[dict[str, str]] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)

    @property
    def products_dir(self) -> Path:
        return self.root / "products"

    @cached_property
    def vocabulary(self) -> Vocabulary:
        path = self.root / "schema" / "vocabulary.yaml"
        loaded = load_yaml_file(path, "schema/vocabulary.yaml")
        if not loaded.ok:
            raise ConfigError("; ".join(p.format() for p in loaded.problems))
        return Vocabulary.from_data(loaded.data, "schema/vocabulary.yaml")

    @cached_property
    def schema(self) -> dict[str, Any]:
        path = self.root / "schema" / "product.schema.json"
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"schema/product.schema.json: C701 cannot be read: {exc}") from exc
        return data


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding catalog.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "catalog.yaml").is_file():
            return folder
    raise CatalogNotFound(
        f"no catalog.yaml in {here} or any folder above it; run inside a catalog repository "
        "or pass --root")


def load_catalog(root: Path | None = None) -> Catalog:
    root = find_root(root) if root is None or not (root / "catalog.yaml").is_file() else root
    loaded = load_yaml_file(root / "catalog.yaml", "catalog.yaml")
    if not loaded.ok:
        raise ConfigError("; ".join(p.format() for p in loaded.problems))
    data = loaded.data or {}
    try:
        lim = data.get("limits") or {}
        values = {}
        for name in ("file_bytes", "product_bytes", "metadata_bytes"):
            value = lim.get(name, getattr(Limits, name))
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"limits.{name} must be a positive number of bytes, "
                                 f"not {value!r}")
            values[name] = value
        limits = Limits(**values)
        return Catalog(
            root=root.resolve(),
            title=str(data.get("title", "Photo-z Catalog")),
            description=str(data.get("description", "")),
            site_url=str(data.get("site_url", "")),
            maintainers=_maintainers(data.get("maintainers")),
            limits=limits,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"catalog.yaml: C701 invalid setting: {exc}") from exc


def _maintainers(value: Any) -> list[dict[str, str]]:
    """The mapping entries of ``maintainers``; pzbuild.codeowners checks the list itself,
    with the line of every problem (codes G9xx)."""
    if not isinstance(value, list):
        return []
    return [{str(k): str(v) for k, v in m.items()} for m in value if isinstance(m, dict)]
