"""Keep the URLs of promoted products working: a redirect at each old product URL.

A product moved by ``pzbuild promote`` records its old id in ``provenance.promoted_from``;
every build writes, from the records, ``products/<old id>/index.html`` (a page that sends the
browser to the new one) and ``products/<old id>/product.json`` (the new record, byte for byte,
so that a script holding the old JSON URL still gets the product and learns its new id from
it). Data files are not redirected: a static host cannot redirect them, and their URLs are
listed in the record.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import promoted_from_id
from .render import page_root


@dataclass(frozen=True)
class Redirect:
    old_id: str
    new_id: str
    name: str


def redirects(records: Iterable[Mapping[str, Any]]) -> list[Redirect]:
    """The redirects the records ask for: one per ``provenance.promoted_from``."""
    out = []
    for r in records:
        old = promoted_from_id(r)
        if old is not None and old != r["id"]:
            out.append(Redirect(old, str(r["id"]), str(r.get("name") or r["id"])))
    return out


def redirect_page(redirect: Redirect) -> str:
    """The HTML page at the old URL: a meta refresh and a link, no script."""
    target = html.escape(f"{page_root(redirect.old_id)}products/{redirect.new_id}/")
    name = html.escape(redirect.name)
    new_id = html.escape(redirect.new_id)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Moved: {name}</title>\n"
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{target}">\n'
        '<meta name="robots" content="noindex">\n'
        # no icon request of its own: the browser leaves at once for the new page
        '<link rel="icon" href="data:,">\n</head>\n<body>\n'
        f'<p>This product moved to <a href="{target}">{new_id}</a>.</p>\n</body>\n</html>\n')


def write_redirects(site: Path, records: Iterable[Mapping[str, Any]],
                    texts: Mapping[str, str]) -> list[str]:
    """Write the redirects of ``records`` into the site folder ``site``; ``texts`` maps each
    product id to its record's JSON text. Returns a warning for each old URL that is taken
    (validation keeps that from happening)."""
    warnings = []
    for r in redirects(records):
        folder = site / "products" / r.old_id
        if folder.exists():
            warnings.append(f"{r.new_id}: no redirect from products/{r.old_id}/: that URL "
                            "is taken")
            continue
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(redirect_page(r), encoding="utf-8")
        (folder / "product.json").write_text(texts[r.new_id], encoding="utf-8")
    return warnings
