"""Checks across products: unique ids and names, provenance links, cycles and promotions."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Submission, promoted_from
from ..problems import Location, Problem


def check_unique(subs: list[Submission]) -> Iterator[Problem]:
    seen: dict[str, Submission] = {}
    names: dict[tuple[str, str], Submission] = {}
    for sub in subs:
        folded = sub.id.casefold()
        if folded in seen:
            yield Problem("L303", f"id '{sub.id}' differs only in case from "
                          f"'{seen[folded].id}'", Location(sub.yaml_path), sub.id)
        seen.setdefault(folded, sub)
        name = sub.data.get("name")
        if isinstance(name, str):
            key = (sub.section, name.strip().casefold())
            if key in names:
                yield Problem("L305", f"name '{name}' is also the name of {names[key].id}",
                              sub.meta.locate("/name"), sub.id)
            names.setdefault(key, sub)


def derived_from(sub: Submission) -> list[tuple[int, str]]:
    prov = sub.data.get("provenance")
    items = prov.get("derived_from") if isinstance(prov, dict) else None
    if not isinstance(items, list):
        return []
    return [(i, x) for i, x in enumerate(items) if isinstance(x, str)]


def check_provenance(subs: list[Submission], all_subs: list[Submission]) -> Iterator[Problem]:
    """derived_from must name products of the catalog and must not loop back."""
    ids = {s.id for s in all_subs}
    graph = {s.id: [x for _, x in derived_from(s) if x in ids] for s in all_subs}
    for sub in subs:
        for i, target in derived_from(sub):
            ptr = f"/provenance/derived_from/{i}"
            if target == sub.id:
                yield Problem("R411", f"provenance.derived_from.{i}: a product cannot be "
                              "derived from itself", sub.meta.locate(ptr), sub.id)
            elif target not in ids:
                import difflib

                hint = difflib.get_close_matches(target, sorted(ids), n=1)
                did = f" (did you mean '{hint[0]}'?)" if hint else ""
                yield Problem("R410", f"provenance.derived_from.{i}: no product '{target}' in "
                              f"the catalog{did}", sub.meta.locate(ptr), sub.id)
            else:
                cycle = _path_back(graph, target, sub.id)
                if cycle:
                    loop = " → ".join([sub.id, *cycle])
                    yield Problem("R411", f"provenance.derived_from.{i}: makes a cycle: {loop}",
                                  sub.meta.locate(ptr), sub.id)
    yield from check_promotions(subs, all_subs)


def check_promotions(subs: list[Submission], all_subs: list[Submission]) -> Iterator[Problem]:
    """provenance.promoted_from: an id no product has (its URL becomes a redirect), named by
    one product only, and a real date. Its form is checked by the schema."""
    import datetime as dt

    ids = {s.id.casefold(): s.id for s in all_subs}
    first: dict[str, str] = {}
    for s in sorted(all_subs, key=lambda s: s.id):
        old = promoted_from(s.data).get("id")
        if isinstance(old, str):
            first.setdefault(old.casefold(), s.id)
    for sub in subs:
        moved = promoted_from(sub.data)
        old, date = moved.get("id"), moved.get("date")
        if isinstance(old, str) and old.casefold() in ids:
            yield Problem("R419", f"provenance.promoted_from.id: '{old}' is the id of a "
                          f"product of the catalog ({ids[old.casefold()]}); a promoted "
                          "product's old id must stay free for the redirect to it",
                          sub.meta.locate("/provenance/promoted_from/id"), sub.id)
        elif isinstance(old, str) and first.get(old.casefold(), sub.id) != sub.id:
            yield Problem("R420", f"provenance.promoted_from.id: {first[old.casefold()]} was "
                          f"promoted from '{old}' too; an old id can lead to one product only",
                          sub.meta.locate("/provenance/promoted_from/id"), sub.id)
        if isinstance(date, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                yield Problem("S204", f"provenance.promoted_from.date: '{date}' is not a day "
                              "of the calendar (YYYY-MM-DD)",
                              sub.meta.locate("/provenance/promoted_from/date"), sub.id)


def _path_back(graph: dict[str, list[str]], start: str, goal: str) -> list[str] | None:
    """A path start → … → goal along derived_from links, if any (iterative DFS)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in graph.get(node, []):
            stack.append((nxt, [*path, nxt]))
    return None
