"""Checks across products: unique ids and names, provenance links and cycles."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Submission
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
