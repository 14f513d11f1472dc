"""The history of each product from git: dates, commits and contributors; else file dates.

One ``git log --name-status -M`` over the whole ``products/`` tree gives every commit (hash,
committer date, author, subject) and the files it changed; each change is given to the
product whose folder holds the file. Dates are committer dates (when a change entered the
catalog); ``created`` is the date of the product's oldest commit and ``updated`` that of its
newest. Authors are taken through ``.mailmap`` (``%aN``).

A product keeps the history it had under an older id: a commit that renames a
``product.yaml`` into another product folder (``git mv`` of the folder, as ``pzbuild promote``
does) makes every older commit of the old id count for the new one. When git did not see the
rename, the id named by ``provenance.promoted_from`` is merged in instead.

A commit *changed data* when it added, deleted or modified a file of the product other than
``product.yaml`` and its description file (role ``description``), or moved such a file to
another path inside the product folder. Moving the whole folder unchanged (a promotion) is
not a data change.

Outside a git checkout, in a shallow clone (whose history is cut) and for products git does
not know yet (not committed), the modification times of the product's files stand in for the
dates, no commit is listed and a warning says why.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..gitrepo import GitError, GitUnavailable
from ..gitrepo import run_git as _git
from ..model import promoted_from_id

if TYPE_CHECKING:
    from ..model import Product

METADATA_FILE = "product.yaml"
_HEADER = "\x01"  # starts the header of a commit in the log (never a status or a path)
_FORMAT = f"--format=%x00{_HEADER}%H%x00%h%x00%cI%x00%aN%x00%s"
_GIT = "git"
_FILES = "files"


@dataclass(frozen=True)
class Dates:
    created: str | None  # YYYY-MM-DD
    updated: str | None


@dataclass(frozen=True)
class Commit:
    hash: str
    short: str
    date: str  # YYYY-MM-DD, committer date
    author: str
    subject: str
    data_changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"hash": self.hash, "short": self.short, "date": self.date,
                "author": self.author, "subject": self.subject,
                "data_changed": self.data_changed}


@dataclass(frozen=True)
class ProductHistory:
    """The history of one product: from git (``source`` "git"), or file dates ("files")."""

    source: str
    dates: Dates
    commits: tuple[Commit, ...] = ()  # newest first
    former_ids: tuple[str, ...] = ()  # ids the product had before (renames, promotion)
    note: str | None = None  # why there are no commits

    def contributors(self) -> list[tuple[str, int]]:
        """(author, number of commits), in the order of their first commit."""
        counts: dict[str, int] = {}
        for c in reversed(self.commits):
            counts[c.author] = counts.get(c.author, 0) + 1
        return list(counts.items())

    def to_dict(self) -> dict[str, Any]:
        """The ``history`` object of the product record (docs/design/site-format.md)."""
        return {"source": self.source, "note": self.note, "former_ids": list(self.former_ids),
                "contributors": [{"name": n, "commits": k} for n, k in self.contributors()],
                "commits": [c.to_dict() for c in self.commits]}


@dataclass
class History:
    products: dict[str, ProductHistory] = field(default_factory=dict)  # by product id
    warnings: list[str] = field(default_factory=list)

    @property
    def dates(self) -> dict[str, Dates]:
        return {pid: h.dates for pid, h in self.products.items()}


@dataclass(frozen=True)
class ProductFiles:
    """What the history of one product needs: its id, folder and files (relative paths)."""

    id: str
    folder: Path
    files: tuple[str, ...]
    #: files whose changes are not data changes besides product.yaml (the description file)
    text_files: tuple[str, ...] = ()
    promoted_from: str | None = None  # provenance.promoted_from.id


def product_files(product: Product) -> ProductFiles:
    """The :class:`ProductFiles` of a validated product."""
    return ProductFiles(product.id, product.folder, tuple(f.path for f in product.files),
                        tuple(f.path for f in product.files if f.role == "description"),
                        promoted_from_id(product.meta))


def product_history(root: Path, products: Iterable[ProductFiles]) -> History:
    """The history of ``products`` of the catalog at ``root``."""
    products = list(products)
    history = History()
    if not products:
        return history
    log, why_not = _git_log(root)
    if why_not:
        history.warnings.append(f"dates of products are file modification times: {why_not}")
    found = _by_product(log or [], {p.id: p for p in products})
    unknown = 0
    for p in products:
        mine = found.get(p.id)
        if mine is not None:
            history.products[p.id] = mine
            continue
        unknown += why_not is None
        note = why_not or "not committed yet"
        history.products[p.id] = ProductHistory(_FILES, _file_dates(p),
                                                note=f"no history from git: {note}")
    if unknown:
        history.warnings.append(
            f"{unknown} product(s) have no git history yet (not committed): their dates are "
            "file modification times")
    return history


# -- the log -----------------------------------------------------------------------------


@dataclass
class _Entry:
    """A commit of the log and the files it changed: (status, path, old path or None)."""

    hash: str
    short: str
    date: str
    author: str
    subject: str
    changes: list[tuple[str, str, str | None]] = field(default_factory=list)


def _git_log(root: Path) -> tuple[list[_Entry] | None, str | None]:
    """(the log of products/, newest commit first, None), or (None, why git cannot be used)."""
    try:
        probe = _git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    except GitUnavailable:
        return None, "git is not installed"
    except GitError as exc:  # git hung
        return None, str(exc)
    if probe.returncode != 0:
        return None, f"{root} is not a git checkout"
    if probe.stdout.split()[1:2] == [b"true"]:
        return None, ("the git checkout is shallow (in CI, fetch the whole history, e.g. "
                      "actions/checkout with fetch-depth: 0)")
    # -z: paths and subjects as they are, whatever characters they hold; -M: renames, so
    # that a moved product keeps its history.
    try:
        log = _git(root, "log", _FORMAT, "--name-status", "-M", "-z", "--relative", "--",
                   "products")
    except GitError as exc:
        return None, str(exc)
    if log.returncode != 0:
        return None, "git log failed: " + log.stderr.decode("utf-8", "replace").strip()
    return _parse(log.stdout.decode("utf-8", "replace")), None


def _parse(text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    tokens = text.split("\0")
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i].lstrip("\n")
        i += 1
        if token.startswith(_HEADER):
            fields = tokens[i:i + 4]
            i += 4
            if len(fields) < 4:
                break
            entries.append(_Entry(token[1:], fields[0], fields[1][:10], fields[2], fields[3]))
        elif token and entries:
            status = token[0]
            if status in "RC":
                if i + 1 >= n:
                    break
                entries[-1].changes.append((token, tokens[i + 1], tokens[i]))
                i += 2
            else:
                if i >= n:
                    break
                entries[-1].changes.append((token, tokens[i], None))
                i += 1
    return entries


def _by_product(log: list[_Entry], products: dict[str, ProductFiles]
                ) -> dict[str, ProductHistory]:
    """The history of every product that the log touches, by its id today."""
    alias: dict[str, str] = {}  # an id in older commits -> the id it has now
    touched: dict[str, list[tuple[int, bool]]] = {}  # id -> (log index, data changed)
    former: dict[str, list[str]] = {}
    for index, entry in enumerate(log):  # newest first
        moved = _moved_folders(entry, alias)
        changed: dict[str, bool] = {}
        for status, path, old in entry.changes:
            new = _split(path)
            if new is None:
                continue
            pid = alias.get(new[0], new[0])
            data = new[1] not in _text_files(products.get(pid))
            before = _split(old) if old is not None else None
            if before is not None:
                source = moved.get(before[0]) or alias.get(before[0], before[0])
                if source == pid:  # moved with its folder: a data change if changed or renamed
                    data = data and not (status == "R100" and before[1] == new[1])
                else:  # moved from another product: a change of that one too
                    changed[source] = changed.get(source, False) or \
                        before[1] not in _text_files(products.get(source))
            changed[pid] = changed.get(pid, False) or data
        for pid, data in changed.items():
            touched.setdefault(pid, []).append((index, data))
        for old_id, new_id in moved.items():
            alias[old_id] = new_id
            former.setdefault(new_id, []).append(old_id)
    # Promotions that git did not see as a rename: the old id's commits count too.
    for p in products.values():
        gone = p.promoted_from
        if gone and gone in touched and gone not in products and gone not in alias:
            merged = dict(touched.pop(gone))
            for index, data in touched.get(p.id, []):
                merged[index] = merged.get(index, False) or data
            touched[p.id] = sorted(merged.items())
            former.setdefault(p.id, []).append(gone)
    out = {}
    for pid, items in touched.items():
        commits = tuple(Commit(log[i].hash, log[i].short, log[i].date, log[i].author,
                               log[i].subject, data) for i, data in items)
        out[pid] = ProductHistory(_GIT, Dates(commits[-1].date, commits[0].date), commits,
                                  tuple(dict.fromkeys(former.get(pid, ()))))
    return out


def _moved_folders(entry: _Entry, alias: dict[str, str]) -> dict[str, str]:
    """Products whose product.yaml the commit moved to another product folder: their id
    before the commit -> the id they have now."""
    out = {}
    for status, path, old in entry.changes:
        if old is not None and status.startswith("R"):
            new, before = _split(path), _split(old)
            if new and before and new[0] != before[0] and new[1] == before[1] == METADATA_FILE:
                out[before[0]] = alias.get(new[0], new[0])
    return out


def _text_files(p: ProductFiles | None) -> set[str]:
    return {METADATA_FILE, *(p.text_files if p else ())}


def _split(path: str) -> tuple[str, str] | None:
    """(product id, path inside the product folder) of a path below products/."""
    parts = path.split("/")
    if len(parts) >= 4 and parts[0] == "products" and parts[1] == "official":
        return "/".join(parts[1:3]), "/".join(parts[3:])
    if len(parts) >= 5 and parts[0] == "products" and parts[1] == "user":
        return "/".join(parts[1:4]), "/".join(parts[4:])
    return None


# -- without git -------------------------------------------------------------------------


def _file_dates(p: ProductFiles) -> Dates:
    times = []
    for rel in (METADATA_FILE, *p.files):
        try:
            times.append(os.stat(p.folder / rel).st_mtime)
        except OSError:
            continue
    if not times:
        return Dates(None, None)
    return Dates(_day(min(times)), _day(max(times)))


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date().isoformat()
