"""Numbers as a page shows them: significant digits, thousands separators, byte sizes, and
the "nice" tick values of a plot axis.

pz-product.js has the same functions (fmtNumber, fmtInt, niceTicks, tickLabel) for the parts
of the page it draws from product.json: change both together."""

from __future__ import annotations

import math
from typing import Any

SIGNIFICANT = 5  # digits of a float in a table cell


def as_float(value: Any) -> float | None:
    """A finite float, or None for anything else (None, text, NaN, infinities, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def fmt_int(value: Any) -> str:
    """An integer with thousands separators ("8,000"); "" when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    if isinstance(value, float):
        if not value.is_integer():
            return fmt_number(value)
        value = int(value)
    return f"{value:,}"


def fmt_number(value: Any, sig: int = SIGNIFICANT) -> str:
    """A number for a table cell: integers in full with separators, floats to ``sig``
    significant digits ("0.6382", "53.13", "3.9e-5", "6.532e9"); NaN and infinities as
    text; "" for None and anything that is not a number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        if isinstance(value, str) and value in ("NaN", "inf", "-inf"):
            return value
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    if abs(value) < 1e9 and (value.is_integer() or abs(value) >= 10**sig):
        # Integral floats (an integer column read as float) and large values read as integers:
        # "12,345" says more than "1.234e4".
        return f"{round(value):,}"
    text = f"{value:.{sig}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}e{int(exp)}"
    return text


def fmt_bytes(size: Any) -> str:
    """A size in decimal units as the list pages show it: "512 B", "256.2 kB", "1.3 GB"."""
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size < 0:
        return ""
    units = ("B", "kB", "MB", "GB", "TB", "PB")
    n = float(size)
    i = 0
    while n >= 1000 and i < len(units) - 1:
        n /= 1000
        i += 1
    return f"{int(n):,} B" if i == 0 else f"{n:,.1f} {units[i]}"


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[list[float], float]:
    """Round values (1, 2 or 5 times a power of ten apart) between lo and hi, as close to
    ``target`` of them as such steps allow (fewer on a tie), and their step."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [], 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        return [lo], 1.0
    exp = math.floor(math.log10((hi - lo) / max(target, 1)))
    best: tuple[int, float, int, int] | None = None
    for e in (exp - 1, exp, exp + 1):
        for m in (1, 2, 5):
            step = m * 10.0**e
            first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
            count = last - first + 1
            key = (abs(count - target), -step, first, last)
            if best is None or key[:2] < best[:2]:
                best = key
    assert best is not None
    _, neg_step, first, last = best
    step = -neg_step
    return [k * step for k in range(first, last + 1)], step


def tick_label(value: float, step: float) -> str:
    """A tick value with just the decimals its step needs ("0.5", "52.25", "-28")."""
    if step <= 0 or not math.isfinite(step):
        return fmt_number(value)
    if abs(value) >= 1e6 or (abs(value) < 1e-4 and value != 0) or step < 1e-6:
        return fmt_number(value, 3)
    decimals = 0
    while decimals < 8 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")  # no "-0"
    return text
