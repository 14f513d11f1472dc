"""From changed files (as a pre-commit hook or ``git diff --name-only`` gives them) to what
must be validated: the products that hold them, or the whole catalog."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .diff import product_id


def products_of_changed(root: Path, paths: Iterable[Path]) -> list[Path] | None:
    """The folders of the products that ``paths`` (files, which may no longer exist) belong
    to; None when one of them lies outside every product folder (schema/, catalog.yaml, a
    product removed whole), which may change any product: validate the whole catalog then.
    Paths outside the catalog are returned as they are, for validation to report."""
    root = root.resolve()
    folders: set[Path] = set()
    for path in paths:
        where = path.absolute()
        try:
            rel = where.resolve().relative_to(root).as_posix()
        except ValueError:
            folders.add(where)
            continue
        pid = product_id(rel)
        folder = root / "products" / pid if pid is not None else None
        if folder is None or not folder.is_dir():
            return None
        folders.add(folder)
    return sorted(folders)
