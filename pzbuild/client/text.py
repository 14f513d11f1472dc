"""Plain-text views of catalog entries and product records, for the command line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fetch import human_size


def products_table(entries: Sequence[dict[str, Any]]) -> str:
    """One aligned line per product: id, type, release, rows, size, name."""
    head = ("ID", "TYPE", "RELEASE", "ROWS", "SIZE", "NAME")
    rows = [(str(e.get("id")), str(e.get("type") or ""), str(e.get("release") or "-"),
             "" if e.get("rows") is None else str(e["rows"]), human_size(e.get("size")),
             str(e.get("name") or "")) for e in entries]
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(len(head) - 1)]
    lines = []
    for r in (head, *rows):
        cells = [r[i].rjust(widths[i]) if i in (3, 4) else r[i].ljust(widths[i])
                 for i in range(len(widths))]
        lines.append("  ".join(cells + [r[-1]]).rstrip())
    return "\n".join(lines)


def product_summary(meta: dict[str, Any]) -> str:
    """A product record in a few lines: what it is, who made it, its files and roles."""
    out = [f"{meta.get('name')}  ({meta.get('id')})"]
    facts = [("type", meta.get("type_name") or meta.get("type")),
             ("release", meta.get("release_name") or meta.get("release")),
             ("owner", meta.get("owner") or ("official" if meta.get("official") else None)),
             ("authors", ", ".join(a.get("name", "") for a in meta.get("authors") or [])),
             ("license", meta.get("license")), ("updated", meta.get("updated")),
             ("tags", ", ".join(meta.get("tags") or []))]
    table = ((meta.get("main") or {}).get("table") or {})
    if table.get("num_rows") is not None:
        facts.append(("rows", f"{table['num_rows']:,}"))
    roles = {r: c for r, c in (meta.get("columns") or {}).items() if c}
    if roles:
        facts.append(("roles", ", ".join(f"{r}={c}" for r, c in roles.items())))
    out += [f"  {k:8s} {v}" for k, v in facts if v]
    out.append("  files:")
    for f in meta.get("files") or []:
        fmt = f" [{f['format']}]" if f.get("format") else ""
        out.append(f"    {f.get('role', ''):11s} {f.get('path')}  "
                   f"{human_size(f.get('size'))}{fmt}")
    return "\n".join(out)
