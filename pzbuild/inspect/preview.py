"""Table cells as JSON can hold them, for the preview rows and the qp metadata.

NaN becomes "NaN" and infinities "inf" / "-inf" (JSON has neither), nulls None, bytes are
decoded, long text is clipped and a vector cell becomes a short text of its first values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PREVIEW_TEXT = 200  # characters of a preview cell
PREVIEW_VECTOR = 5  # values of a vector cell shown


def _clip(text: str, limit: int = PREVIEW_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _float(x: Any) -> float | str:
    f = float(x)
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if isinstance(x, (np.float32, np.float16)):
        return float(str(x))  # the shortest text of the float32, not its float64 expansion
    return f


def cells(values: np.ndarray) -> list[Any]:
    """The cells of a column as JSON can hold them; a column at a time, as most are plain."""
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) else None
    if mask is not None:
        values = np.ma.getdata(values)
    kind = values.dtype.kind
    cells: list[Any]
    if values.ndim > 1 or kind not in "biufUS":
        cells = [_cell(v) for v in values]
    elif kind == "f":
        # float32: the shortest text of the float32, not its float64 expansion
        raw = values.tolist() if values.dtype.itemsize == 8 else [float(str(v)) for v in values]
        cells = [x if math.isfinite(x) else _float(x) for x in raw]
    elif kind == "S":
        cells = [_clip(v.decode("utf-8", errors="replace")) for v in values.tolist()]
    elif kind == "U":
        cells = [_clip(v) for v in values.tolist()]
    else:
        cells = values.tolist()
    if mask is not None:
        cells = [None if m else c for c, m in zip(cells, mask.tolist(), strict=True)]
    return cells


def _cell(x: Any) -> Any:
    """A value as JSON can hold it."""
    if x is None or x is np.ma.masked:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return _float(x)
    if isinstance(x, (bytes, np.bytes_)):
        return _clip(bytes(x).decode("utf-8", errors="replace"))
    if isinstance(x, str):
        return _clip(x)
    if isinstance(x, np.ndarray):
        flat = x.ravel()
        shown = ", ".join(str(_cell(v)) for v in flat[:PREVIEW_VECTOR])
        more = f", … ({flat.size} values)" if flat.size > PREVIEW_VECTOR else ""
        return f"[{shown}{more}]"
    return _clip(str(x))


def json_safe(obj: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays become numbers and lists; NaN and infinities
    become text as in the preview."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (bool, np.bool_, int, np.integer)):
        return bool(obj) if isinstance(obj, (bool, np.bool_)) else int(obj)
    if isinstance(obj, (float, np.floating)):
        return _float(obj)
    if isinstance(obj, (bytes, np.bytes_)):
        return bytes(obj).decode("utf-8", errors="replace")
    return str(obj)
