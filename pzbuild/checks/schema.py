"""JSON Schema validation of product.yaml, each violation located at its line."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..problems import Problem
from ..yamlload import escape_pointer
from . import ProductContext

_CODE_BY_VALIDATOR = {
    "required": "S201",
    "type": "S202",
    "additionalProperties": "S203",
    "enum": "S204",
    "const": "S204",
    "pattern": "S204",
    "format": "S204",
    "minLength": "S205",
    "maxLength": "S205",
    "minItems": "S205",
    "maxItems": "S205",
    "uniqueItems": "S205",
}


@lru_cache(maxsize=4)
def _validator(schema_json: str) -> Any:
    import json

    from jsonschema import Draft202012Validator

    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


#: id(schema) -> (schema, its validator); the schema is kept so that its id stays its own
_by_identity: dict[int, tuple[Any, Any]] = {}


def check_schema(ctx: ProductContext) -> Iterator[Problem]:
    import json

    data = ctx.sub.meta.data
    if not isinstance(data, dict):
        return
    schema = ctx.catalog.schema
    known = _by_identity.get(id(schema))
    if known is None or known[0] is not schema:
        # the schema's text is the cache key; making it once per schema, not per product
        known = _by_identity[id(schema)] = (schema, _validator(json.dumps(schema,
                                                                          sort_keys=True)))
    validator = known[1]
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        yield from _to_problems(ctx, err)


def _pointer(path: Any) -> str:
    return "".join(f"/{escape_pointer(p)}" for p in path)


def _field(pointer: str) -> str:
    return pointer.lstrip("/").replace("/", ".") or "the document"


def _to_problems(ctx: ProductContext, err: Any) -> Iterator[Problem]:
    pointer = _pointer(err.absolute_path)
    kind = err.validator
    code = _CODE_BY_VALIDATOR.get(kind, "S299")
    where = _field(pointer)
    if kind == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        for key in missing:
            yield ctx.problem(code, f"{where}: missing required field '{key}'", pointer)
        return
    if kind == "additionalProperties":
        allowed = list((err.schema.get("properties") or {}).keys())
        for key in err.instance:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            did = f" (did you mean '{close[0]}'?)" if close else f"; allowed: {', '.join(allowed)}"
            yield ctx.problem(code, f"{_field(pointer + '/' + escape_pointer(key))}: unknown "
                              f"field '{key}'{did}", f"{pointer}/{escape_pointer(key)}", key=True)
        return
    if kind == "type":
        raw = ctx.sub.meta.raw.get(pointer)
        want = err.validator_value
        expected = " or ".join(want) if isinstance(want, list) else str(want)
        hint = ""
        if raw is not None and "string" in str(expected) and not isinstance(err.instance, str):
            hint = f"; YAML read {raw!r} as {type(err.instance).__name__}: write it in quotes"
        yield ctx.problem(code, f"{where}: expected {expected}, got "
                          f"{_json_type(err.instance)}{hint}", pointer)
        return
    if kind == "enum":
        choices = ", ".join(map(str, err.validator_value))
        yield ctx.problem(code, f"{where}: {err.instance!r} is not one of: {choices}", pointer)
        return
    if kind == "pattern":
        desc = err.schema.get("description", "")
        yield ctx.problem(code, f"{where}: {err.instance!r} has the wrong form"
                          f"{' — ' + desc if desc else ''} (pattern {err.validator_value})",
                          pointer)
        return
    yield ctx.problem(code, f"{where}: {err.message}", pointer)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
