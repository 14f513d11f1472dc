"""Files into the site: hard links where the file system allows, copies elsewhere.

A hard link costs no space and no time, but it is the same file as its source: whatever
comes after the plain build (sealing) must write new files, never change one in place.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def link_file(src: Path, dst: Path) -> None:
    """``dst`` as a hard link to ``src`` (following a symbolic link), else as a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def link_tree(src: Path, dst: Path, skip: Iterable[str] = ()) -> int:
    """Every file below ``src`` linked (or copied) to the same place below ``dst``, except
    the relative paths (files or folders, POSIX) in ``skip``. Returns the number of files."""
    skipped = set(skip)
    n = 0
    for folder, dirs, files in os.walk(src):
        rel = Path(folder).relative_to(src)
        dirs[:] = [d for d in dirs if (rel / d).as_posix() not in skipped]
        target = dst / rel
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            if (rel / name).as_posix() not in skipped:
                link_file(Path(folder) / name, target / name)
                n += 1
    return n


def sha256sums(entries: Iterable[tuple[str, str]]) -> str:
    """``sha256sum -c`` text of (sha256, path) pairs, with GNU's escapes for a path holding
    a backslash or a new line."""
    lines = []
    for sha, path in entries:
        if "\\" in path or "\n" in path or "\r" in path:
            escaped = path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            lines.append(f"\\{sha}  {escaped}\n")
        else:
            lines.append(f"{sha}  {path}\n")
    return "".join(lines)
