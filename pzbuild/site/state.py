"""What the last build of an output folder was made from, to rebuild only what changed.

The state lives in the catalog's cache (``.pzbuild-cache/site/``), one compact JSON file per
output folder, read once per build: the id of the build that wrote the folder and, per
product, a fingerprint of everything its folder in the site is made from (see
:func:`product_fingerprint`) with the product's catalog.json and search index entries. A
product whose fingerprint is unchanged is neither inspected nor rendered again: its folder
is taken from the previous site (provided that site is still the one the state describes),
and the lists are written from the entries kept here.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..atomic import write_atomic

FORMAT = 2
_META_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


@dataclass(frozen=True)
class ProductState:
    fingerprint: str
    entry: dict[str, Any]  # its catalog.json entry
    search: dict[str, str]  # its search index entry
    redirect: str | None = None  # the old id, for a promoted product


@dataclass
class SiteState:
    build_id: str = ""
    products: dict[str, ProductState] = field(default_factory=dict)  # by id

    @classmethod
    def load(cls, path: Path) -> SiteState:
        """The saved state, or an empty one when there is none or it cannot be read."""
        try:
            data = orjson.loads(path.read_bytes())
            if data.get("format") != FORMAT:
                return cls()
            products = {str(k): ProductState(str(v[0]), dict(v[1]), dict(v[2]),
                                             v[3] if isinstance(v[3], str) else None)
                        for k, v in data["products"].items()}
            return cls(str(data["build"]), products)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            # orjson.JSONDecodeError is a ValueError
            return cls()

    def save(self, path: Path) -> None:
        write_atomic(path, orjson.dumps(
            {"format": FORMAT, "build": self.build_id,
             "products": {k: [v.fingerprint, v.entry, v.search, v.redirect]
                          for k, v in self.products.items()}}), durable=False)


def state_path(cache_dir: Path, out: Path) -> Path:
    """The state file of the output folder ``out``."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"state-{key}.json"


def product_fingerprint(product_id: str, meta: Any, folder: Path, files: Iterable[str],
                        context: Iterable[str]) -> str:
    """A hash of a product's inputs: its metadata, the size, modification time and inode of
    each of its files (a file is never read here; the inode changes when a checkout writes
    the file anew), and ``context``: whatever else its folder is made from (the renderer,
    the page template, the vocabulary, its history, the names of the products it links)."""
    h = hashlib.sha256()
    for part in context:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    h.update(orjson.dumps([product_id, meta], option=_META_OPTIONS, default=str))
    for rel in files:
        try:
            st = os.stat(folder / rel)
            stamp = f"{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"
        except OSError:
            stamp = "-"
        h.update(f"\0{rel}|{stamp}".encode())
    return h.hexdigest()
