"""Markdown made plain text, crudely: for list summaries and the search index.

The result is text, never markup: callers put it in JSON read through ``textContent`` or
escape it for HTML. Every pattern is linear (no nested quantifiers), so a hostile description
cannot make the build slow, and only the first ``MAX_INPUT`` characters are looked at.
"""

from __future__ import annotations

import html
import re

MAX_INPUT = 20_000

_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_TAG = re.compile(r"<[^<>\n]{0,500}>")
_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_REF_LINK = re.compile(r"\[([^\]\n]{0,500})\]\[[^\]\n]{0,200}\]")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]{1,200}\]:[^\n]*$", re.M)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]{1,2000})>")
_LINE_START = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+)",
                         re.M)
_RULE = re.compile(r"^[ \t]{0,3}(?:[-*_][ \t]*){3,}$", re.M)
_TABLE_RULE = re.compile(r"^[ \t|:-]+$", re.M)
# "_" only at a word's edge: snake_case names keep theirs
_EMPHASIS = re.compile(r"\*{1,3}|~~|`+|(?<![A-Za-z0-9])_{1,3}|_{1,3}(?![A-Za-z0-9])")
_SPACE = re.compile(r"\s+")


def markdown_to_text(source: object, limit: int | None = None) -> str:
    """The words of a Markdown text on one line: markup, code blocks, HTML tags and link
    targets removed, entities decoded. Cut at ``limit`` characters on a word, with "…"."""
    if not isinstance(source, str):
        return ""
    text = source[:MAX_INPUT]
    text = _FENCE.sub(" ", text)
    text = _COMMENT.sub(" ", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _REF_DEF.sub(" ", text)
    text = _RULE.sub(" ", text)
    text = _TABLE_RULE.sub(" ", text)
    text = _LINE_START.sub("", text)
    text = _EMPHASIS.sub("", text).replace("|", " ")
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return clip(text, limit) if limit is not None else text


def clip(text: str, limit: int) -> str:
    """``text`` of at most ``limit`` characters, cut after a word and ended with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
