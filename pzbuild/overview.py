"""The catalog at a glance: one line per product, as `pzbuild inspect` prints it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .inspect.summary import ProductSummary
from .model import Product


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


def overview_rows(products: Sequence[Product], summaries: Sequence[ProductSummary]
                  ) -> list[dict[str, Any]]:
    rows = []
    for product, summary in zip(products, summaries, strict=True):
        main = summary.main
        table = main.table if main else None
        z_text = ""
        if table is not None and product.roles.get("z"):
            col = table.column(product.roles["z"])
            q = col.stats.quantiles if col else None
            if q and "p50" in q:
                lo, hi = q.get("p5", q["p50"]), q.get("p95", q["p50"])
                z_text = f"{q['p50']:.3g} [{lo:.3g}–{hi:.3g}]"
        fmt = (table.format if table else (main.format if main else None)) or "file"
        if table is not None and table.qp:
            fmt = f"qp ({table.qp.get('parameterization', '?')})"
        rows.append({
            "id": product.id,
            "type": product.meta.get("type"),
            "format": fmt,
            "rows": table.num_rows if table else None,
            "pdfs": (table.qp or {}).get("n_pdfs") if table else None,
            "columns": len(table.columns) if table else None,
            "size": summary.size,
            "z": z_text,
        })
    return rows


def format_overview(rows: list[dict[str, Any]]) -> str:
    headers = ["id", "type", "format", "rows", "cols", "size", "z median [5–95%]"]
    lines = [[
        r["id"], r["type"] or "", r["format"],
        f"{r['rows']:,}" if r["rows"] is not None else "–",
        str(r["columns"]) if r["columns"] is not None else "–",
        human_size(r["size"]), r["z"] or "–",
    ] for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(headers)]
    right = {3, 4, 5}

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [fmt(headers), fmt(["-" * w for w in widths])]
    out += [fmt(line) for line in lines]
    total = sum(r["size"] for r in rows)
    out.append(f"{len(rows)} products, {human_size(total)}")
    return "\n".join(out)
