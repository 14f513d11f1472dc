"""What a pull request changes: products added, changed and removed, field by field and file
by file, and the paths it changes outside products.

Works on two :class:`Tree` objects (the base commit and the head: a commit or the working
tree), so that nothing here runs git itself except through the trees.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..gitrepo import Change, GitRepo
from ..problems import Problem
from ..yamlload import load_yaml_bytes

PRODUCT_FILE = "product.yaml"


class Tree(Protocol):
    """The files of one side of the comparison."""

    def files(self) -> dict[str, int]:
        """Every file: path relative to the repository top -> size in bytes."""
        ...

    def read(self, path: str) -> bytes | None:
        """The content of a file, or None when it is not there."""
        ...


class GitTree:
    """The tree of a commit."""

    def __init__(self, repo: GitRepo, commit: str) -> None:
        self.repo, self.commit = repo, commit
        self._files: dict[str, int] | None = None

    def files(self) -> dict[str, int]:
        if self._files is None:
            self._files = {p: b.size for p, b in self.repo.tree(self.commit).items()}
        return self._files

    def read(self, path: str) -> bytes | None:
        return self.repo.read(self.commit, path)


class WorkTree:
    """The working tree: tracked files as they are on disk, and untracked files that git does
    not ignore."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._files: dict[str, int] | None = None

    def files(self) -> dict[str, int]:
        if self._files is None:
            out = self.repo.run("ls-files", "-z", "--cached", "--others", "--exclude-standard")
            found: dict[str, int] = {}
            for rel in filter(None, out.decode("utf-8", "surrogateescape").split("\0")):
                try:
                    found[rel] = os.lstat(self.repo.top / rel).st_size
                except OSError:
                    continue  # deleted, not yet committed
            self._files = found
        return self._files

    def read(self, path: str) -> bytes | None:
        try:
            return (self.repo.top / path).read_bytes()
        except OSError:
            return None


def product_id(path: str) -> str | None:
    """The id of the product whose folder holds ``path``, from the layout alone:
    ``products/official/<slug>/...`` or ``products/user/<owner>/<slug>/...``."""
    parts = path.split("/")
    if len(parts) >= 4 and parts[:2] == ["products", "official"]:
        return f"official/{parts[2]}"
    if len(parts) >= 5 and parts[:2] == ["products", "user"]:
        return f"user/{parts[2]}/{parts[3]}"
    return None


@dataclass(frozen=True)
class FieldChange:
    """A field of product.yaml that changed; ``field`` is a dotted path (``columns.z``)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class FileChange:
    """A file of the product folder added, removed or changed (path relative to it)."""

    path: str
    status: str  # added | removed | changed
    size_before: int | None
    size_after: int | None


@dataclass
class ProductChange:
    id: str
    status: str  # added | changed | removed
    name: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    size_before: int | None = None
    size_after: int | None = None
    rows_before: int | None = None
    rows_after: int | None = None
    #: what validating the head found for this product; None for a removed product
    problems: list[Problem] | None = None
    metadata_note: str | None = None  # why the fields could not be compared

    @property
    def section(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def folder(self) -> str:
        return f"products/{self.id}"

    @property
    def valid(self) -> bool | None:
        if self.problems is None:
            return None
        return not any(p.is_error for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": self.status, "section": self.section, "name": self.name,
            "valid": self.valid,
            "problems": [p.to_dict() for p in self.problems or []],
            "metadata": [{"field": f.field, "before": f.before, "after": f.after}
                         for f in self.fields],
            "metadata_note": self.metadata_note,
            "files": [{"path": f.path, "status": f.status, "size_before": f.size_before,
                       "size_after": f.size_after} for f in self.files],
            "size": {"before": self.size_before, "after": self.size_after},
            "rows": {"before": self.rows_before, "after": self.rows_after},
        }


def diff_products(changes: Iterable[Change], base: Tree, head: Tree
                  ) -> tuple[list[ProductChange], list[Change]]:
    """The products touched by ``changes`` (sorted by id), and the changes outside any
    product folder."""
    touched: dict[str, list[Change]] = {}
    others: list[Change] = []
    for change in changes:
        pid = product_id(change.path)
        if pid is None:
            others.append(change)
        else:
            touched.setdefault(pid, []).append(change)
    base_files, head_files = base.files(), head.files()
    products = []
    for pid in sorted(touched):
        products.append(_product_change(pid, touched[pid], base, head, base_files, head_files))
    return products, others


def _below(files: dict[str, int], folder: str) -> dict[str, int]:
    prefix = folder + "/"
    return {p[len(prefix):]: size for p, size in files.items() if p.startswith(prefix)}


def _product_change(pid: str, changes: list[Change], base: Tree, head: Tree,
                    base_files: dict[str, int], head_files: dict[str, int]) -> ProductChange:
    folder = f"products/{pid}"
    before, after = _below(base_files, folder), _below(head_files, folder)
    status = "changed" if before and after else "added" if after else "removed"
    out = ProductChange(pid, status)
    out.size_before = sum(before.values()) if before else None
    out.size_after = sum(after.values()) if after else None
    prefix = folder + "/"
    for change in changes:
        rel = change.path[len(prefix):]
        if rel in before and rel in after:
            kind = "changed"
        elif rel in after:
            kind = "added"
        elif rel in before:
            kind = "removed"
        else:
            continue  # neither side holds a file there (e.g. an emptied sub-folder)
        out.files.append(FileChange(rel, kind, before.get(rel), after.get(rel)))
    out.files.sort(key=lambda f: f.path)
    old = _metadata(base, f"{folder}/{PRODUCT_FILE}") if PRODUCT_FILE in before else None
    new = _metadata(head, f"{folder}/{PRODUCT_FILE}") if PRODUCT_FILE in after else None
    named = new if isinstance(new, dict) else old
    if isinstance(named, dict) and isinstance(named.get("name"), str):
        out.name = named["name"]
    if status == "changed":
        if isinstance(old, dict) and isinstance(new, dict):
            out.fields = field_changes(old, new)
        else:
            side = "the base" if not isinstance(old, dict) else "the head"
            out.metadata_note = f"product.yaml of {side} cannot be read: fields not compared"
    return out


def _metadata(tree: Tree, path: str) -> Any:
    blob = tree.read(path)
    if blob is None:
        return None
    loaded = load_yaml_bytes(blob, path)
    return loaded.data if loaded.ok else None


def field_changes(before: Any, after: Any, prefix: str = "") -> list[FieldChange]:
    """The fields that differ, recursing into mappings; lists are compared as a whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[FieldChange] = []
        keys = list(before) + [k for k in after if k not in before]
        for key in keys:
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in after:
                found.append(FieldChange(name, before[key], None))
            elif key not in before:
                found.append(FieldChange(name, None, after[key]))
            else:
                found.extend(field_changes(before[key], after[key], name))
        return found
    if before != after or type(before) is not type(after):
        return [FieldChange(prefix or "(document)", before, after)]
    return []
