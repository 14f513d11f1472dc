"""A few PDFs of a qp ensemble, from what the product record holds.

The inspection keeps the ensemble's grid (``main.table.qp``) and the first rows as preview
text, where vector cells are clipped to five values. So the curves come from, in order:

1. ``qp.pdf_sample`` when the record has it: ``{"x": [...], "pdfs": [{"label", "y"}]}``,
   PDFs already evaluated on a grid (the field the inspection would need to add);
2. otherwise the preview, when its cells hold whole parameter vectors: Gaussian mixtures
   (``mixmod``: means, stds, weights; ``norm``: loc, scale) are evaluated here, ``interp``
   and ``hist`` are read on their grid when the grid is short enough to survive the clipping.
"""

from __future__ import annotations

import math
from typing import Any

from .numbers import as_float
from .plots import Curve

MAX_CURVES = 5
POINTS = 161  # grid points of an evaluated mixture
_SQRT_2PI = math.sqrt(2 * math.pi)


def ensemble_curves(table: Any, limit: int = MAX_CURVES) -> list[Curve]:
    """Up to ``limit`` PDFs to draw; [] when the record holds none that can be drawn."""
    if not isinstance(table, dict) or not isinstance(table.get("qp"), dict):
        return []
    qp = table["qp"]
    sample = qp.get("pdf_sample")
    if isinstance(sample, dict):
        return _sampled(sample, limit)
    names = [str(c.get("name")) if isinstance(c, dict) else "" for c in
             table.get("columns") or []]
    rows = [r for r in table.get("preview") or [] if isinstance(r, list)
            and len(r) == len(names)][:limit]
    if not rows:
        return []
    index = {n: i for i, n in enumerate(names)}
    label_col = _label_column(table, index)
    param = str(qp.get("parameterization") or "")
    grid = _vector(qp.get("grid")) or []
    curves: list[Curve] = []
    mixtures: list[tuple[str, list[tuple[float, float, float]]]] = []
    for n, row in enumerate(rows):
        label = (f"{names[label_col]} {row[label_col]}" if label_col is not None
                 else f"PDF {n + 1}")
        if param in ("mixmod", "norm"):
            comps = _components(row, index, param)
            if comps:
                mixtures.append((label, comps))
        elif param == "interp" and "yvals" in index:
            y = _vector(row[index["yvals"]])
            if y and len(y) == len(grid) >= 2:
                curves.append(Curve(label, grid, y))
        elif param == "hist" and "pdfs" in index:
            y = _vector(row[index["pdfs"]])
            if y and len(y) == len(grid) - 1 >= 1:
                xs = [e for a, b in zip(grid, grid[1:], strict=False) for e in (a, b)]
                curves.append(Curve(label, xs, [v for v in y for _ in (0, 1)]))
    if mixtures:
        curves.extend(_evaluate(mixtures))
    return curves


def _sampled(sample: dict[str, Any], limit: int) -> list[Curve]:
    x = _vector(sample.get("x"))
    pdfs = sample.get("pdfs")
    if not x or not isinstance(pdfs, list):
        return []
    curves = []
    for n, p in enumerate(pdfs[:limit]):
        if isinstance(p, dict):
            y = _vector(p.get("y"))
            if y and len(y) == len(x):
                curves.append(Curve(str(p.get("label") or f"PDF {n + 1}"), x, y))
    return curves


def _label_column(table: dict[str, Any], index: dict[str, int]) -> int | None:
    for c in table.get("columns") or []:
        if isinstance(c, dict) and c.get("role") == "id" and c.get("name") in index:
            return index[c["name"]]
    qp = table["qp"]
    for name in list(qp.get("ancil") or []) + ["objectId", "object_id", "id"]:
        if isinstance(name, str) and name in index and "id" in name.lower():
            return index[name]
    return None


def _vector(cell: Any) -> list[float] | None:
    """Numbers of a vector cell: a list, or the preview's text "[a, b, c]" when it was not
    clipped. None when any value is missing or not finite."""
    if isinstance(cell, str):
        text = cell.strip()
        if not (text.startswith("[") and text.endswith("]")) or "\u2026" in text:
            return None
        parts = [p.strip() for p in text[1:-1].split(",")]
        try:
            values: list[Any] = [float(p) for p in parts if p]
        except ValueError:
            return None
    elif isinstance(cell, (list, tuple)):
        values = list(cell)
    elif as_float(cell) is not None:
        values = [cell]
    else:
        return None
    out = [as_float(v) for v in values]
    if not out or any(v is None for v in out):
        return None
    return [v for v in out if v is not None]


def _components(row: list[Any], index: dict[str, int], param: str
                ) -> list[tuple[float, float, float]] | None:
    """(weight, mean, sigma) of each Gaussian of a row."""
    if param == "norm":
        if "loc" not in index or "scale" not in index:
            return None
        mu, sd = _vector(row[index["loc"]]), _vector(row[index["scale"]])
        w = [1.0] * len(mu) if mu else None
    else:
        if not all(k in index for k in ("means", "stds", "weights")):
            return None
        mu, sd, w = (_vector(row[index[k]]) for k in ("means", "stds", "weights"))
    if not mu or not sd or not w or not len(mu) == len(sd) == len(w):
        return None
    comps = [(wi, m, s) for wi, m, s in zip(w, mu, sd, strict=True) if s > 0 and wi > 0]
    return comps or None


def _evaluate(mixtures: list[tuple[str, list[tuple[float, float, float]]]]) -> list[Curve]:
    """The mixtures on one grid covering every component to 4 sigma (from 0 when every mean
    is a non-negative redshift)."""
    lo = min(m - 4 * s for _, comps in mixtures for _, m, s in comps)
    hi = max(m + 4 * s for _, comps in mixtures for _, m, s in comps)
    if all(m >= 0 for _, comps in mixtures for _, m, _s in comps):
        lo = max(lo, 0.0)
    if not hi > lo:
        return []
    step = (hi - lo) / (POINTS - 1)
    xs = [lo + i * step for i in range(POINTS)]
    curves = []
    for label, comps in mixtures:
        total = sum(w for w, _, _ in comps)
        terms = [(w / total / (s * _SQRT_2PI), m, -0.5 / (s * s)) for w, m, s in comps]
        ys = [sum(a * math.exp(k * (x - m) ** 2) for a, m, k in terms) for x in xs]
        curves.append(Curve(label, xs, ys))
    return curves
