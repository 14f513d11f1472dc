"""What validation remembers between runs, so validating an unchanged catalog re-runs only the
checks across products, and a changed product.yaml does not open its table again.

Three kinds of entries, each under a name with the key it was made for:

- ``yaml``: a product.yaml as read (:class:`~pzbuild.yamlload.LoadedYaml`), named by its path
  and keyed by the SHA-256 of its bytes;
- ``headers``: a main file's format, column names and reader warnings (or error), named by
  its path and table, keyed by its size, mtime, inode and device (as the inspection cache's
  stat index, see :meth:`~pzbuild.inspect.cache.InspectCache.digest`; a file modified within
  the last RACY_SECONDS is not remembered), so no data file is hashed to validate it. A
  catalog exported to a temporary folder (pzbuild review) has new stamps every time: there
  a header is remembered by the file's content, in the inspection cache;
- ``checks``: the problems of a product's checks, named by its id and keyed by its
  product.yaml, every file in its folder (path, size, modification time, inode, link target),
  the schema, the vocabulary and the limits.

All of it lives in one state of the inspection cache (``.pzbuild-cache/validation.json``),
read once and written once per run: per-entry files cost more to write than the checks they
save. The state is dropped whole when CHECKS_FORMAT or the pzbuild version changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..config import Catalog
from ..problems import Problem
from . import ProductContext

if TYPE_CHECKING:
    from ..inspect.cache import InspectCache

#: Raise when the checks change what they find, beyond a pzbuild version change.
CHECKS_FORMAT = 3
STATE = "validation"
KINDS = ("yaml", "headers", "checks")


class ValidationMemo:
    """The remembered results of validation, in the state of one inspection cache."""

    def __init__(self, catalog: Catalog, cache: InspectCache) -> None:
        self.catalog = catalog
        self.cache = cache
        state = cache.state(STATE)
        version = f"{CHECKS_FORMAT}|{__version__}"
        if state.get("version") != version or not all(
                isinstance(state.get(k), dict) for k in KINDS):
            state.clear()
            state.update({"version": version, **{k: {} for k in KINDS}})
        self._parts: dict[str, dict[str, Any]] = {k: state[k] for k in KINDS}
        self._touched: dict[str, set[str]] = {k: set() for k in KINDS}
        self._keys: dict[str, str] = {}
        #: a catalog exported elsewhere than the cache's own (pzbuild review): its files
        #: are new to any stat stamp, so headers are remembered by content there
        self.by_content = cache.root is not None and cache.root != catalog.root.resolve()
        #: headers read ahead in worker processes, by (path, table), for read_header
        #: (stamp before reading, header)
        self.read_ahead: dict[tuple[str, str | None],
                              tuple[list[int] | None, dict[str, Any]]] = {}

    # -- any kind --------------------------------------------------------------------------

    def get(self, kind: str, name: str, key: str) -> Any:
        """The value remembered under ``name`` for ``key``, or None."""
        self._touched[kind].add(name)
        entry = self._parts[kind].get(name)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == key:
            return entry[1]
        return None

    def put(self, kind: str, name: str, key: str, value: Any) -> None:
        self._touched[kind].add(name)
        self._parts[kind][name] = [key, value]
        if not self.by_content:  # what an exported copy found stays out of the catalog's
            self.cache.state_changed(STATE)

    def prune(self) -> None:
        """After a run over the whole catalog: forget the product.yaml files and products
        that were not seen, and the headers of files that are gone."""
        root = self.catalog.root
        gone = [(kind, name) for kind in ("yaml", "checks")
                for name in set(self._parts[kind]) - self._touched[kind]]
        gone += [("headers", name) for name in self._parts["headers"]
                 if not os.path.exists(root / name.rsplit("|", 1)[0])]
        for kind, name in gone:
            del self._parts[kind][name]
        if gone and not self.by_content:
            self.cache.state_changed(STATE)

    # -- the checks of a product -----------------------------------------------------------

    @cached_property
    def _settings(self) -> str:
        h = hashlib.sha256(f"{CHECKS_FORMAT}|{__version__}|{self.catalog.limits}".encode())
        h.update(json.dumps(self.catalog.schema, sort_keys=True).encode())
        h.update(repr(self.catalog.vocabulary).encode())
        return h.hexdigest()

    def _key(self, ctx: ProductContext) -> str:
        if ctx.sub.id not in self._keys:
            self._keys[ctx.sub.id] = self._compute_key(ctx)
        return self._keys[ctx.sub.id]

    def _compute_key(self, ctx: ProductContext) -> str:
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
        return h.hexdigest()

    def recall(self, ctx: ProductContext) -> list[Problem] | None:
        hit = self.get("checks", ctx.sub.id, self._key(ctx))
        if not isinstance(hit, dict):
            return None
        try:
            problems = [Problem.from_dict(p) for p in hit["problems"]]
            ctx.safe_files.update(hit["safe_files"])
        except (KeyError, TypeError, ValueError):
            return None
        return problems

    def remember(self, ctx: ProductContext, found: list[Problem]) -> None:
        self.put("checks", ctx.sub.id, self._key(ctx),
                 {"safe_files": ctx.safe_files, "problems": [p.to_dict() for p in found]})
