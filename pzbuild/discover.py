"""Find the product folders of a catalog and read their product.yaml.

The id, section and owner of a product come from its folder path alone:
``products/official/<slug>`` or ``products/user/<owner>/<slug>``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Catalog
from .model import SECTIONS, Submission
from .problems import Location, Problem
from .yamlload import LoadedYaml, load_yaml_bytes, load_yaml_file

if TYPE_CHECKING:
    from .checks.memo import ValidationMemo

#: Raise when what is cached of a product.yaml changes meaning.
YAML_FORMAT = 1

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PRODUCT_FILE = "product.yaml"


def find_product_yamls(catalog: Catalog) -> list[Path]:
    """Every product.yaml below products/, sorted, without following symlinked folders."""
    base = catalog.products_dir
    if not base.is_dir():
        return []
    # os.walk does not enter a symbolic link to a folder (followlinks=False), so no parent
    # of what it finds is one; a product.yaml that is itself a link to a file counts.
    return sorted(Path(dirpath, PRODUCT_FILE) for dirpath, _, filenames in os.walk(base)
                  if PRODUCT_FILE in filenames and os.path.isfile(
                      os.path.join(dirpath, PRODUCT_FILE)))


def discover(catalog: Catalog, only: Iterable[Path] | None = None,
             memo: ValidationMemo | None = None) -> tuple[list[Submission], list[Problem]]:
    """Read every product of the catalog (or those under the folders in ``only``); with a
    ``memo``, a product.yaml already read is not parsed again."""
    problems: list[Problem] = []
    every = find_product_yamls(catalog)
    yamls = every
    problems.extend(_folders_without_yaml(catalog, yamls))
    if only is not None:
        wanted = [p.resolve() for p in only]
        for w in wanted:
            if catalog.root != w and catalog.root not in w.parents:
                problems.append(Problem("L306", f"{w} is not inside the catalog {catalog.root}",
                                        Location(str(w))))
        yamls = [y for y in yamls if any(w == y or w in y.parents or y.parent in w.parents
                                          or w == y.parent for w in wanted)]
    subs: list[Submission] = []
    product_dirs = {os.path.dirname(y) for y in map(str, every)}  # strings: cheap to hash
    for y in yamls:
        sub, probs = _read_one(catalog, y, product_dirs, memo)
        problems.extend(probs)
        if sub is not None:
            subs.append(sub)
    return subs, problems


def _read_one(catalog: Catalog, yaml_path: Path, product_dirs: set[str],
              memo: ValidationMemo | None = None) -> tuple[Submission | None, list[Problem]]:
    rel = yaml_path.parent.relative_to(catalog.root).as_posix()
    display = f"{rel}/{PRODUCT_FILE}"
    problems: list[Problem] = []
    parts = yaml_path.parent.relative_to(catalog.products_dir).parts
    nested = [Path(d) for d in _ancestors(str(yaml_path.parent)) if d in product_dirs]
    if nested:
        outer = nested[0].relative_to(catalog.root).as_posix()
        problems.append(Problem("L304", f"this product lies inside the product folder {outer}",
                                Location(display)))
        return None, problems
    if not ((len(parts) == 2 and parts[0] == "official")
            or (len(parts) == 3 and parts[0] == "user")):
        problems.append(Problem(
            "L301", f"{rel} is not a product folder: use products/official/<slug> "
            "(maintainers) or products/user/<your-handle>/<slug>", Location(display)))
        return None, problems
    section = parts[0]
    owner = parts[1] if section == "user" else None
    slug = parts[-1]
    for what, value in (("owner handle", owner), ("slug", slug)):
        if value is not None and not SLUG_RE.match(value):
            problems.append(Problem(
                "L302", f"{what} '{value}' must be lower-case letters, digits and '-', "
                "starting with a letter or digit, at most 64 characters", Location(display)))
    meta = _load(yaml_path, display, catalog.limits.metadata_bytes, memo)
    problems.extend(meta.problems)
    sub = Submission(id="/".join(parts), folder=yaml_path.parent, rel_folder=rel,
                     section=section, owner=owner, slug=slug, meta=meta)
    return sub, problems


def _load(path: Path, display: str, max_bytes: int, memo: ValidationMemo | None
          ) -> LoadedYaml:
    """product.yaml as read, remembered in ``memo`` by the SHA-256 of its bytes."""
    if memo is None:
        return load_yaml_file(path, display, max_bytes=max_bytes)
    try:
        if path.stat().st_size > max_bytes:
            return load_yaml_file(path, display, max_bytes=max_bytes)
        blob = path.read_bytes()
    except OSError:
        return load_yaml_file(path, display, max_bytes=max_bytes)
    key = f"{YAML_FORMAT}|{hashlib.sha256(blob).hexdigest()}"
    hit = memo.get("yaml", display, key)
    if isinstance(hit, dict):
        try:
            return LoadedYaml.from_dict(display, hit)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # an entry of an older layout: read the file again
    loaded = load_yaml_bytes(blob, display)
    memo.put("yaml", display, key, loaded.to_dict())
    return loaded


def _folders_without_yaml(catalog: Catalog, yamls: list[Path]) -> Iterator[Problem]:
    """Folders where a product is expected but no product.yaml is found."""
    has_yaml = {y.parent for y in yamls}
    base = catalog.products_dir
    candidates: list[Path] = []
    off, usr = base / "official", base / "user"
    if off.is_dir():
        candidates += [d for d in off.iterdir() if d.is_dir()]
    if usr.is_dir():
        for owner in usr.iterdir():
            if owner.is_dir():
                candidates += [d for d in owner.iterdir() if d.is_dir()]
    for d in sorted(candidates):
        if d not in has_yaml and not any(y.is_relative_to(d) for y in has_yaml):
            rel = d.relative_to(catalog.root).as_posix()
            yield Problem("Y108", f"the product folder {rel} has no {PRODUCT_FILE}",
                          Location(f"{rel}/{PRODUCT_FILE}"))
    for d in sorted(base.iterdir()) if base.is_dir() else []:
        if d.name not in SECTIONS and not d.name.startswith("."):
            yield Problem("L301", f"products/{d.name} is neither products/official nor "
                          "products/user", Location(f"products/{d.name}"))


def _ancestors(folder: str) -> Iterator[str]:
    """The folders above ``folder``, nearest first (as ``Path.parents`` without the Paths)."""
    while True:
        up = os.path.dirname(folder)
        if up == folder:
            return
        yield up
        folder = up
