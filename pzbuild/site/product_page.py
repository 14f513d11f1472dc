"""The body of a product page: a typed context built from a product.json record
(docs/design/site-format.md) and rendered with ``site_templates/product.html.j2``.

Submitted text reaches the page only through jinja2's autoescape or, for Markdown, through
:func:`~pzbuild.site.sanitize.render_markdown`; URLs are checked before they become links;
plots are SVG written by :mod:`pzbuild.site.plots`. Braces are escaped too, so that no later
template pass (a mkdocs macro plugin, say) can evaluate ``{{ ... }}`` written by a submitter.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .history_view import HistoryView, history_view
from .numbers import fmt_bytes, fmt_int
from .pdfs import ensemble_curves
from .plots import histogram_usable, pdf_svg, sky_usable
from .product_parts import (
    Author,
    Fact,
    FileRow,
    Link,
    Provenance,
    as_dict,
    as_list,
    authors,
    column_roles,
    contact_link,
    file_rows,
    license_parts,
    list_url,
    own_url,
    preview_count,
    provenance,
    qp_facts,
    text,
)
from .sanitize import render_markdown

TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates"
TEMPLATE = "product.html.j2"
SECTIONS = {"description": "Description", "documentation": "Documentation", "files": "Files",
            "columns": "Columns", "preview": "Preview", "plots": "Plots",
            "provenance": "Provenance", "history": "History", "citation": "Citation"}

__all__ = ["Author", "Fact", "FileRow", "Link", "ProductPage",
           "Provenance", "product_toc", "render_product_body"]


@dataclass(frozen=True)
class ProductPage:
    """What the product templates show, checked and formatted. Markup fields are already
    safe HTML (sanitised Markdown, SVG); every other text is escaped by the templates."""

    id: str
    name: str
    root: str
    official: bool
    badge: str  # "Official" or "User product"
    badge_detail: Link  # the PZ Coordination Group, or the owner
    facts: list[Fact]  # type, release, pz_code, licence, dates, contact
    tags: list[Link]
    authors: list[Author]
    summary: list[tuple[str, str]]  # (value, what): rows, columns, files, size
    description_html: Markup
    documentation_html: Markup  # the file with role description
    documentation_file: Link | None
    files: list[FileRow]
    sha256sums_href: str | None
    json_href: str | None
    main_path: str | None
    main_error: str | None  # why the main file did not read as a table
    warnings: list[str]
    table_notes: list[str]
    n_columns: int  # of the main table; pz-product.js draws them from the record
    column_roles: str  # JSON {role: [ucd, description]} of the vocabulary, for pz-product.js
    preview_count: int  # rows of main.table.preview, drawn by pz-product.js
    nz_column: str | None
    nz: bool  # a usable n(z) histogram, drawn by pz-product.js from the record
    sky: bool  # a usable sky density, likewise
    pdf_svg: Markup | None
    qp_facts: list[tuple[str, str]]
    provenance: Provenance | None
    citation: str | None
    history: HistoryView | None = None  # dates, contributors and commits from git

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(id, title) of the ``<h2>`` sections present, in page order."""
        return _sections(self)

    @classmethod
    def from_record(cls, record: dict[str, Any], *, vocabulary_roles: dict[str, dict[str, Any]],
                    root: str) -> ProductPage:
        """The page of a product.json record. ``vocabulary_roles`` is the ``column_roles``
        mapping of vocabulary.yaml (role -> {ucd, description}); ``root`` is the relative path
        from the page to the site root ("../../../"). Optional fields that are missing,
        None or malformed leave their part of the page out."""
        rec = as_dict(record)
        pid = text(rec.get("id")) or ""
        name = text(rec.get("name")) or pid or "Unnamed product"
        official = rec.get("official") is True
        section = str(rec["section"]) if rec.get("section") in ("official", "user") else (
            "official" if official else "user")
        owner = text(rec.get("owner"))
        main = as_dict(rec.get("main"))
        table = as_dict(main.get("table"))
        num_rows = table.get("num_rows")
        files = file_rows(rec, root, num_rows)
        columns = [c for c in as_list(table.get("columns")) if text(as_dict(c).get("name"))]
        roles = column_roles(table, as_dict(vocabulary_roles), as_dict(rec.get("columns")))
        hist = as_dict(table.get("z_histogram"))
        curves = ensemble_curves(table)
        doc = next((f for f in files if f.role == "description"), None)
        url = text(rec.get("url"))
        return cls(
            id=pid, name=name, root=root, official=official,
            badge="Official" if official else "User product",
            badge_detail=Link("PZ Coordination Group") if official else Link(
                f"by {owner}" if owner else "", list_url(root, "user", "owner", owner)),
            facts=_facts(rec, root, section),
            tags=[Link(t, list_url(root, section, "tag", t))
                  for t in (text(t) for t in as_list(rec.get("tags"))) if t],
            authors=authors(rec),
            summary=_summary(num_rows if table else None, len(columns), rec),
            description_html=render_markdown(rec.get("description"), id_prefix="pz-desc"),
            documentation_html=render_markdown(rec.get("description_file"), id_prefix="pz-doc"),
            documentation_file=Link(doc.path, doc.href) if doc else None,
            files=files,
            sha256sums_href=own_url(root, url, rec.get("sha256sums")),
            json_href=own_url(root, url, f"{url}product.json")
            if url and url.endswith("/") else None,
            main_path=text(main.get("path")),
            main_error=text(as_dict(main.get("error")).get("message")),
            warnings=_issues(table.get("warnings")),
            table_notes=[n for n in (text(n) for n in as_list(table.get("notes"))) if n],
            n_columns=len(columns), preview_count=preview_count(table),
            column_roles=json.dumps(roles, ensure_ascii=False, separators=(",", ":")),
            nz_column=text(hist.get("column")),
            nz=histogram_usable(hist),
            sky=sky_usable(table.get("sky_density")),
            pdf_svg=pdf_svg(curves) if curves else None,
            qp_facts=qp_facts(table.get("qp")),
            provenance=provenance(rec, root, files),
            citation=text(rec.get("citation")),
            history=history_view(rec))


def _facts(rec: dict[str, Any], root: str, section: str) -> list[Fact]:
    facts = []
    kind = text(rec.get("type"))
    if kind or text(rec.get("type_name")):
        facts.append(Fact("Type", [Link(text(rec.get("type_name")) or kind or "",
                                        list_url(root, section, "type", kind), kind)]))
    release = text(rec.get("release"))
    if release:
        facts.append(Fact("Release", [Link(text(rec.get("release_name")) or release,
                                           list_url(root, section, "release", release))]))
    if (code := text(rec.get("pz_code"))):
        facts.append(Fact("PZ code", [Link(code)]))
    if (lic := license_parts(rec.get("license"))):
        facts.append(Fact("Licence", lic))
    for key, label in (("created", "Created"), ("updated", "Updated")):
        if (date := text(rec.get(key))):
            facts.append(Fact(label, [Link(date)]))
    if (contact := contact_link(rec.get("contact"))):
        facts.append(Fact("Contact", [contact]))
    return facts


def _summary(num_rows: Any, n_columns: int, rec: dict[str, Any]) -> list[tuple[str, str]]:
    files = [as_dict(f) for f in as_list(rec.get("files"))]
    sizes = [f["size"] for f in files if isinstance(f.get("size"), int)
             and not isinstance(f.get("size"), bool)]
    out = []
    if fmt_int(num_rows):
        out.append((fmt_int(num_rows), "rows"))
    if n_columns:
        out.append((fmt_int(n_columns), "columns"))
    out.append((fmt_int(len(files)), "file" if len(files) == 1 else "files"))
    if sizes:
        out.append((fmt_bytes(sum(sizes)), "in total"))
    return out


def _issues(items: Any) -> list[str]:
    out = []
    for w in as_list(items):
        w = as_dict(w)
        message = text(w.get("message"))
        if message:
            code = text(w.get("code"))
            out.append(f"{code}: {message}" if code else message)
    return out


def _sections(page: ProductPage) -> list[tuple[str, str]]:
    present = {
        "description": bool(page.description_html),
        "documentation": bool(page.documentation_html),
        "files": True,
        "columns": page.n_columns > 0,
        "preview": page.preview_count > 0,
        "plots": bool(page.nz or page.sky or page.pdf_svg or page.qp_facts),
        "provenance": page.provenance is not None,
        "history": page.history is not None,
        "citation": page.citation is not None,
    }
    return [(key, title) for key, title in SECTIONS.items() if present[key]]


@functools.lru_cache(maxsize=4)
def _environment(templates: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        auto_reload=False)


def render_product_body(page: ProductPage, *, templates: str | Path | None = None) -> str:
    """The HTML that goes inside mkdocs-material's ``<article class="md-content__inner
    md-typeset">``: one ``<div class="pz-product">`` holding the ``<h1>`` and every section;
    no ``<html>`` or ``<head>``. ``templates`` overrides the ``site_templates/`` folder."""
    env = _environment(str(templates or TEMPLATES))
    html = env.get_template(TEMPLATE).render(page=page)
    # Braces as character references: the same text to a reader (the page has no <script>
    # or <style> element, where references would not be decoded), but nothing that a later
    # template pass (a mkdocs macros plugin, say) could evaluate.
    return html.replace("{", "&#123;").replace("}", "&#125;")


def product_toc(page: ProductPage) -> list[tuple[str, str]]:
    """The (id, title) of the page's section headings (``<h2>``), in page order, for the
    table of contents."""
    return list(page.sections)
