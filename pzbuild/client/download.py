"""Downloading every file of a product into ``save_in/<slug>/``.

All files are first fetched into a hidden staging folder beside the destination, each checked
against its size and SHA-256 while it streams. Only when every file matched are they moved
into place, each with ``os.replace``; when any fails, the staging folder goes and the
destination is as it was. A file already there with the published SHA-256 is not fetched
again, so an interrupted download resumes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ChecksumMismatch, UnsafePath
from .fetch import Progress, check_local, to_file
from .transport import Transport, clean_path


@dataclass(frozen=True)
class _Planned:
    rel: str       # the file's path in the product, as product.json lists it
    site_path: str
    dest: Path
    size: int
    sha256: str


def _plan(product_id: str, files: list[dict[str, Any]], target: Path, root: Path
          ) -> list[_Planned]:
    out = []
    for f in files:
        rel = str(f.get("path", ""))
        try:
            clean = clean_path(rel)
        except UnsafePath:
            raise UnsafePath(f"refusing the file {rel!r} of {product_id}: its path would "
                             f"leave {target}") from None
        dest = target / clean
        if not dest.resolve().is_relative_to(root):
            raise UnsafePath(f"refusing the file {rel!r} of {product_id}: {dest} leads "
                             f"outside {root}")
        out.append(_Planned(rel, f"products/{product_id}/files/{clean}", dest,
                            int(f["size"]), str(f["sha256"])))
    return out


def _already_there(p: _Planned) -> bool:
    if not p.dest.is_file() or p.dest.stat().st_size != p.size:
        return False
    try:
        check_local(p.dest, p.size, p.sha256, p.rel)
    except (ChecksumMismatch, OSError):
        return False
    return True


def download_files(transport: Transport, product_id: str, files: list[dict[str, Any]],
                   save_in: str | os.PathLike[str], *, progress: bool | None = None) -> Path:
    """Fetch ``files`` (product.json entries) of ``product_id`` into ``save_in/<slug>/``;
    returns that folder."""
    root = Path(save_in).expanduser().resolve()
    slug = product_id.rstrip("/").rsplit("/", 1)[-1]
    target = root / slug
    plan = [p for p in _plan(product_id, files, target, root) if not _already_there(p)]
    root.mkdir(parents=True, exist_ok=True)
    if not plan:
        target.mkdir(exist_ok=True)
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.partial-", dir=root))
    try:
        staged = []
        with Progress(sum(p.size for p in plan), slug, progress) as bar:
            for i, p in enumerate(plan):
                tmp = staging / f"{i}.part"
                to_file(transport.iter_chunks(p.site_path), tmp, p.size, p.sha256,
                        f"{product_id}: {p.rel}", bar)
                staged.append((tmp, p.dest))
        for tmp, dest in staged:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
