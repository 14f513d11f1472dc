"""Flags for reviewers: the changes of a pull request that need a maintainer's approval."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..codeowners import owned_kind
from ..gitrepo import Change
from .diff import ProductChange

#: kind -> what it means, in the order the report lists them.
KINDS: dict[str, str] = {
    "official": "changes the official section (products of the PZ Coordination Group)",
    "deletion": "deletes products or files",
    "access": "changes the access list: who may open the sealed site",
    "schema": "changes the product schema or the vocabulary",
    "catalog": "changes catalog.yaml (settings, maintainers)",
    "site": "changes the site's templates or pages, which run in every reader's browser",
    "ci": "changes .github/ (CODEOWNERS, the workflows that build and deploy the site)",
    "codeowners": ".github/CODEOWNERS is missing or does not match the maintainers",
}


@dataclass
class Flag:
    kind: str
    paths: list[str] = field(default_factory=list)  # product ids or paths

    @property
    def message(self) -> str:
        return KINDS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "paths": self.paths}


def maintainer_flags(products: Iterable[ProductChange], others: Iterable[Change],
                     codeowners_ok: bool = True) -> list[Flag]:
    """One flag per kind of change that needs a maintainer, naming what it is about."""
    found: dict[str, list[str]] = {}

    def add(kind: str, what: str) -> None:
        items = found.setdefault(kind, [])
        if what not in items:
            items.append(what)

    for p in products:
        if p.section == "official":
            add("official", p.id)
        if p.status == "removed":
            add("deletion", p.id)
    for change in others:
        kind = owned_kind(change.path)
        if kind is not None:
            add(kind, change.path)
        if change.status == "D":
            add("deletion", change.path)
    if not codeowners_ok:
        add("codeowners", ".github/CODEOWNERS")
    return [Flag(kind, found[kind]) for kind in KINDS if kind in found]
