"""What the last build of an output folder was made from, to rebuild only what changed.

The state lives in the catalog's cache (``.pzbuild-cache/site/``), one file per output
folder: the id of the build that wrote the folder and, per product, a hash of everything its
folder in the site is made from. A product whose hash is unchanged is taken from the
previous site, provided that site is still the one the state describes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1


@dataclass
class SiteState:
    build_id: str = ""
    products: dict[str, str] = field(default_factory=dict)  # id -> input hash

    @classmethod
    def load(cls, path: Path) -> SiteState:
        """The saved state, or an empty one when there is none or it cannot be read."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return cls()
            return cls(str(data["build"]), {str(k): str(v) for k, v in data["products"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"format": FORMAT, "build": self.build_id,
                           "products": self.products}, f, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise


def state_path(cache_dir: Path, out: Path) -> Path:
    """The state file of the output folder ``out``."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"state-{key}.json"


def product_hash(record_json: str, template_digest: str, renderer_digest: str) -> str:
    h = hashlib.sha256()
    for part in (record_json, template_digest, renderer_digest):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()
