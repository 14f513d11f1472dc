"""The History section of a product page, from the ``history`` object of its record.

Author names and commit subjects are text that anyone who commits can write: they stay
plain text here and the template escapes them. As every part of the page, a missing or
malformed record value leaves its piece out instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .product_parts import as_dict, as_list, text

#: Commits listed on the page; the product record lists them all.
MAX_COMMITS_SHOWN = 200
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


@dataclass(frozen=True)
class CommitRow:
    short: str
    hash: str
    date: str
    author: str
    subject: str
    data_changed: bool


@dataclass(frozen=True)
class Contributor:
    name: str
    commits: int


@dataclass(frozen=True)
class HistoryView:
    created: str | None
    updated: str | None
    from_git: bool
    note: str | None  # why git gave no history
    former_ids: list[str]
    contributors: list[Contributor]
    commits: list[CommitRow]  # newest first, at most MAX_COMMITS_SHOWN
    total: int  # commits in the record

    @property
    def more(self) -> int:
        """Commits of the record that the page does not list."""
        return self.total - len(self.commits)


def history_view(record: dict[str, Any]) -> HistoryView | None:
    """The History section of a product record, or None when the record has no history."""
    hist = record.get("history")
    if not isinstance(hist, dict):
        return None
    commits = []
    for c in as_list(hist.get("commits")):
        c = as_dict(c)
        full = text(c.get("hash")) or ""
        if not _HEX.match(full):
            continue
        short = text(c.get("short")) or full[:7]
        commits.append(CommitRow(short if _HEX.match(short) else full[:7], full,
                                 text(c.get("date")) or "", text(c.get("author")) or "",
                                 text(c.get("subject")) or "", c.get("data_changed") is True))
    contributors = []
    for c in as_list(hist.get("contributors")):
        c = as_dict(c)
        n = c.get("commits")
        if (name := text(c.get("name"))) is not None and isinstance(n, int) and n > 0:
            contributors.append(Contributor(name, n))
    return HistoryView(
        created=text(record.get("created")), updated=text(record.get("updated")),
        from_git=hist.get("source") == "git", note=text(hist.get("note")),
        former_ids=[i for i in (text(x) for x in as_list(hist.get("former_ids"))) if i],
        contributors=contributors, commits=commits[:MAX_COMMITS_SHOWN], total=len(commits))
