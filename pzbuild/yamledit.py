"""Small edits of a product.yaml as text, so that its comments and layout stay.

Each edit locates what it changes with the line and column the strict loader records, makes
the change in the text, then reads the result again: it must hold exactly the data that was
asked for, else :class:`EditError` is raised and nothing is to be written.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from .errors import PzBuildError
from .yamlload import LoadedYaml, load_yaml_bytes

_BOM = "\ufeff"


class EditError(PzBuildError):
    """Raised when a product.yaml cannot be edited as text without changing more than asked
    (an unusual layout): the file is to be edited by hand."""


def add_promoted_from(text: str, display: str, old_id: str, date: str) -> str:
    """``text`` with ``provenance.promoted_from: {id: old_id, date: date}`` added."""
    loaded = _load(text, display)
    data = loaded.data
    value = f'{{id: {old_id}, date: "{date}"}}'
    prov = data.get("provenance")
    lines, bom = _lines(text)
    if "provenance" not in data:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        lines.append(f"provenance:{newline}  promoted_from: {value}{newline}")
    elif isinstance(prov, dict):
        if "promoted_from" in prov:
            raise EditError(f"{display}: provenance.promoted_from is already set")
        line_no, col = loaded.key_positions["/provenance"]
        line = lines[line_no - 1]
        match = re.compile(r"""(["']?)provenance\1[ \t]*:""").match(line, col - 1)
        if match is None:
            raise EditError(f"{display}:{line_no}: cannot find the provenance key")
        rest = line[match.end():]
        if not rest.strip() or rest.lstrip().startswith("#"):  # a block mapping
            children = [pos for ptr, pos in loaded.key_positions.items()
                        if ptr.startswith("/provenance/") and ptr.count("/") == 2]
            indent = " " * (min(c for _, c in children) - 1) if children else "  "
            newline = "\r\n" if line.endswith("\r\n") else "\n"
            lines.insert(line_no, f"{indent}promoted_from: {value}{newline}")
        elif rest.lstrip().startswith("{"):  # a flow mapping
            brace = match.end() + rest.index("{") + 1
            sep = "" if rest.lstrip()[1:].lstrip().startswith("}") else ", "
            lines[line_no - 1] = f"{line[:brace]}promoted_from: {value}{sep}{line[brace:]}"
        else:
            raise EditError(f"{display}:{line_no}: provenance is written in a way this edit "
                            "does not know")
    else:
        raise EditError(f"{display}: provenance is not a mapping")
    new_text = bom + "".join(lines)

    def expected(d: dict[str, Any]) -> None:
        d.setdefault("provenance", {})["promoted_from"] = {"id": old_id, "date": date}

    _check(new_text, display, data, expected)
    return new_text


def replace_derived_from(text: str, display: str, old_id: str, new_id: str) -> str:
    """``text`` with every ``provenance.derived_from`` item ``old_id`` made ``new_id``."""
    loaded = _load(text, display)
    data = loaded.data
    prov = data.get("provenance")
    items = prov.get("derived_from") if isinstance(prov, dict) else None
    hits = [i for i, x in enumerate(items or []) if x == old_id]
    if not hits:
        return text
    lines, bom = _lines(text)
    for i in hits:
        line_no, col = loaded.positions[f"/provenance/derived_from/{i}"]
        line = lines[line_no - 1]
        start = col - 1
        if line.startswith(("'", '"'), start):
            start += 1
        if not line.startswith(old_id, start):
            raise EditError(f"{display}:{line_no}: cannot find {old_id} where it is written")
        lines[line_no - 1] = line[:start] + new_id + line[start + len(old_id):]
    new_text = bom + "".join(lines)

    def expected(d: dict[str, Any]) -> None:
        d["provenance"]["derived_from"] = [new_id if x == old_id else x
                                           for x in d["provenance"]["derived_from"]]

    _check(new_text, display, data, expected)
    return new_text


def _load(text: str, display: str) -> LoadedYaml:
    loaded = load_yaml_bytes(text.encode("utf-8"), display)
    if not loaded.ok or not isinstance(loaded.data, dict):
        raise EditError(f"{display}: cannot be read: "
                        + "; ".join(p.format() for p in loaded.problems))
    return loaded


def _lines(text: str) -> tuple[list[str], str]:
    """The lines of ``text`` with their line ends (split at \\n, after a BOM, as the loader
    counts them for usual files; an unusual line end fails the check of the edit), and the
    BOM it started with."""
    bom = _BOM if text.startswith(_BOM) else ""
    parts = text[len(bom):].split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return (lines + [parts[-1]] if parts[-1] else lines), bom


def _check(new_text: str, display: str, before: dict[str, Any],
           expected: Callable[[dict[str, Any]], None]) -> None:
    want = copy.deepcopy(before)
    expected(want)
    got = load_yaml_bytes(new_text.encode("utf-8"), display)
    if not got.ok or json.dumps(got.data, sort_keys=True) != json.dumps(want, sort_keys=True):
        raise EditError(f"{display}: the edit would change more than asked: edit it by hand")
