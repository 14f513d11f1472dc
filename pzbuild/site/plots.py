"""Plots of a product page as inline SVG, drawn from the numbers of the inspection: the PDFs
of a qp ensemble. The n(z) histogram, the sky density and the provenance graph are drawn in
the browser from product.json (pz-product.js); here is only whether the record holds a
histogram or sky density it can draw.

No plotting library: a page needs a few dozen elements, written as text in well under a
millisecond. Axes and labels use ``currentColor`` so that they follow the theme's light or
dark palette; fills come from classes that pz-product.css maps to theme colours, with
presentation attributes as the fallback. No ``style`` attribute is written, and every text
from the data (column names) is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from .numbers import nice_ticks, tick_label
from .skygrid import expand as expand_sky
from .skygrid import expand_edges

CATEGORICAL = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1")  # Tableau, first five
FONT = 12


@dataclass(frozen=True)
class Curve:
    """One PDF of a qp ensemble on a grid."""

    label: str
    x: list[float]
    y: list[float]


def _n(v: float) -> str:
    """A coordinate: at most 1 decimal, no trailing ".0"."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _numbers(values: Any) -> list[float] | None:
    """A list of finite numbers, or None."""
    if not isinstance(values, list) or not values:
        return None
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 1 or not np.isfinite(arr).all():
        return None
    out: list[float] = arr.tolist()
    return out


class _Frame:
    """A plot area inside an SVG, mapping data to pixels."""

    def __init__(self, left: float, top: float, width: float, height: float,
                 x0: float, x1: float, y0: float, y1: float) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1

    def x(self, v: float) -> float:
        return self.left + (v - self.x0) / (self.x1 - self.x0) * self.width

    def y(self, v: float) -> float:
        return self.top + (1 - (v - self.y0) / (self.y1 - self.y0)) * self.height

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def axes(self, out: list[str], x_title: str, y_title: str) -> None:
        """Frame, ticks, tick labels and axis titles."""
        b, r = self.bottom, self.left + self.width
        out.append(f'<g class="pz-plot__axes" fill="none" stroke="currentColor" '
                   f'stroke-width="1"><path d="M{_n(self.left)} {_n(self.top)}V{_n(b)}'
                   f'H{_n(r)}" />')
        xt, xstep = nice_ticks(self.x0, self.x1, 6)
        yt, ystep = nice_ticks(self.y0, self.y1, 5)
        ticks = [f"M{_n(self.x(t))} {_n(b)}v5" for t in xt]
        ticks += [f"M{_n(self.left)} {_n(self.y(t))}h-5" for t in yt]
        out.append(f'<path d="{"".join(ticks)}" /></g>')
        out.append(f'<g class="pz-plot__labels" fill="currentColor" font-size="{FONT}">')
        for t in xt:
            out.append(f'<text x="{_n(self.x(t))}" y="{_n(b + 18)}" text-anchor="middle">'
                       f"{escape(tick_label(t, xstep))}</text>")
        for t in yt:
            out.append(f'<text x="{_n(self.left - 8)}" y="{_n(self.y(t) + 4)}" '
                       f'text-anchor="end">{escape(tick_label(t, ystep))}</text>')
        cx, cy = self.left + self.width / 2, self.top + self.height / 2
        out.append(f'<text x="{_n(cx)}" y="{_n(b + 40)}" text-anchor="middle" '
                   f'class="pz-plot__title">{escape(x_title)}</text>')
        ty = _n(self.left - 52)
        out.append(f'<text x="{ty}" y="{_n(cy)}" text-anchor="middle" '
                   f'transform="rotate(-90 {ty} {_n(cy)})" class="pz-plot__title">'
                   f"{escape(y_title)}</text></g>")


def _svg(width: float, height: float, label: str, body: list[str], kind: str,
         data: str = "") -> Markup:
    """An SVG element; ``data`` is more attributes, already escaped."""
    head = (f'<svg class="pz-plot pz-plot--{kind}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" '
            f'height="{_n(height)}" role="img" aria-label="{escape(label)}"'
            f'{" " + data if data else ""}><title>{escape(label)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def histogram_usable(hist: Any) -> bool:
    """Whether ``main.table.z_histogram`` holds a histogram pz-product.js can draw: increasing
    edges (a list, or the record's start/step/n), one more than there are counts, counts
    not negative. The page then holds its figure, the script draws it from the record."""
    if not isinstance(hist, dict):
        return False
    try:
        edges = _numbers(expand_edges(hist.get("edges")))
    except ValueError:
        return False
    counts = _numbers(hist.get("counts"))
    return bool(edges and counts and len(edges) == len(counts) + 1 and _increasing(edges)
                and min(counts) >= 0)


def sky_usable(sky: Any) -> bool:
    """Whether ``main.table.sky_density`` (packed or as lists, pzbuild.site.skygrid) holds a
    sky density pz-product.js can draw: increasing edges around a grid of counts of their
    shape with at least one object."""
    try:
        sky = expand_sky(sky)
    except ValueError:
        return False
    if not isinstance(sky, dict):
        return False
    ra_e, dec_e = _numbers(sky.get("ra_edges")), _numbers(sky.get("dec_edges"))
    if not ra_e or not dec_e or len(ra_e) < 2 or len(dec_e) < 2:
        return False
    grid = _array(sky.get("counts"))
    return bool(grid is not None and grid.shape == (len(dec_e) - 1, len(ra_e) - 1)
                and _increasing(ra_e) and _increasing(dec_e) and (grid > 0).any()
                and (grid >= 0).all())


def _array(rows: Any) -> np.ndarray | None:
    """A 2-D grid of finite numbers, or None."""
    if not isinstance(rows, list) or not rows:
        return None
    try:
        grid = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if grid.ndim != 2 or not np.isfinite(grid).all():
        return None
    return grid


def _increasing(edges: list[float]) -> bool:
    return all(b > a for a, b in zip(edges, edges[1:], strict=False))


def pdf_svg(curves: Sequence[Curve], x_title: str = "z") -> Markup | None:
    """PDFs of a qp ensemble as lines with a legend; None without curves."""
    curves = [c for c in curves if len(c.x) == len(c.y) and len(c.x) >= 2][
        : len(CATEGORICAL)]
    if not curves:
        return None
    x0 = min(min(c.x) for c in curves)
    x1 = max(max(c.x) for c in curves)
    ymax = max(max(c.y) for c in curves)
    if not (x1 > x0) or not (ymax > 0) or not all(math.isfinite(v) for v in (x0, x1, ymax)):
        return None
    ticks, _ = nice_ticks(0, ymax, 5)
    f = _Frame(72, 12, 548, 220, x0, x1, 0, max(ymax, ticks[-1] if ticks else ymax))
    out = ['<g class="pz-plot__lines" fill="none" stroke-width="1.5">']
    for i, c in enumerate(curves):
        points = " ".join(f"{_n(f.x(x))},{_n(f.y(max(y, 0)))}" for x, y in
                          zip(c.x, c.y, strict=True))
        out.append(f'<polyline class="pz-plot__line pz-plot__line--{i}" '
                   f'stroke="{CATEGORICAL[i]}" points="{points}" />')
    out.append("</g>")
    f.axes(out, x_title, "probability density")
    labels = [c.label if len(c.label) <= 40 else c.label[:39] + "\u2026" for c in curves]
    lx = f.left + f.width - 30 - 0.6 * FONT * max(len(t) for t in labels)
    out.append(f'<g class="pz-plot__legend" font-size="{FONT}">')
    for i, label in enumerate(labels):
        y = f.top + 10 + 16 * i
        out.append(f'<path d="M{_n(lx)} {_n(y)}h18" stroke="{CATEGORICAL[i]}" '
                   f'stroke-width="2" class="pz-plot__line--{i}" />'
                   f'<text x="{_n(lx + 24)}" y="{_n(y + 4)}" fill="currentColor">'
                   f"{escape(label)}</text>")
    out.append("</g>")
    return _svg(640, 292, f"{len(curves)} PDFs of the ensemble", out, "pdf")
