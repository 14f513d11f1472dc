"""Write a file whole or not at all: the one way pzbuild replaces a file it owns."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write ``data`` (text is written as UTF-8, line ends as they are) to ``path`` through a
    temporary file beside it, then rename it over ``path``: a reader sees the old file or the
    new one, never a part. The file keeps the permissions of the one it replaces (0644 for a
    new one). ``durable`` flushes the data to disk before the rename (files a person wrote
    or will commit); a cache that can be rebuilt goes without."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
