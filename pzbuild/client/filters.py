"""Filters of ``get_products_list``: keys as in the pzserver client, checked before use.

``{"type": "redshift_catalog", "release__in": ["dp1", "dr1"], "name": "desi"}`` keeps the
entries that match every key. Text compares without regard to case; a type or release
matches its name (``dp1``) or its display name (``LSST DP1``); ``name`` is a substring of the
name or the id; ``tag`` is one of the entry's tags; ``release=None`` keeps products without
a release.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import InvalidFilter

Entry = dict[str, Any]
KEYS = ("type", "release", "official", "section", "owner", "tag", "name")
IN_KEYS = ("type", "release", "section", "owner", "tag")
VALID = KEYS + tuple(f"{k}__in" for k in IN_KEYS)
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


def _fold(value: Any) -> str | None:
    return None if value is None else str(value).strip().casefold()


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _fold(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidFilter(f"filter 'official' takes true or false, not {value!r}")


def _values(key: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidFilter(f"filter '{key}' takes a list of values, e.g. "
                            f"{{'{key}': ['a', 'b']}}; got {value!r}")
    return list(value)


def _matcher(key: str, wanted: list[Any]) -> Callable[[Entry], bool]:
    if key == "official":
        flag = _as_bool(wanted[0])
        return lambda e: bool(e.get("official")) is flag
    if key == "name":
        needle = _fold(wanted[0]) or ""
        return lambda e: (needle in (_fold(e.get("name")) or "")
                          or needle in (_fold(e.get("id")) or ""))
    if key == "tag":
        tags = {_fold(v) for v in wanted}
        return lambda e: any(_fold(t) in tags for t in e.get("tags") or [])
    names = {_fold(v) for v in wanted}
    if key in ("type", "release"):
        label = f"{key}_name"
        return lambda e: (_fold(e.get(key)) in names
                          or (e.get(key) is not None and _fold(e.get(label)) in names))
    return lambda e: _fold(e.get(key)) in names


def _check_known(key: str, wanted: list[Any], known: Mapping[str, str] | None) -> None:
    """A type or release that the vocabulary does not have is a typo, not an empty result."""
    if known is None:
        return
    allowed = {_fold(k) for k in known} | {_fold(v) for v in known.values()}
    for v in wanted:
        if v is None and key == "release":
            continue
        if _fold(v) not in allowed:
            close = difflib.get_close_matches(str(v), list(known), n=3, cutoff=0.5)
            hint = (f"did you mean {' or '.join(map(repr, close))}?" if close
                    else f"known: {', '.join(known)}")
            raise InvalidFilter(f"unknown {key} {v!r} in the filters; {hint}")


def compile_filters(filters: Mapping[str, Any] | None, *,
                    types: Mapping[str, str] | None = None,
                    releases: Mapping[str, str] | None = None) -> Callable[[Entry], bool]:
    """A predicate on catalog entries. ``types`` and ``releases`` (name → display name), when
    given, are the vocabulary: values outside it raise :class:`InvalidFilter`."""
    if filters is None:
        return lambda e: True
    if not isinstance(filters, Mapping):
        raise InvalidFilter(f"filters must be a dict such as {{'type': 'redshift_catalog'}}, "
                            f"not {type(filters).__name__}")
    tests = []
    for raw_key, value in filters.items():
        key = str(raw_key)
        if key not in VALID:
            close = difflib.get_close_matches(key, VALID, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise InvalidFilter(f"unknown filter {key!r}; {hint}valid filters: "
                                f"{', '.join(VALID)}")
        base, _, suffix = key.partition("__")
        wanted = _values(key, value) if suffix else [value]
        if base == "type":
            _check_known("type", wanted, types)
        elif base == "release":
            _check_known("release", wanted, releases)
        tests.append(_matcher(base, wanted))
    return lambda e: all(t(e) for t in tests)
