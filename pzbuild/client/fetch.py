"""Fetching a file's bytes once, checked against the size and SHA-256 the catalog lists.

The bytes are hashed as they arrive and land in one place: a temporary file, or (for a
download) a file in a staging folder beside its destination. Nothing is kept that did not match.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import ChecksumMismatch

#: Files at least this large get a progress bar when stderr is a terminal.
LARGE = 32 << 20
CHUNK = 1 << 20


def human_size(n: float | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


class Progress:
    """A progress bar on stderr: tqdm's when it is installed, else one plain line."""

    def __init__(self, total: int, label: str, enabled: bool | None = None) -> None:
        if enabled is None:
            enabled = total >= LARGE and sys.stderr.isatty()
        self.total, self.label, self.done = total, label, 0
        self._bar: Any = None
        self._plain = False
        self._last = 0.0
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self._plain = True
        else:
            self._bar = tqdm(total=total, desc=label, unit="B", unit_scale=True,
                             unit_divisor=1000, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self._plain:
            now = time.monotonic()
            if now - self._last >= 0.25 or self.done >= self.total:
                self._last = now
                pct = 100 * self.done / self.total if self.total else 100
                sys.stderr.write(f"\r{self.label}: {pct:3.0f}% ({human_size(self.done)} of "
                                 f"{human_size(self.total)})")
                sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._plain:
            sys.stderr.write("\n")
            sys.stderr.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def verified(chunks: Iterable[bytes], size: int, sha256: str, what: str,
             progress: Progress | None = None) -> Iterator[bytes]:
    """The chunks, passed on as they come; :class:`ChecksumMismatch` as soon as there are
    more bytes than ``size``, and at the end when the count or the SHA-256 differ. Consume
    it to the end: the last check runs there."""
    digest = hashlib.sha256()
    n = 0
    for chunk in chunks:
        n += len(chunk)
        if n > size:
            raise ChecksumMismatch(f"{what} is larger than the {size} bytes the catalog lists: "
                                   "the file on the site is not the one published", what)
        digest.update(chunk)
        if progress is not None:
            progress.update(len(chunk))
        yield chunk
    if n != size:
        raise ChecksumMismatch(f"{what} has {n} bytes where the catalog lists {size}: the "
                               "transfer was cut short or the file changed", what)
    got = digest.hexdigest()
    if got != sha256.lower():
        raise ChecksumMismatch(f"{what} does not match its published SHA-256 (expected "
                               f"{sha256[:16]}..., got {got[:16]}...): the file was altered "
                               "or damaged; nothing was kept", what)


def file_chunks(path: Path, chunk: int = CHUNK) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while data := fh.read(chunk):
            yield data


def check_local(path: Path, size: int, sha256: str, what: str) -> None:
    """Check a file in place (a local site's): its size first, then its SHA-256."""
    if path.stat().st_size != size:
        raise ChecksumMismatch(f"{what} has {path.stat().st_size} bytes where the catalog "
                               f"lists {size}: the file changed after the build", what)
    for _ in verified(file_chunks(path), size, sha256, what):
        pass


def to_file(chunks: Iterable[bytes], dest: Path, size: int, sha256: str, what: str,
            progress: Progress | None = None) -> None:
    """Write the bytes to ``dest``, a new file; removed again if they do not match."""
    _write(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                   0o644), dest, chunks, size, sha256, what, progress)


def to_tempfile(chunks: Iterable[bytes], size: int, sha256: str, what: str, suffix: str = "",
                progress: Progress | None = None) -> Path:
    """The bytes in a new temporary file (the caller removes it)."""
    fd, name = tempfile.mkstemp(prefix="pzbuild-", suffix=suffix)
    _write(fd, Path(name), chunks, size, sha256, what, progress)
    return Path(name)


def _write(fd: int, path: Path, chunks: Iterable[bytes], size: int, sha256: str, what: str,
           progress: Progress | None) -> None:
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in verified(chunks, size, sha256, what, progress):
                fh.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
