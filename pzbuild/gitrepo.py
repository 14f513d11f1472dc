"""Read-only git plumbing: refs, merge bases, changed paths, trees and exports of a commit.

Every call runs ``git`` with ``subprocess`` and never changes the repository: no checkout,
no index, no worktree. Failures raise a :class:`GitError` subclass whose message says what
to do, so that the CLI can print it as it is. Paths are POSIX paths relative to the top of
the repository.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import PzBuildError

#: Enough for the largest listing or blob git prints; a timeout only guards a hung git.
TIMEOUT_S = 600
FETCH_HINT = ("fetch the whole history (`git fetch --unshallow`, or actions/checkout with "
              "`fetch-depth: 0`)")


class GitError(PzBuildError):
    """Raised when a git command fails; the message is git's own, with the command."""


class GitUnavailable(GitError):
    """Raised when the ``git`` program cannot be run."""


class NotAGitRepository(GitError):
    """Raised when a folder is not inside a git checkout."""


class UnknownRef(GitError):
    """Raised when a ref or commit does not exist in the repository."""


class ShallowHistory(GitError):
    """Raised when a shallow clone lacks the commits needed (the base, or a merge base)."""


@dataclass(frozen=True)
class Change:
    """A path changed between two trees: status A (added), D (deleted), M (modified) or T
    (type changed, e.g. a file became a symbolic link)."""

    status: str
    path: str


@dataclass(frozen=True)
class Blob:
    """A file of a tree: its mode (``100644``, ``100755``, ``120000`` for a link), object id
    and size in bytes."""

    mode: str
    oid: str
    size: int


def run_git(cwd: Path, *args: str, input: bytes | None = None
            ) -> subprocess.CompletedProcess[bytes]:
    """``git args`` run in ``cwd``, whatever its exit status (paths unquoted, no prompt);
    raises GitUnavailable when git cannot be run and GitError when it hangs."""
    cmd = ["git", "-c", "core.quotePath=false", *args]
    try:
        return subprocess.run(cmd, cwd=cwd, input=input, capture_output=True,
                              timeout=TIMEOUT_S, check=False,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0",
                                   "GIT_OPTIONAL_LOCKS": "0"})
    except FileNotFoundError as exc:
        raise GitUnavailable("git is not installed (or not on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"`git {' '.join(args)}` took more than {TIMEOUT_S} s") from exc


def git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    """The standard output of ``git args`` run in ``cwd``; raises GitError on failure."""
    done = run_git(cwd, *args, input=input)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise GitError(f"`git {' '.join(args)}` failed: {err}")
    return done.stdout


class GitRepo:
    """The git repository holding ``path`` (any folder inside its working tree)."""

    def __init__(self, path: Path) -> None:
        path = Path(path).resolve()
        if not path.is_dir():
            raise NotAGitRepository(f"{path} is not a folder")
        try:
            top = git(path, "rev-parse", "--show-toplevel").decode().strip()
        except GitUnavailable:
            raise
        except GitError as exc:
            raise NotAGitRepository(
                f"{path} is not in a git repository (git init, or clone the catalog)") from exc
        self.top = Path(top).resolve()

    def run(self, *args: str, input: bytes | None = None) -> bytes:
        return git(self.top, *args, input=input)

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == b"true"

    def commit(self, ref: str) -> str:
        """The full id of the commit ``ref`` names (a branch, tag, remote branch or id)."""
        if not ref or ref.startswith("-"):
            raise UnknownRef(f"'{ref}' is not a git ref")
        try:
            return self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{ref}^{{commit}}").decode().strip()
        except GitError:
            pass
        if self.is_shallow():
            raise ShallowHistory(f"'{ref}' is not in this shallow clone: {FETCH_HINT}") from None
        raise UnknownRef(f"unknown git ref '{ref}' (a branch, tag or commit of "
                         f"{self.top}; for a remote branch, fetch it first)") from None

    def merge_base(self, a: str, b: str) -> str:
        """The best common ancestor of commits ``a`` and ``b``."""
        try:
            return self.run("merge-base", a, b).decode().strip()
        except GitError as exc:
            if self.is_shallow():
                raise ShallowHistory("the history joining the base and the head is not in "
                                     f"this shallow clone: {FETCH_HINT}") from exc
            raise GitError(f"{a[:12]} and {b[:12]} have no common history") from exc

    def changes(self, base: str, head: str | None = None) -> list[Change]:
        """Paths that differ from commit ``base`` to commit ``head``, or to the working tree
        when ``head`` is None (staged and unstaged changes, and untracked files that are not
        ignored). Renames count as a deletion and an addition."""
        args = ["diff", "--name-status", "-z", "--no-renames", "--no-ext-diff", base]
        out = self.run(*args, *([head] if head else []), "--")
        fields = out.decode("utf-8", "surrogateescape").split("\0")
        pairs = zip(fields[0:-1:2], fields[1::2], strict=True)
        found = {path: status[0] for status, path in pairs if status and path}
        if head is None:
            for path in self.untracked():
                found.setdefault(path, "A")
        return [Change(s, p) for p, s in sorted(found.items())]

    def untracked(self, paths: Sequence[str] = ()) -> list[str]:
        out = self.run("ls-files", "-z", "--others", "--exclude-standard", "--", *paths)
        return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

    def tree(self, commit: str, paths: Sequence[str] = ()) -> dict[str, Blob]:
        """Every file of ``commit`` (below ``paths`` if given), recursively."""
        out = self.run("ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", *paths)
        files: dict[str, Blob] = {}
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, kind, oid, size = meta.split()
            if kind == "blob":
                files[path] = Blob(mode, oid, int(size) if size.isdigit() else 0)
        return files

    def read(self, commit: str, path: str) -> bytes | None:
        """The content of ``path`` in ``commit``, or None when it is not a file there."""
        try:
            return self.run("cat-file", "blob", f"{commit}:{path}")
        except GitError:
            return None

    def export(self, commit: str, paths: Iterable[str], dest: Path) -> Path:
        """Write the files of ``commit`` below ``paths`` into ``dest`` (made if needed), as
        a checkout would, without touching the repository's index or working tree. Paths
        that do not exist in the commit are skipped."""
        dest.mkdir(parents=True, exist_ok=True)
        tree = self.tree(commit)
        wanted = [p.strip("/") for p in paths]
        present = [p for p in wanted
                   if p in tree or any(f.startswith(p + "/") for f in tree)]
        if not present:
            return dest
        archive = dest.parent / f".{dest.name}.tar"
        with open(archive, "wb") as out:
            out.write(self.run("archive", "--format=tar", commit, "--", *present))
        try:
            with tarfile.open(archive) as tar:
                _extract(tar, dest)
        finally:
            archive.unlink(missing_ok=True)
        return dest


def _extract(tar: tarfile.TarFile, dest: Path) -> None:
    """Extract refusing anything that would land outside ``dest``; symbolic links are kept
    as they are (validation reports those that point outside a product)."""
    if hasattr(tarfile, "tar_filter"):
        tar.extractall(dest, filter="tar")
        return
    root = str(dest.resolve())  # pragma: no cover - Python without extraction filters
    for member in tar.getmembers():  # pragma: no cover
        target = os.path.realpath(os.path.join(root, member.name))
        if target != root and not target.startswith(root + os.sep):
            raise GitError(f"the archive member {member.name} leaves the export folder")
        tar.extract(member, dest)
