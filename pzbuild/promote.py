"""Promote a user product into the official section: the library side of ``pzbuild promote``.

The product folder moves with ``git mv`` (so that ``git log --follow`` and the site's history
keep its commits), its product.yaml records ``provenance.promoted_from`` (the old id and the
day), and ``provenance.derived_from`` references to the old id in other products are
rewritten to the new one. The site build keeps the old URL as a redirect.

Everything is checked before anything changes; the edits are made as text (comments and
layout stay) and checked by reading them back. When a step fails, the folder is moved back
and the files written are restored. Nothing is committed: the caller prints the commit to run.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_atomic
from .config import Catalog
from .discover import PRODUCT_FILE, SLUG_RE, discover
from .errors import PzBuildError
from .gitrepo import GitError, GitUnavailable, run_git
from .problems import Problem
from .yamledit import EditError, add_promoted_from, replace_derived_from

_USER_ID = re.compile(r"^user/([^/]+)/([^/]+)$")
_SHOWN = 5  # uncommitted paths named in a refusal


class PromoteError(PzBuildError):
    """Raised when a product cannot be promoted; nothing was changed. ``problems`` holds the
    validation problems when the product (or the result) is invalid."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class PromoteResult:
    old_id: str
    new_id: str
    old_folder: str  # relative to the catalog root
    new_folder: str
    date: str  # YYYY-MM-DD, recorded in provenance.promoted_from
    rewritten: tuple[str, ...] = ()  # product.yaml files whose derived_from was rewritten
    commit: tuple[str, ...] = field(default=())  # the git command that records it all


def promote(catalog: Catalog, product_id: str, *, as_slug: str | None = None,
            date: dt.date | None = None) -> PromoteResult:
    """Move the user product ``product_id`` to ``official/<as_slug or its slug>``.

    Raises :class:`PromoteError` when it cannot: a bad id or slug, no such product, the
    target exists, not a git checkout, uncommitted changes in the product folder, or the
    product is invalid (then with its problems)."""
    root = catalog.root
    old_id = product_id.strip().strip("/")
    old_id = old_id.removeprefix("products/")
    m = _USER_ID.match(old_id)
    if m is None:
        raise PromoteError(f"'{product_id}' is not the id of a user product: give "
                           "user/<owner>/<slug>")
    owner, slug = m.groups()
    new_slug = as_slug if as_slug is not None else slug
    for what, value in (("owner handle", owner), ("slug", slug), ("slug given by --as", new_slug)):
        if not SLUG_RE.match(value):
            raise PromoteError(f"{what} '{value}' must be lower-case letters, digits and '-', "
                               "starting with a letter or digit, at most 64 characters")
    new_id = f"official/{new_slug}"
    old_rel, new_rel = f"products/{old_id}", f"products/{new_id}"
    old_dir, new_dir = root / old_rel, root / new_rel
    if not (old_dir / PRODUCT_FILE).is_file():
        raise PromoteError(f"no product {old_id}: {old_rel}/{PRODUCT_FILE} does not exist")
    taken = [d.name for d in (root / "products" / "official").glob("*")
             if d.name.casefold() == new_slug.casefold()]
    if new_dir.exists() or taken:
        raise PromoteError(f"{new_rel} already exists: choose another slug with --as")
    _check_git(root, old_rel, new_rel)

    subs, _ = discover(catalog)
    refs = [s for s in subs if s.id != old_id and old_id in _derived_from(s.data)]
    before = _errors(catalog, [old_dir, *(s.folder for s in refs)])
    problems = [p for p in before if p.product == old_id]
    if problems or not any(s.id == old_id for s in subs):
        raise PromoteError(f"{old_id} is invalid: fix it before promoting it", problems)
    day = (date or dt.date.today()).isoformat()
    new_yaml = new_dir / PRODUCT_FILE
    edits: dict[Path, tuple[str, str]] = {}  # file -> (text before, text after)
    try:
        text = _read(old_dir / PRODUCT_FILE)
        edits[new_yaml] = (text, add_promoted_from(text, f"{new_rel}/{PRODUCT_FILE}", old_id,
                                                   day))
        for sub in refs:
            path = sub.folder / PRODUCT_FILE
            text = _read(path)
            edits[path] = (text, replace_derived_from(text, sub.yaml_path, old_id, new_id))
    except (EditError, OSError, UnicodeDecodeError) as exc:
        raise PromoteError(f"{exc}; nothing was changed") from exc

    _git_mv(root, old_rel, new_rel)
    written: list[Path] = []
    try:
        for path, (_, after) in edits.items():
            write_atomic(path, after)
            written.append(path)
        known = {(p.product, p.code, p.message) for p in before}
        ref_ids = {s.id for s in refs}
        problems = [p for p in _errors(catalog, [new_dir, *(s.folder for s in refs)])
                    if p.product == new_id or (p.product in ref_ids
                                               and (p.product, p.code, p.message) not in known)]
        if problems:
            raise PromoteError(f"the promoted {new_id} would be invalid; nothing was changed",
                               problems)
    except BaseException:
        for path in written:
            write_atomic(path, edits[path][0])
        _git(root, "mv", "--", new_rel, old_rel)
        raise
    _remove_if_empty(old_dir.parent)
    rel = [(s.folder / PRODUCT_FILE).relative_to(root).as_posix() for s in refs]
    commit = ["git", "commit", "-m", f"Promote {old_id} to {new_id}", "--",
              old_rel, new_rel, *rel]
    return PromoteResult(old_id, new_id, old_rel, new_rel, day, tuple(rel), tuple(commit))


def commit_command(result: PromoteResult, root: Path) -> str:
    """The commit to run, as a shell command (with -C when not run from ``root``)."""
    cmd = list(result.commit)
    if Path.cwd().resolve() != root.resolve():
        cmd[1:1] = ["-C", str(root)]
    return shlex.join(cmd)


def _derived_from(data: dict[str, object]) -> list[object]:
    prov = data.get("provenance")
    items = prov.get("derived_from") if isinstance(prov, dict) else None
    return items if isinstance(items, list) else []


def _errors(catalog: Catalog, folders: list[Path]) -> list[Problem]:
    """The errors of the products in ``folders``."""
    from .validate import validate_catalog

    return validate_catalog(catalog=catalog, paths=folders).errors


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # line ends as they are


# -- git ---------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git args`` in ``root`` with its output as text, whatever its exit status."""
    try:
        done = run_git(root, *args)
    except GitUnavailable as exc:
        raise PromoteError("git is not installed: promoting moves the product with git mv"
                           ) from exc
    except GitError as exc:
        raise PromoteError(str(exc)) from exc
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "surrogateescape"),
                                       done.stderr.decode("utf-8", "replace"))


def _check_git(root: Path, old_rel: str, new_rel: str) -> None:
    probe = _git(root, "rev-parse", "--is-inside-work-tree")
    if probe.returncode != 0 or probe.stdout.strip() != "true":
        raise PromoteError(f"{root} is not a git checkout: promoting moves the product with "
                           "git mv, so that it keeps its history")
    tracked = _git(root, "ls-files", "--error-unmatch", "--", f"{old_rel}/{PRODUCT_FILE}")
    if tracked.returncode != 0:
        raise PromoteError(f"{old_rel} is not committed: commit it before promoting it")
    status = _git(root, "status", "--porcelain=v1", "-z",
                  "--untracked-files=all", "--ignored", "--", old_rel, new_rel)
    if status.returncode != 0:
        raise PromoteError("git status failed: " + status.stderr.strip())
    paths = [entry[3:] for entry in status.stdout.split("\0") if len(entry) > 3]
    if paths:
        more = f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else ""
        raise PromoteError(f"uncommitted changes in {old_rel} ({', '.join(paths[:_SHOWN])}"
                           f"{more}): commit or remove them before promoting")


def _git_mv(root: Path, old_rel: str, new_rel: str) -> None:
    (root / new_rel).parent.mkdir(parents=True, exist_ok=True)
    moved = _git(root, "mv", "--", old_rel, new_rel)
    if moved.returncode != 0:
        raise PromoteError(f"git mv {old_rel} {new_rel} failed: {moved.stderr.strip()}")


# -- files -------------------------------------------------------------------------------


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # the owner's folder, when this was their last product
    except OSError:
        pass
