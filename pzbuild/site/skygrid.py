"""The sky density of product.json in its compact form, and back (docs/design/site-format.md).

A 64 x 64 grid of counts written as nested JSON lists takes some 8 kB, its 130 edges another
2; packed it takes about 2. The counts become one little-endian unsigned integer array (the
narrowest of 1, 2, 4 or 8 bytes that holds the largest count), zlib-compressed and base64
text; a list of edges that is exactly ``start + i * step`` becomes those two numbers and its
length. Nothing is lost: :func:`expand` gives back the lists, equal value for value.

Standard library only: the Python client decodes with this module too.
"""

from __future__ import annotations

import base64
import sys
import zlib
from array import array
from typing import Any

ENCODING = "zlib+base64"
#: array typecodes of the unsigned integer types, by their numpy name.
_TYPES = {"<u1": "B", "<u2": "H", "<u4": "I", "<u8": "Q"}


def compact(sky: dict[str, Any]) -> dict[str, Any]:
    """The sky density with packed counts and, where exact, edges as start/step/n. Returns
    ``sky`` itself when its counts are not a rectangular grid of non-negative integers."""
    rows = sky.get("counts")
    if not (isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows)):
        return sky
    width = len(rows[0])
    flat = [v for r in rows for v in r]
    if width == 0 or any(len(r) != width for r in rows) or not all(
            type(v) is int and v >= 0 for v in flat):
        return sky
    top = max(flat)
    dtype = next((t for t, code in _TYPES.items() if top < 256 ** array(code).itemsize), None)
    if dtype is None:
        return sky
    values = array(_TYPES[dtype], flat)
    if sys.byteorder == "big":
        values.byteswap()
    out = dict(sky)
    out["counts"] = {"encoding": ENCODING, "dtype": dtype, "shape": [len(rows), width],
                     "data": base64.b64encode(zlib.compress(values.tobytes(), 9)).decode()}
    for key in ("ra_edges", "dec_edges"):
        out[key] = compact_edges(sky.get(key))
    return out


def expand(sky: Any) -> Any:
    """The sky density with counts and edges as lists (the form :func:`compact` packs), or
    ``sky`` unchanged when it is in that form already. Raises ValueError on a packed form
    that does not decode."""
    if not isinstance(sky, dict):
        return sky
    out = dict(sky)
    for key in ("ra_edges", "dec_edges"):
        out[key] = expand_edges(sky.get(key))
    packed = sky.get("counts")
    if isinstance(packed, dict):
        out["counts"] = _counts(packed)
    return out


def compact_edges(edges: Any) -> Any:
    """``{"start", "step", "n"}`` when ``edges`` is exactly that sequence, else ``edges``
    (the histogram edges of product.json take this form too)."""
    if not (isinstance(edges, list) and len(edges) > 2
            and all(type(v) is float for v in edges)):
        return edges
    start, step = edges[0], edges[1] - edges[0]
    if any(start + i * step != v for i, v in enumerate(edges)):
        return edges
    return {"start": start, "step": step, "n": len(edges)}


def expand_edges(value: Any) -> Any:
    """The list of edges of a :func:`compact_edges` form; any other value unchanged. Raises
    ValueError on a form without numbers start and step and a count n."""
    if not isinstance(value, dict):
        return value
    start, step, n = value.get("start"), value.get("step"), value.get("n")
    if not (isinstance(start, (int, float)) and isinstance(step, (int, float))
            and type(n) is int and 2 <= n <= 100_000):
        raise ValueError("edges: need numbers start and step and a count n")
    return [start + i * step for i in range(n)]


def _counts(packed: dict[str, Any]) -> list[list[int]]:
    code = _TYPES.get(str(packed.get("dtype")))
    shape = packed.get("shape")
    if packed.get("encoding") != ENCODING or code is None:
        raise ValueError(f"sky density counts: unknown encoding {packed.get('encoding')!r} "
                         f"or dtype {packed.get('dtype')!r}")
    if not (isinstance(shape, list) and len(shape) == 2
            and all(type(n) is int and n > 0 for n in shape)):
        raise ValueError("sky density counts: shape is not two positive integers")
    n_rows, width = shape
    values = array(code)
    try:
        data = zlib.decompressobj().decompress(
            base64.b64decode(str(packed.get("data")), validate=True),
            n_rows * width * values.itemsize + 1)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"sky density counts: {exc}") from None
    if len(data) != n_rows * width * values.itemsize:
        raise ValueError(f"sky density counts: {len(data)} bytes for a {n_rows} x {width} "
                         f"grid of {packed['dtype']}")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    flat = values.tolist()
    return [flat[i * width:(i + 1) * width] for i in range(n_rows)]
