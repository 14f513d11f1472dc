"""Product pages made without mkdocs: a page that mkdocs rendered, split at markers.

mkdocs renders one *template page* per product depth (``products/official/__page__/`` and
``products/user/__owner__/__page__/``, so relative asset URLs are right) whose title,
description and body are unique markers. :class:`PageTemplate` cuts its HTML at the markers
once; :meth:`PageTemplate.fill` then joins the pieces with a product's values: string
concatenation, thousands of pages a second.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass

from .errors import SiteError

TITLE = "PZBUILDxSLOTxTITLE"
DESCRIPTION = "PZBUILDxSLOTxDESCRIPTION"
BODY_START = "PZBUILDxSLOTxBODYxSTART"
BODY_END = "PZBUILDxSLOTxBODYxEND"
TOC_MARK = "PZBUILDxSLOTxTOC"
TOC_ID = "pzbuildxslotxtoc"
#: The id of the product's <h1> (partials/product_header.html.j2): the theme's "Skip to
#: content" link points there instead of at the template's own heading.
TITLE_ID = "pz-title"

_INDENT = re.compile(r"\n\s+")
#: White space with a line break between two tags (what mkdocs-minify-plugin's htmlmin
#: removes too), and the scripts where no text is touched.
_BETWEEN_TAGS = re.compile(r">\s*\n\s*<")
_SCRIPT = re.compile(r"(<script\b.*?</script>)", re.S)
#: A script written in the page (no attribute at all): the theme's own few lines.
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)
#: Where the theme's inline scripts go, as files every product page shares (site path).
FRAME_SCRIPTS = "assets/pzbuild/frame/"

#: Page paths of the templates, relative to the site root (their folder under docs_dir).
TEMPLATE_PATHS = {"official": "products/official/__page__/",
                  "user": "products/user/__owner__/__page__/"}


def template_markdown() -> str:
    """The Markdown source of a template page. Its ``# `` heading keeps mkdocs-material from
    adding an ``<h1>`` of its own (the product body brings one); its ``## `` heading makes
    the theme write the table of contents, whose items are replaced."""
    return (f"---\ntitle: {TITLE}\ndescription: {DESCRIPTION}\nsearch:\n  exclude: true\n"
            f"---\n\n{BODY_START}\n\n# {TITLE}\n\n## {TOC_MARK} {{#{TOC_ID}}}\n\n{BODY_END}\n")


@dataclass(frozen=True)
class PageTemplate:
    """The HTML of a template page as literal pieces between named slots."""

    pieces: tuple[str, ...]  # literal, slot, literal, slot, ..., literal
    page_path: str  # the template's own path, e.g. "products/official/__page__/"
    #: files the pages load, by site path: the theme's inline scripts, moved out of the
    #: pages so that thousands of pages do not each carry them
    files: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_html(cls, text: str, page_path: str) -> PageTemplate:
        """Cut the HTML of a rendered template page. Raises SiteError when a marker is
        missing (a theme that renders pages differently)."""
        text = text.replace(f'href="#{TITLE.lower()}"', f'href="#{TITLE_ID}"')
        text, files = _shared_scripts(text, page_path)
        spans = [("body", *_span(text, f"<p>{BODY_START}</p>", f"<p>{BODY_END}</p>")),
                 ("toc", *_toc_span(text))]
        spans.sort(key=lambda s: s[1])
        pieces: list[str] = []
        at = 0
        for name, start, end in spans:
            if start < at:
                raise SiteError("the template page's markers overlap")
            pieces += [*_points(text[at:start], page_path), name]
            at = end
        pieces += _points(text[at:], page_path)
        pieces[::2] = [_dedent(p) for p in pieces[::2]]
        found = set(pieces[1::2])
        if TITLE not in text or "title" not in found:
            raise SiteError("the template page has no title marker")
        return cls(tuple(pieces), page_path, files)

    @property
    def digest(self) -> str:
        """A hash of the pieces: pages made from an equal template are equal."""
        h = hashlib.sha256()
        for p in self.pieces:
            h.update(p.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()

    def fill(self, *, title: str, description: str, body: str,
             toc: list[tuple[str, str]], page_path: str) -> str:
        """The page of a product. ``title`` and ``description`` are text (escaped here);
        ``body`` is HTML; ``toc`` lists (anchor id, title) of its sections."""
        values = {
            "title": html.escape(title, quote=True),
            "description": html.escape(description, quote=True),
            "body": body,
            "toc": toc_html(toc),
            "path": page_path,
        }
        parts = list(self.pieces)
        parts[1::2] = [values[name] for name in self.pieces[1::2]]
        return "".join(parts)


def _shared_scripts(text: str, page_path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The template page with each of the theme's inline scripts loaded from a file instead
    (the same script, run at the same place: a script without ``async`` or ``defer`` runs
    before the parser goes on), and its JSON configuration without its spaces."""
    up = "../" * page_path.count("/")
    files: dict[str, str] = {}

    def move(m: re.Match[str]) -> str:
        code = m.group(1)
        if any(mark in code for mark in (TITLE, DESCRIPTION, BODY_START, TOC_MARK)):
            return m.group(0)
        path = f"{FRAME_SCRIPTS}{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
        files[path] = code
        return f'<script src="{up}{path}"></script>'

    def compact(m: re.Match[str]) -> str:
        try:
            doc = json.loads(m.group(2))
        except ValueError:
            return m.group(0)
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        return m.group(1) + text + m.group(3)

    text = _CONFIG.sub(compact, _INLINE_SCRIPT.sub(move, text))
    return text, tuple(sorted(files.items()))


def toc_html(toc: list[tuple[str, str]]) -> str:
    """Items of the table of contents, as mkdocs-material's partials/toc-item.html writes
    them (its JavaScript finds them by these classes)."""
    return "".join(
        f'<li class="md-nav__item"><a href="#{html.escape(anchor, quote=True)}" '
        f'class="md-nav__link"><span class="md-ellipsis">{html.escape(title)}</span></a></li>'
        for anchor, title in toc)


def _span(text: str, start: str, end: str) -> tuple[int, int]:
    i = text.find(start)
    j = text.find(end, i + 1)
    if i < 0 or j < 0 or text.find(start, i + 1) >= 0:
        raise SiteError(f"the template page has no single {start} ... {end} span")
    return i, j + len(end)


def _toc_span(text: str) -> tuple[int, int]:
    """The items of the theme's table of contents: the inside of its ``<ul>``."""
    ul = text.find('data-md-component="toc"')
    start = text.find(">", ul) + 1
    end = text.find("</ul>", start)
    if ul < 0 or end < 0 or f'href="#{TOC_ID}"' not in text[start:end] \
            or "<ul" in text[start:end]:
        raise SiteError("the template page's table of contents is not one flat list with "
                        "the marker")
    return start, end


def _dedent(html: str) -> str:
    """The theme's HTML without its indentation, blank lines and line breaks between tags
    (a fifth of a page), unless it holds an element where white space shows; scripts are
    left as they are."""
    if "<pre" in html or "<textarea" in html:
        return html
    parts = _SCRIPT.split(html)
    parts[::2] = [_BETWEEN_TAGS.sub("><", _INDENT.sub("\n", p)) for p in parts[::2]]
    return "".join(parts)


def _points(text: str, page_path: str) -> list[str]:
    """``text`` split at the title, description and page path markers."""
    pieces = [text]
    for marker, name in ((TITLE, "title"), (DESCRIPTION, "description"),
                         (page_path, "path")):
        split: list[str] = []
        for i, piece in enumerate(pieces):
            if i % 2:  # a slot name
                split.append(piece)
                continue
            parts = piece.split(marker)
            for k, part in enumerate(parts):
                if k:
                    split.append(name)
                split.append(part)
        pieces = split
    return pieces
