"""Checks of who may open a product: ``access.groups``, restricted releases, and the links
between products open to different groups.

A restricted product is sealed under a key of its own (docs/sealing.md); these checks keep
its name from showing elsewhere and point out groups that nobody is in.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator

from ..config import Catalog
from ..model import GROUP_RE, Submission, access_groups
from ..problems import Location, Problem
from . import ProductContext
from .catalog import derived_from

USERS_FILE = "access/users.yaml"


def check_release_groups(ctx: ProductContext) -> Iterator[Problem]:
    """A product of a restricted release may narrow the release's groups, not widen them:
    a reader must be allowed by both, and a key class opens to the readers of any one of
    its groups."""
    data = ctx.sub.data
    release = data.get("release")
    allowed = (ctx.catalog.vocabulary.release_groups.get(release)
               if isinstance(release, str) else None)
    access = data.get("access")
    groups = access.get("groups") if isinstance(access, dict) else None
    if allowed is None or not isinstance(groups, list):
        return
    for j, g in enumerate(groups):
        if isinstance(g, str) and g not in allowed:
            yield ctx.problem("R416", f"access.groups.{j}: '{g}' is not a group of release "
                              f"'{release}', which only readers of {_names(allowed)} may "
                              "open; name some of those groups, or none to take the "
                              "release's", f"/access/groups/{j}")


def check_groups(catalog: Catalog, subs: list[Submission], all_subs: list[Submission]
                 ) -> Iterator[Problem]:
    """Groups no current reader is in (a warning: readers change), and derived_from links
    between products open to different groups (an error: each product's page names the
    other, so its name would show to readers who may not open it)."""
    release_groups = catalog.vocabulary.release_groups
    groups = {s.id: access_groups(s.data, release_groups) for s in all_subs}
    held = _reader_groups(catalog)
    if held is not None:
        yield from _unheld(subs, release_groups, held)
    for sub in subs:
        for i, target in derived_from(sub):
            if target not in groups or groups[target] == groups[sub.id]:
                continue
            yield Problem("R418", f"provenance.derived_from.{i}: {target} is open to "
                          f"{_audience(groups[target])} but this product to "
                          f"{_audience(groups[sub.id])}: each page names the other, so give "
                          "both the same access (or drop the link)",
                          sub.meta.locate(f"/provenance/derived_from/{i}"), sub.id)


def _unheld(subs: list[Submission], release_groups: dict[str, frozenset[str]],
            held: set[str]) -> Iterator[Problem]:
    have = f"groups of current readers: {_names(held)}" if held else "no reader is in a group"
    for sub in subs:
        access = sub.data.get("access")
        named = access.get("groups") if isinstance(access, dict) else None
        if not isinstance(named, list):
            continue
        for j, g in enumerate(named):
            if isinstance(g, str) and GROUP_RE.match(g) and g not in held:
                close = difflib.get_close_matches(g, sorted(held), n=1)
                did = f" (did you mean '{close[0]}'?)" if close else ""
                yield Problem("R417", f"access.groups.{j}: no current reader of {USERS_FILE} "
                              f"is in group '{g}'{did}; {have}",
                              sub.meta.locate(f"/access/groups/{j}"), sub.id)
    for release, groups in sorted(release_groups.items()):
        if not groups & held:
            yield Problem("R417", f"releases.{release}.groups: no current reader of "
                          f"{USERS_FILE} is in {_names(groups)}; {have}",
                          Location("schema/vocabulary.yaml", pointer=f"/releases/{release}"))


def _reader_groups(catalog: Catalog) -> set[str] | None:
    """The groups of the current readers of access/users.yaml; None when the file is absent
    or unreadable (`pzbuild access check` reports that)."""
    from ..yamlload import load_yaml_file

    path = catalog.root / USERS_FILE
    if not path.is_file():
        return None
    loaded = load_yaml_file(path, USERS_FILE, max_bytes=4 * 1024 * 1024)
    users = loaded.data.get("users") if loaded.ok and isinstance(loaded.data, dict) else None
    if not isinstance(users, list):
        return None
    today = dt.date.today().isoformat()
    held: set[str] = set()
    for user in users:
        if not isinstance(user, dict) or not isinstance(user.get("groups"), list):
            continue
        expires = user.get("expires")
        if isinstance(expires, str) and len(expires) == 10 and expires < today:
            continue
        held.update(g for g in user["groups"] if isinstance(g, str))
    return held


def _names(groups: set[str] | frozenset[str]) -> str:
    return ", ".join(f"'{g}'" for g in sorted(groups))


def _audience(groups: frozenset[str] | None) -> str:
    return "every reader" if groups is None else f"the readers of {_names(groups)}"
