"""Plots of a product page as inline SVG, drawn from the numbers of the inspection.

No plotting library: a page needs a few dozen elements, written as text in well under a
millisecond. Axes and labels use ``currentColor`` so that they follow the theme's light or
dark palette; fills come from classes that pz-product.css maps to theme colours, with
presentation attributes as the fallback. No ``style`` attribute is written, and every text
from the data (column names) is escaped here.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from .numbers import fmt_compact, fmt_int, nice_ticks, tick_label
from .skygrid import expand as expand_sky
from .skygrid import expand_edges

# Viridis in 8 steps: ordered in lightness, readable on white and on slate.
SEQUENTIAL = ("#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d",
              "#a0da39", "#fde725")
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
    """A plot area inside an SVG, mapping data to pixels; ``flip_x`` puts large x on the left
    (RA)."""

    def __init__(self, left: float, top: float, width: float, height: float,
                 x0: float, x1: float, y0: float, y1: float, *, flip_x: bool = False) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1
        self.flip_x = flip_x

    def x(self, v: float) -> float:
        t = (v - self.x0) / (self.x1 - self.x0)
        return self.left + (1 - t if self.flip_x else t) * self.width

    def y(self, v: float) -> float:
        return self.top + (1 - (v - self.y0) / (self.y1 - self.y0)) * self.height

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def axes(self, out: list[str], x_title: str, y_title: str, *, x_labels: Any = None,
             y_labels: Any = None, y_format: Any = None) -> None:
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
            label = x_labels(t, xstep) if x_labels else tick_label(t, xstep)
            out.append(f'<text x="{_n(self.x(t))}" y="{_n(b + 18)}" text-anchor="middle">'
                       f"{escape(label)}</text>")
        for t in yt:
            label = y_format(t) if y_format else tick_label(t, ystep)
            out.append(f'<text x="{_n(self.left - 8)}" y="{_n(self.y(t) + 4)}" '
                       f'text-anchor="end">{escape(label)}</text>')
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


def histogram_svg(hist: Any) -> Markup | None:
    """The n(z) histogram (``main.table.z_histogram``) as one filled outline, or None when the
    record holds no usable histogram. The bins ride along as data attributes (the first and
    last edge when the bins are even, else every edge; the counts; the pixels of the first
    and last edge), which pz-product.js turns into a tooltip per bin: a ``<rect>`` and a
    ``<title>`` per bin took some 7 kB a page."""
    if not isinstance(hist, dict):
        return None
    try:
        edges = _numbers(expand_edges(hist.get("edges")))  # regular edges: start, step, n
    except ValueError:
        return None
    counts = _numbers(hist.get("counts"))
    if not edges or not counts or len(edges) != len(counts) + 1:
        return None
    if not _increasing(edges) or min(counts) < 0:
        return None
    column = str(hist.get("column") or "z")
    lo, hi = edges[0], edges[-1]
    if 0 <= lo < 0.1 * (hi - lo):
        lo = 0.0  # a redshift axis reads best from 0
    top = max(counts) or 1.0
    ticks, _ = nice_ticks(0, top, 5)
    ymax = max(top, ticks[-1] if ticks else top)
    f = _Frame(72, 12, 548, 240, lo, hi, 0, ymax)
    # one outline over the tops of the bins, from the first edge to the last: a bin of its
    # own shows on hover (pz-product.js)
    bottom = _n(f.bottom)
    steps = "".join(f"V{_n(f.y(c))}H{_n(f.x(b))}" for b, c in zip(edges[1:], counts,
                                                                strict=True))
    bars = [f"M{_n(f.x(edges[0]))} {bottom}{steps}V{bottom}z"]
    step = (edges[-1] - edges[0]) / len(counts)
    uniform = all(abs(e - edges[0] - i * step) <= 1e-9 * abs(step) * len(counts)
                  for i, e in enumerate(edges))
    bins = (f'data-range="{edges[0]:.8g} {edges[-1]:.8g}"' if uniform
            else f'data-edges="{" ".join(f"{e:.8g}" for e in edges)}"')
    data = (f'{bins} data-counts="{" ".join(_plain(c) for c in counts)}" '
            f'data-x="{_n(f.x(edges[0]))} {_n(f.x(edges[-1]))}" data-column="{escape(column)}"')
    out = [f'<path class="pz-plot__bars" fill="#4051b5" d="{"".join(bars)}" />']
    f.axes(out, column, "objects per bin", y_format=_count_format(ymax))
    total = fmt_int(sum(counts))
    return _svg(640, 312, f"Histogram of {column}: {total} values in {len(counts)} bins",
                out, "hist", data)


def _plain(v: float) -> str:
    """A count as digits only ("1200"; "2.5" when not whole)."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _count_format(top: float) -> Any:
    """Tick labels of a count axis, in one unit for the whole axis: "5k", "10k", "15k"."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if top >= max(div, 1e4):
            return lambda t, div=div, suffix=suffix: f"{t / div:g}{suffix}" if t else "0"
    return fmt_compact


def _fmt_edge(v: float) -> str:
    return f"{v:.4g}"


def _levels(grid: np.ndarray) -> tuple[np.ndarray, list[float], bool] | None:
    """The colour level of every cell (-1 when empty), the level boundaries (one more than
    there are colours) and whether they are logarithmic: log when the non-empty cells span
    more than a factor 30."""
    occupied = grid > 0
    if not occupied.any():
        return None
    lo, hi = float(grid[occupied].min()), float(grid.max())
    k = len(SEQUENTIAL)
    log = hi / lo > 30
    steps = np.arange(k + 1) / k
    bounds = lo * (hi / lo) ** steps if log else hi * steps
    levels = np.clip(np.searchsorted(bounds, grid, side="right") - 1, 0, k - 1)
    levels[~occupied] = -1
    return levels, bounds.tolist(), log


def sky_svg(sky: Any) -> Markup | None:
    """The sky density (``main.table.sky_density``): RA growing to the left, the RA axis
    shrunk by cos(Dec) at the field's centre, non-empty cells only (a regular grid as one
    image, pixel per cell; an irregular one as a path per colour), and a colour bar. None
    without usable data. The record's compact form (pzbuild.site.skygrid) is read too."""
    try:
        sky = expand_sky(sky)
    except ValueError:
        return None
    if not isinstance(sky, dict):
        return None
    ra_e, dec_e = _numbers(sky.get("ra_edges")), _numbers(sky.get("dec_edges"))
    if not ra_e or not dec_e or len(ra_e) < 2 or len(dec_e) < 2:
        return None
    grid = _array(sky.get("counts"))
    if grid is None or grid.shape != (len(dec_e) - 1, len(ra_e) - 1):
        return None
    if not (_increasing(ra_e) and _increasing(dec_e)):
        return None
    found = _levels(grid)
    if found is None:
        return None
    levels, bounds, log = found
    ra0, ra1, dec0, dec1 = ra_e[0], ra_e[-1], dec_e[0], dec_e[-1]
    cosd = max(0.15, math.cos(math.radians((max(-90, dec0) + min(90, dec1)) / 2)))
    w_deg, h_deg = (ra1 - ra0) * cosd, dec1 - dec0
    scale = min(440 / w_deg, 360 / h_deg)
    pw, ph = max(160.0, w_deg * scale), max(120.0, h_deg * scale)
    f = _Frame(72, 12, pw, ph, ra0, ra1, dec0, dec1, flip_x=True)
    out = ['<g class="pz-plot__cells" shape-rendering="crispEdges" fill="none">']
    out += _cells_image(levels, f) if _uniform(ra_e) and _uniform(dec_e) \
        else _cells(_runs(levels), f, ra_e, dec_e)
    out.append("</g>")
    wraps = bool(sky.get("ra_wraps"))
    ra_col, dec_col = str(sky.get("ra_column") or "ra"), str(sky.get("dec_column") or "dec")
    f.axes(out, f"RA: {ra_col} (deg)", f"Dec: {dec_col} (deg)",
           x_labels=lambda t, step: tick_label(t % 360 if wraps or t < 0 else t, step))
    bar_x = f.left + f.width + 24
    _colour_bar(out, bar_x, f.top, min(f.height, 240), bounds, log)
    total = fmt_int(int(grid.sum()))
    label = (f"Sky density of {total} objects, {len(ra_e) - 1} \u00d7 {len(dec_e) - 1} cells; "
             "right ascension grows to the left")
    return _svg(bar_x + 110, max(f.bottom + 52, f.top + 250), label, out, "sky")


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


def _uniform(edges: list[float]) -> bool:
    step = (edges[-1] - edges[0]) / (len(edges) - 1)
    return all(abs(b - a - step) <= 1e-6 * step for a, b in zip(edges, edges[1:], strict=False))


def _runs(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every run of non-empty cells of one colour in a row, as arrays (level, row, first
    column, end column), sorted by level and then in row-major order."""
    n_ra = levels.shape[1]
    change = np.ones(levels.shape, dtype=bool)
    change[:, 1:] = levels[:, 1:] != levels[:, :-1]
    flat = levels.ravel()
    starts = np.flatnonzero(change.ravel())
    ends = np.append(starts[1:], flat.size)
    lev = flat[starts]
    keep = lev >= 0
    starts, ends, lev = starts[keep], ends[keep], lev[keep]
    order = np.argsort(lev, kind="stable")
    starts, ends, lev = starts[order], ends[order], lev[order]
    rows, first = np.divmod(starts, n_ra)
    return lev, rows, first, first + (ends - starts)


def _cells_image(levels: np.ndarray, f: _Frame) -> list[str]:
    """Cells on a regular grid as one image, a pixel per cell (transparent when empty),
    stretched over the plot: a PNG of a 64 x 64 grid takes a kilobyte or two where a path
    per colour took ten or more. The first pixel row is the highest Dec and the first
    column the highest RA (RA grows to the left); pz-product.css keeps the pixels sharp."""
    png = palette_png(levels[::-1, ::-1], SEQUENTIAL)
    return [f'<image x="{_n(f.left)}" y="{_n(f.top)}" width="{_n(f.width)}" '
            f'height="{_n(f.height)}" preserveAspectRatio="none" '
            f'href="data:image/png;base64,{base64.b64encode(png).decode()}" />']


def palette_png(levels: np.ndarray, colours: Sequence[str]) -> bytes:
    """A PNG (8-bit palette) of a grid of colour indexes; an index < 0 is transparent."""
    height, width = levels.shape
    empty = len(colours)
    pixels = np.where(levels < 0, empty, levels).astype(np.uint8)
    raw = np.zeros((height, width + 1), dtype=np.uint8)  # each row: filter type 0, pixels
    raw[:, 1:] = pixels
    palette = b"".join(bytes.fromhex(c.lstrip("#")) for c in colours) + b"\0\0\0"
    alpha = b"\xff" * empty + b"\0"

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"PLTE", palette)
            + chunk(b"tRNS", alpha) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9))
            + chunk(b"IEND", b""))


def _cells(runs: tuple[np.ndarray, ...], f: _Frame, ra_e: list[float], dec_e: list[float]
           ) -> list[str]:
    """Cells of an irregular grid as rectangles in page units, one path per colour."""
    xs = [_n(f.x(v)) for v in ra_e]
    ys = [_n(f.y(v)) for v in dec_e]
    paths: list[list[str]] = [[] for _ in SEQUENTIAL]
    for lev, i, j, k in zip(*(a.tolist() for a in runs), strict=True):
        # RA grows to the left: column k is left of column j
        paths[lev].append(f"M{xs[k]} {ys[i + 1]}H{xs[j]}V{ys[i]}H{xs[k]}z")
    return [f'<path fill="{SEQUENTIAL[lev]}" d="{"".join(d)}" />'
            for lev, d in enumerate(paths) if d]


def _colour_bar(out: list[str], x: float, top: float, height: float, bounds: list[float],
                log: bool) -> None:
    k = len(SEQUENTIAL)
    step = height / k
    # the colours as one image, a pixel each from the top (highest) down, and its outline
    png = palette_png(np.arange(k - 1, -1, -1).reshape(k, 1), SEQUENTIAL)
    out.append(f'<g class="pz-plot__colourbar"><image x="{_n(x)}" y="{_n(top)}" width="14" '
               f'height="{_n(height)}" preserveAspectRatio="none" '
               f'href="data:image/png;base64,{base64.b64encode(png).decode()}" />')
    out.append(f'<rect x="{_n(x)}" y="{_n(top)}" width="14" height="{_n(height)}" '
               'fill="none" stroke="currentColor" stroke-opacity="0.4" /></g>')
    out.append(f'<g class="pz-plot__labels" fill="currentColor" font-size="{FONT}">')
    for i in (0, k // 2, k):
        y = top + height - i * step
        value = bounds[i]
        text = fmt_compact(round(value)) if value >= 10 or value == 0 else f"{value:.2g}"
        out.append(f'<text x="{_n(x + 20)}" y="{_n(y + 4)}">{escape(text)}</text>')
    ty = _n(x + 96)
    cy = _n(top + height / 2)
    scale = "log scale" if log else "linear"
    out.append(f'<text x="{ty}" y="{cy}" text-anchor="middle" transform="rotate(-90 {ty} {cy})"'
               f' class="pz-plot__title">objects per cell ({scale})</text></g>')


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


# Provenance graph ------------------------------------------------------------------------------

LINEAGE_MAX_NODES = 12  # products drawn per side; the rest are one "+N more" box
LINEAGE_LABEL = 26  # characters of a name shown in a box; the full name is its tooltip
_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 216.0, 32.0, 70.0, 10.0, 6.0
_SCHEME_LIKE = re.compile(r"^[^/?#]*:")


def _label(name: str) -> str:
    s = " ".join(name.split())
    return s if len(s) <= LINEAGE_LABEL else s[: LINEAGE_LABEL - 1].rstrip() + "\u2026"


def _box(x: float, y: float, name: str, href: str | None, kind: str) -> str:
    """One product: a box with its (shortened) name and its full name as tooltip, wrapped in
    a link to its page when ``href`` is a site-relative URL."""
    full = " ".join(name.split())
    cls = f"pz-lineage__node pz-lineage__node--{kind}"
    strong = kind == "this"
    dashed = ' stroke-dasharray="4 3"' if kind == "more" else ""
    width = ' stroke-width="2"' if strong else ""
    bold = ' font-weight="bold"' if strong else ""
    # fill, font size and text anchor come from the group of the boxes (lineage_svg)
    body = (f"<title>{escape(full)}</title>"
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(_BOX_W)}" height="{_n(_BOX_H)}" rx="6" '
            f'fill-opacity="{0.14 if strong else 0.04}" stroke="currentColor"'
            f"{width}{dashed} />"
            f'<text x="{_n(x + _BOX_W / 2)}" y="{_n(y + _BOX_H / 2 + FONT * 0.35)}"{bold}>'
            f"{escape(_label(name))}</text>")
    if href and not _SCHEME_LIKE.match(href) and not href.startswith(("/", "\\")):
        return f'<a href="{escape(href)}" class="{cls} pz-lineage__link">{body}</a>'
    return f'<g class="{cls}">{body}</g>'


def lineage_svg(name: str, derived: Sequence[tuple[str, str | None]],
                used: Sequence[tuple[str, str | None]]) -> Markup:
    """The provenance graph: the products this one is derived from (left column), this
    product (middle, highlighted) and the products that use it (right), as (name, href)
    pairs; ``href`` must be site-relative (None for no link). At most LINEAGE_MAX_NODES boxes
    a side, then one "+N more". Colours are ``currentColor``, so linked boxes take the
    theme's link colour; names are escaped here."""
    cols = [_PAD, _PAD + _BOX_W + _GAP_X, _PAD + 2 * (_BOX_W + _GAP_X)]

    def shown(items: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None, str]]:
        out = [(n, h, "other") for n, h in items[:LINEAGE_MAX_NODES]]
        if len(items) > LINEAGE_MAX_NODES:
            out.append((f"+{len(items) - LINEAGE_MAX_NODES} more", None, "more"))
        return out

    left, right = shown(derived), shown(used)
    rows = max(len(left), len(right), 1)
    height = 2 * _PAD + rows * _BOX_H + (rows - 1) * _GAP_Y
    mid = height / 2

    def ys(n: int) -> list[float]:
        span = n * _BOX_H + (n - 1) * _GAP_Y
        return [mid - span / 2 + k * (_BOX_H + _GAP_Y) for k in range(n)]

    edges, heads, boxes = [], [], []
    for (x0, x1), side in (((cols[0] + _BOX_W, cols[1]), left),
                           ((cols[1] + _BOX_W, cols[2]), right)):
        for y, (n, h, kind) in zip(ys(len(side)), side, strict=True):
            c = y + _BOX_H / 2
            a, b = (c, mid) if side is left else (mid, c)
            xm = (x0 + x1) / 2
            edges.append(f'<path class="pz-lineage__edge" d="M{_n(x0)} {_n(a)}C{_n(xm)} '
                         f'{_n(a)} {_n(xm)} {_n(b)} {_n(x1 - 7)} {_n(b)}H{_n(x1 - 1)}" />')
            heads.append(f"M{_n(x1 - 1)} {_n(b)}l-7 -4v8z")
            boxes.append(_box(cols[0] if side is left else cols[2], y, n, h, kind))
    boxes.append(_box(cols[1], mid - _BOX_H / 2, name, None, "this"))
    width = cols[2] + _BOX_W + _PAD
    label = (f"Provenance of {' '.join(name.split())}: derived from {len(derived)} "
             f"product{'' if len(derived) == 1 else 's'}, used by {len(used)}")
    # One arrow head per target: the arrows into the middle box share theirs.
    body = [f'<g class="pz-lineage__edges" fill="none" stroke="currentColor" '
            f'stroke-opacity="0.6" stroke-width="1.2">{"".join(edges)}</g>',
            f'<g class="pz-lineage__arrows" fill="currentColor" fill-opacity="0.6">'
            f'<path d="{"".join(dict.fromkeys(heads))}" /></g>',
            f'<g fill="currentColor" font-size="{FONT}" text-anchor="middle">',
            *boxes, "</g>"]
    head = (f'<svg class="pz-plot pz-plot--lineage pz-lineage" '
            f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'width="{_n(width)}" height="{_n(height)}" role="group" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>')
    return Markup(head + "".join(body) + "</svg>")
