"""Submitted text made safe for a page.

Markdown goes through Python-Markdown and then nh3 with an explicit allow-list: no script,
no event handler, no style, no frame or form, links and images only over http(s) (and
mailto for links). URLs that pzbuild builds itself are checked here before use; every other
text goes through jinja2's autoescape.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import quote, urlsplit

import markdown
import nh3
from markupsafe import Markup

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "var",
})
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"id"},  # footnotes
    "sup": {"id"},
}
CLASSES = {"div": {"footnote"}, "a": {"footnote-ref", "footnote-backref"}}
# Removed with their content, not just unwrapped: their text is code or markup, not prose.
CLEAN_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "form", "textarea", "select", "template",
    "noscript", "svg", "math", "title",
})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL_SAFE = "/!$&'()*+,;=:@-._~%"  # characters left as they are in a path
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f<>\"'`\\{}|^]")
_HEADING = re.compile(r"<(/?)h([1-6])>")
_local = threading.local()


def _markdown() -> markdown.Markdown:
    # Building a Markdown instance costs more than converting a description: one per thread.
    md: markdown.Markdown | None = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["tables", "fenced_code", "footnotes", "sane_lists"],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html")
        _local.md = md
    return md


def render_markdown(text: Any, *, id_prefix: str, files_base: str = "files/",
                    demote: int = 2) -> Markup:
    """Submitted Markdown as safe HTML.

    Ids (footnotes) and in-page links get ``id_prefix`` so that two documents on one page do
    not clash with each other or with the page's own ids; relative links and images point
    into the product's files (``files_base``); headings move down ``demote`` levels to sit
    under the page's section headings. Raw HTML in the text survives only as far as the
    allow-list lets it."""
    if not isinstance(text, str) or not text.strip():
        return Markup("")
    md = _markdown()
    md.reset()
    html = md.convert(text)

    def attribute(tag: str, attr: str, value: str) -> str | None:
        # nh3 calls this after its own URL checks, with values it already accepted; the
        # results are not checked again, so they only ever gain a fixed safe prefix.
        if attr == "id":
            return f"{id_prefix}-{value}"
        if attr in ("href", "src"):
            if value.startswith("#"):
                return f"#{id_prefix}-{value[1:]}" if len(value) > 1 else value
            if not (_SCHEME.match(value) or value.startswith(("/", "../", "?"))):
                return files_base + value
        return value

    clean = nh3.clean(html, tags=set(TAGS), clean_content_tags=set(CLEAN_CONTENT),
                      attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                      attribute_filter=attribute, url_schemes=set(URL_SCHEMES),
                      link_rel=LINK_REL, allowed_classes={k: set(v) for k, v in CLASSES.items()},
                      strip_comments=True)
    if demote:
        clean = _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + demote)}>", clean)
    return Markup(clean)


def safe_http_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host and no character that needs
    escaping, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > 2048 or _UNSAFE_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def site_url(root: str, url: Any) -> str | None:
    """A site-relative URL of the record (``products/<id>/files/...``) as seen from the page:
    ``root`` + the URL, percent-encoded. None when ``url`` is not a plain relative path."""
    if not isinstance(url, str) or not url or _CONTROL.search(url):
        return None
    if url.startswith(("/", "\\")) or "\\" in url or _SCHEME.match(url):
        return None
    return root + quote(url, safe=_URL_SAFE)


def json_attr(value: Any) -> str:
    """JSON for a data attribute: ``<``, ``>``, ``&`` and ``'`` as \\u escapes, so that the
    text is inert even outside an escaped attribute (autoescape still escapes the quotes)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027"))

