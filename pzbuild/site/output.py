"""The output folder, replaced atomically: a build writes a new folder beside it and swaps
it in at the end, so that a failed or interrupted build leaves the previous site whole.

Every site carries a small marker file, ``.pzbuild-site``, with the id of its build: only a
folder holding it (or an empty one) is ever replaced, and the next build knows which of its
pages it may reuse.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .errors import OutputNotASite

MARKER = ".pzbuild-site"


def check_output(out: Path) -> None:
    """Raise OutputNotASite unless ``out`` is absent, empty or an earlier pzbuild site."""
    if out.exists() and not out.is_dir():
        raise OutputNotASite(f"{out} is a file, not a folder")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputNotASite(
            f"{out} is not empty and holds no site that pzbuild built (no {MARKER}); the "
            "build replaces its output folder as a whole: give a new or empty folder")


def site_build_id(out: Path) -> str | None:
    """The build id of the site in ``out``, if it is one."""
    try:
        data = json.loads((out / MARKER).read_text(encoding="utf-8"))
        return str(data["build"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def new_folder(out: Path) -> Path:
    """A new empty folder beside ``out`` (same file system, so the swap is a rename);
    leftovers of builds that were killed are removed first."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.build-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in out.parent.glob(f".{out.name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.build-"))


def write_marker(folder: Path, build_id: str, generator: str) -> None:
    (folder / MARKER).write_text(json.dumps({"build": build_id, "generator": generator}) + "\n",
                                 encoding="utf-8")


def swap_in(new: Path, out: Path, trash: Path | None = None) -> None:
    """Make ``new`` the folder ``out``. The previous one is renamed aside: into ``trash``
    when that is on the same file system (:func:`empty_trash` removes it later, off the
    critical path: removing thousands of files takes seconds), else beside ``out``, and
    removed at once."""
    os.chmod(new, 0o755)  # mkdtemp made it private to its owner
    if not out.exists():
        os.rename(new, out)
        return
    aside = trash if trash is not None and _same_device(trash, out) else None
    if aside is not None:
        aside.mkdir(parents=True, exist_ok=True)
    old = Path(tempfile.mkdtemp(dir=aside or out.parent, prefix=f".{out.name}.old-"))
    os.rename(out, old / "site")
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old / "site", out)  # put the previous site back
        shutil.rmtree(old, ignore_errors=True)
        raise
    if aside is None:
        shutil.rmtree(old, ignore_errors=True)


def move_folders(old: Path, new: Path, folders: list[str], journal: Path) -> None:
    """Move the ``folders`` (relative paths) of the site ``old`` into the site being built,
    ``new``, just before the swap: renaming a folder costs one call, however many files it
    holds, and leaves the files (and their inodes' change times) alone. The moves are
    written to ``journal`` first, so that :func:`move_back` can undo them after a failure
    or, at the next build, after a kill. An empty folder at a target is replaced."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = journal.with_name(journal.name + ".tmp")
    tmp.write_text(json.dumps({"old": str(old), "new": str(new), "folders": folders}),
                   encoding="utf-8")
    os.replace(tmp, journal)
    made: set[Path] = set()
    try:
        for rel in folders:
            target = new / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.rename(old / rel, target)
    except BaseException:
        move_back(journal)
        raise


def move_back(journal: Path) -> None:
    """Undo the moves of :func:`move_folders` that are recorded in ``journal`` and whose
    folders are still in the new site (once the swap happened, there is nothing to undo);
    then remove the journal."""
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        old, new = Path(data["old"]), Path(data["new"])
        folders = [str(f) for f in data["folders"]]
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)
        return
    if new.is_dir() and (old / MARKER).is_file():
        for rel in folders:
            if (new / rel).is_dir() and not (old / rel).exists():
                (old / rel).parent.mkdir(parents=True, exist_ok=True)
                os.rename(new / rel, old / rel)
    journal.unlink(missing_ok=True)


def empty_trash(trash: Path) -> threading.Thread | None:
    """Remove what :func:`swap_in` put in ``trash``, in a background thread (a daemon: what
    is left when the process ends is removed next time)."""
    # the entries there now, not the folder: this build may put its old site there
    entries = list(trash.iterdir()) if trash.is_dir() else []
    if not entries:
        return None

    def remove() -> None:
        for entry in entries:
            shutil.rmtree(entry, ignore_errors=True)

    thread = threading.Thread(target=remove, daemon=True)
    thread.start()
    return thread


def _same_device(folder: Path, out: Path) -> bool:
    try:
        anchor = folder if folder.exists() else folder.parent
        return os.stat(anchor).st_dev == os.stat(out).st_dev
    except OSError:
        return False


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
