"""The products in the theme's search index and in the sitemap.

mkdocs-material's ``search/search_index.json`` holds ``{"config": ..., "docs": [{"location",
"title", "text"}]}``; its search shows ``title`` and ``text`` as HTML, so product text is
escaped here. The sitemap loses the template pages and gains the product pages.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .plaintext import markdown_to_text
from .template import TEMPLATE_PATHS

INDEX = "search/search_index.json"
SITEMAP = "sitemap.xml"
#: Characters of a description that go into the index: enough to find a product by what it
#: is about, without a search index that grows with every README.
TEXT_CHARS = 2000
_URL_BLOCK = re.compile(r"\s*<url>.*?</url>", re.S)


def search_entry(record: Mapping[str, Any]) -> dict[str, str]:
    """The search index entry of a product record."""
    authors = ", ".join(a["name"] for a in record["authors"])
    # The name is the entry's title, which the theme indexes and shows above the text.
    words = [authors, " ".join(record["tags"]), record.get("type_name") or "",
             markdown_to_text(record.get("description"), TEXT_CHARS)]
    return {"location": record["url"], "title": html.escape(record["name"]),
            "text": html.escape(" — ".join(w for w in words if w))}


def write_search_index(shell_index: Path, dest: Path, entries: Iterable[dict[str, str]]) -> None:
    """The shell's search index with the product entries added, written to ``dest``."""
    index = json.loads(shell_index.read_text(encoding="utf-8"))
    templates = tuple(TEMPLATE_PATHS.values())
    index["docs"] = [d for d in index.get("docs", [])
                     if not str(d.get("location", "")).startswith(templates)]
    index["docs"].extend(entries)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")


def write_sitemap(shell_sitemap: Path, dest: Path, site_url: str,
                  products: Iterable[tuple[str, str | None]]) -> None:
    """sitemap.xml (and .gz) of the shell without the template pages, plus the product
    pages, given as (url relative to the site root, last modification date or None)."""
    try:
        text = shell_sitemap.read_text(encoding="utf-8")
    except OSError:
        return
    kept = [b for b in _URL_BLOCK.findall(text)
            if not any(p in b for p in TEMPLATE_PATHS.values())]
    if site_url:
        base = site_url if site_url.endswith("/") else site_url + "/"
        for url, day in products:
            lastmod = f"\n         <lastmod>{html.escape(day)}</lastmod>" if day else ""
            kept.append(f"\n    <url>\n         <loc>{html.escape(base + url)}</loc>{lastmod}"
                        "\n    </url>")
    head = text.split("<url>", 1)[0].rstrip() if "<url>" in text else text.split(
        "</urlset>", 1)[0].rstrip()
    out = head + "".join(kept) + "\n</urlset>\n"
    dest.write_text(out, encoding="utf-8")
    with open(dest.with_name(dest.name + ".gz"), "wb") as f, \
            gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
        gz.write(out.encode("utf-8"))
