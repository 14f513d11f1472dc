"""When each product was created and last updated: from git, else from file dates.

One ``git log`` over the whole ``products/`` tree gives every commit's date and the files it
touched; a product's ``created`` is the date of the first commit touching its folder and
``updated`` that of the last. Outside a git checkout, in a shallow clone (whose history is
cut) and for products git does not know yet (not committed), the modification times of the
product's files stand in, with a warning.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@dataclass(frozen=True)
class Dates:
    created: str | None  # YYYY-MM-DD
    updated: str | None


@dataclass
class History:
    dates: dict[str, Dates] = field(default_factory=dict)  # product id -> dates
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProductFiles:
    """What the history of one product needs: its id, folder and files (relative paths)."""

    id: str
    folder: Path
    files: tuple[str, ...]


def product_history(root: Path, products: Iterable[ProductFiles]) -> History:
    """The created/updated dates of ``products`` of the catalog at ``root``."""
    products = list(products)
    history = History()
    if not products:
        return history
    git_dates, why_not = _git_dates(root)
    if why_not:
        history.warnings.append(f"dates of products are file modification times: {why_not}")
    unknown = 0
    for p in products:
        found = git_dates.get(p.id)
        if found is None:
            unknown += why_not is None
            found = _file_dates(p)
        history.dates[p.id] = found
    if unknown:
        history.warnings.append(
            f"{unknown} product(s) have no git history yet (not committed): their dates are "
            "file modification times")
    return history


def _git_dates(root: Path) -> tuple[dict[str, Dates], str | None]:
    """(dates by product id, None) from git, or ({}, the reason git cannot be used)."""
    try:
        probe = _git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    except FileNotFoundError:
        return {}, "git is not installed"
    if probe.returncode != 0:
        return {}, f"{root} is not a git checkout"
    if probe.stdout.split()[1:2] == [b"true"]:
        return {}, ("the git checkout is shallow (in CI, fetch the whole history, e.g. "
                    "actions/checkout with fetch-depth: 0)")
    # Committer dates: when a change entered the catalog (a merge or rebase), not when its
    # author first wrote it. -z: paths as they are, whatever characters they hold.
    log = _git(root, "-c", "core.quotePath=false", "log", "--format=%x00%cI", "--name-only",
               "-z", "--no-renames", "--relative", "--", "products")
    if log.returncode != 0:
        return {}, "git log failed: " + log.stderr.decode("utf-8", "replace").strip()
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    date = ""
    for token in log.stdout.decode("utf-8", "replace").split("\0"):
        token = token.lstrip("\n")
        if _DATE.match(token):
            date = token[:10]
        elif token.startswith("products/") and date:
            pid = _product_id(token)
            if pid is not None:
                # git log runs from the newest commit to the oldest
                last.setdefault(pid, date)
                first[pid] = date
    return {pid: Dates(first[pid], last[pid]) for pid in first}, None


def _product_id(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) >= 4 and parts[1] == "official":
        return "/".join(parts[1:3])
    if len(parts) >= 5 and parts[1] == "user":
        return "/".join(parts[1:4])
    return None


def _file_dates(p: ProductFiles) -> Dates:
    times = []
    for rel in ("product.yaml", *p.files):
        try:
            times.append(os.stat(p.folder / rel).st_mtime)
        except OSError:
            continue
    if not times:
        return Dates(None, None)
    return Dates(_day(min(times)), _day(max(times)))


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date().isoformat()


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False,
                          stdin=subprocess.DEVNULL)
