"""A progress line on a terminal: ``\\r``-rewritten, quiet when not a TTY or under CI."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

INTERVAL = 0.1  # seconds between two updates of the line


class TerminalProgress:
    """A progress callback (``build_site(progress=...)``) that rewrites one line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done and done < total and now - self.last < INTERVAL:
            return
        self.last = now
        line = f"{stage:9s} {done:,}/{total:,}" if total else f"{stage:9s} …"
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()

    def close(self) -> None:
        """Clear the line."""
        self.stream.write("\r\x1b[2K")
        self.stream.flush()


def terminal_progress(stream: TextIO | None = None) -> TerminalProgress | None:
    """A progress line on ``stream`` (stderr), or None when it is not a terminal or the
    ``CI`` environment variable is set."""
    out = stream or sys.stderr
    if os.environ.get("CI") or not getattr(out, "isatty", lambda: False)():
        return None
    return TerminalProgress(out)
