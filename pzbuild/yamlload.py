"""Read a YAML file strictly, keeping the line and column of every node.

YAML is more permissive than a metadata file should be: duplicate keys silently win, aliases
can expand exponentially (the "billion laughs" file), tags can ask for arbitrary objects. This
loader refuses all of that with a located :class:`~pzbuild.problems.Problem`, and returns the
data together with a map from JSON pointer to (line, column) so that later checks can point
at the line they complain about.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Location, Problem

DEFAULT_MAX_BYTES = 256 * 1024

_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in
               ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}
# libyaml's parser is about 15 times faster and reports the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LoadedYaml:
    """The data of a YAML document and where each part of it was written."""

    path: str
    data: Any = None
    #: JSON pointer -> (line, col), both 1-based; "" is the document itself. A tuple, or a
    #: two-item list when the document was read back from the cache (:meth:`from_dict`).
    positions: dict[str, Sequence[int]] = field(default_factory=dict)
    #: JSON pointer of a mapping key -> (line, col) of the key itself.
    key_positions: dict[str, Sequence[int]] = field(default_factory=dict)
    #: JSON pointer -> the scalar exactly as written (to explain YAML's type guesses).
    raw: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "positions": self.positions,
                "key_positions": self.key_positions, "raw": self.raw,
                "problems": [p.to_dict() for p in self.problems]}

    @classmethod
    def from_dict(cls, path: str, d: dict[str, Any]) -> LoadedYaml:
        # Positions come back as [line, col] lists, used as they are: unpacked like the
        # tuples, and converting thousands of them would cost more than the rest of a load.
        return cls(path, d["data"], d["positions"], d["key_positions"],
                   dict(d["raw"]), [Problem.from_dict(p) for p in d["problems"]])

    def locate(self, pointer: str, *, key: bool = False) -> Location:
        """The location of ``pointer``, or of its closest written ancestor."""
        p = pointer
        table = self.key_positions if key else self.positions
        while True:
            if p in table:
                line, col = table[p]
                return Location(self.path, line, col, pointer)
            if key and p in self.positions:
                line, col = self.positions[p]
                return Location(self.path, line, col, pointer)
            if not p:
                return Location(self.path, 1, 1, pointer)
            p = p.rsplit("/", 1)[0]


def escape_pointer(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class _Refused(Exception):
    def __init__(self, code: str, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.col = code, message, line, col


def load_yaml_file(
    path: Path, display_path: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadedYaml:
    """Load ``path``; ``display_path`` is how problems name the file."""
    out = LoadedYaml(display_path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            out.problems.append(Problem(
                "Y106", f"file is {size:,} bytes; product.yaml may be at most {max_bytes:,} bytes",
                Location(display_path, 1, 1)))
            return out
        blob = path.read_bytes()
    except OSError as exc:
        out.problems.append(Problem("Y108", f"cannot read the file: {exc.strerror}",
                                    Location(display_path)))
        return out
    return load_yaml_bytes(blob, display_path, out)


def load_yaml_bytes(blob: bytes, display_path: str, out: LoadedYaml | None = None) -> LoadedYaml:
    out = out or LoadedYaml(display_path)
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob.count(b"\n", 0, exc.start) + 1
        col = exc.start - (blob.rfind(b"\n", 0, exc.start) + 1) + 1
        out.problems.append(Problem(
            "Y104", f"byte 0x{blob[exc.start]:02x} is not UTF-8; save the file as UTF-8",
            Location(display_path, line, col)))
        return out
    if text.startswith("\ufeff"):
        text = text[1:]
    for n, line_text in enumerate(text.splitlines(), start=1):
        stripped = line_text.lstrip(" ")
        if stripped.startswith("\t"):
            out.problems.append(Problem(
                "Y103", "a tab is used for indentation; YAML needs spaces",
                Location(display_path, n, len(line_text) - len(stripped) + 1)))
    if out.problems:
        return out
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(s for s in (exc.context, exc.problem) if s)
        out.problems.append(Problem("Y101", f"YAML syntax: {what}",
                                    Location(display_path, line, col)))
        return out
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks nearly everything
        out.problems.append(Problem("Y101", f"YAML syntax: {exc}", Location(display_path, 1, 1)))
        return out
    if node is None or not isinstance(node, yaml.MappingNode):
        out.problems.append(Problem(
            "Y107", "the document must be a mapping of fields (name: ..., type: ..., ...)",
            Location(display_path, 1, 1)))
        return out
    try:
        out.data = _convert(node, "", out, set())
    except _Refused as exc:
        out.problems.append(Problem(exc.code, exc.message,
                                    Location(display_path, exc.line, exc.col)))
        out.data = None
    return out


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, pointer: str, out: LoadedYaml, seen: set[int]) -> Any:
    # An alias is the very node object of its anchor: meeting a node twice means an alias,
    # refused before it can be expanded (the "billion laughs").
    if id(node) in seen:
        raise _Refused("Y105", "anchors and aliases (&name, *name) are not allowed; "
                       "write each value out", *_pos(node))
    seen.add(id(node))
    if node.tag not in _PLAIN_TAGS:
        raise _Refused("Y105", f"explicit tags ({node.tag}) are not allowed", *_pos(node))
    # A list or mapping is located at its key ("files:"), a scalar at its value.
    is_container = isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
    out.positions[pointer] = (out.key_positions[pointer]
                              if is_container and pointer in out.key_positions else _pos(node))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused("Y109", "a mapping key must be a plain name", *_pos(key_node))
            key = str(key_node.value)
            if key == "<<":
                raise _Refused("Y105", "merge keys (<<) are not allowed", *_pos(key_node))
            child = f"{pointer}/{escape_pointer(key)}"
            if key in result:
                first = out.key_positions[child]
                raise _Refused("Y102", f"duplicate key '{key}' (first written on line "
                               f"{first[0]})", *_pos(key_node))
            out.key_positions[child] = _pos(key_node)
            result[key] = _convert(value_node, child, out, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, f"{pointer}/{i}", out, seen)
                for i, item in enumerate(node.value)]
    out.raw[pointer] = node.value
    if node.tag == _TIMESTAMP_TAG:
        return node.value  # dates stay text, as JSON Schema expects
    value = _SCALAR_CONSTRUCTOR.construct_object(node)
    if isinstance(value, (_dt.date, _dt.datetime, bytes)):
        return node.value
    return value
