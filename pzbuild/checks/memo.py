"""Remember the checks of an unchanged product, so validating an unchanged catalog re-runs
only the checks across products.

A product's result is keyed by its product.yaml, every file in its folder (path, size,
modification time, link target), the schema, the vocabulary, the limits and the pzbuild
version: a change to any of them runs every check of that product again.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from typing import TYPE_CHECKING

from .. import __version__
from ..config import Catalog
from ..problems import Problem
from . import ProductContext

if TYPE_CHECKING:
    from ..inspect.cache import InspectCache

#: Raise when the checks change what they find, beyond a pzbuild version change.
CHECKS_FORMAT = 2


class CheckMemo:
    def __init__(self, catalog: Catalog, cache: InspectCache) -> None:
        self.catalog = catalog
        self.cache = cache
        self._keys: dict[str, tuple[str, str]] = {}

    @cached_property
    def _settings(self) -> str:
        h = hashlib.sha256(f"{CHECKS_FORMAT}|{__version__}|{self.catalog.limits}".encode())
        h.update(json.dumps(self.catalog.schema, sort_keys=True).encode())
        h.update(repr(self.catalog.vocabulary).encode())
        return h.hexdigest()

    def _key(self, ctx: ProductContext) -> tuple[str, str]:
        if ctx.sub.id not in self._keys:
            self._keys[ctx.sub.id] = self._compute_key(ctx)
        return self._keys[ctx.sub.id]

    def _compute_key(self, ctx: ProductContext) -> tuple[str, str]:
        h = hashlib.sha256(self._settings.encode())
        h.update(json.dumps([ctx.sub.id, ctx.sub.data], sort_keys=True, default=str).encode())
        for dirpath, dirnames, filenames in os.walk(ctx.sub.folder):
            dirnames.sort()
            for name in sorted(filenames + [d for d in dirnames
                                            if os.path.islink(os.path.join(dirpath, d))]):
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                link = os.readlink(path) if os.path.islink(path) else ""
                h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}|{link}\n".encode())
        digest = h.hexdigest()
        return digest, "checks"

    def recall(self, ctx: ProductContext) -> list[Problem] | None:
        sha, key = self._key(ctx)
        hit = self.cache.get(sha, key)
        if hit is None:
            return None
        try:
            ctx.safe_files.update(hit["safe_files"])
            return [Problem.from_dict(p) for p in hit["problems"]]
        except (KeyError, TypeError, ValueError):
            return None

    def remember(self, ctx: ProductContext, found: list[Problem]) -> None:
        sha, key = self._key(ctx)
        self.cache.put(sha, key, {"safe_files": ctx.safe_files,
                                  "problems": [p.to_dict() for p in found]})


