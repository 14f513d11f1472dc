"""The review of a pull request as Markdown (a comment for the pull request) or JSON.

Everything a submitter wrote (names, field values, paths) is escaped, so that it cannot pose
as the report's own headings, links or verdicts.
"""

from __future__ import annotations

import json
from typing import Any

from ..overview import human_size
from .collect import Review
from .diff import ProductChange

#: The first line of the comment: lets a workflow find and update its own comment.
MARKER = "<!-- pzbuild-review -->"
MAX_VALUE = 120
#: A GitHub comment holds at most 65,536 characters.
MAX_MARKDOWN = 60_000


def to_json(review: Review) -> str:
    return json.dumps(review.to_dict(), indent=2, default=str)


def code(value: Any, limit: int = MAX_VALUE) -> str:
    """``value`` as a one-line code span of at most ``limit`` characters: Markdown, HTML,
    links and @mentions in it stay inert text; a ``|`` cannot split a table cell."""
    text = value if isinstance(value, str) else json.dumps(value, default=str,
                                                         ensure_ascii=False)
    text = " ".join(text.split()).replace("`", "'")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|") + "`" if text else "` `"


def _size(n: int | None) -> str:
    return "–" if n is None else human_size(n)


def _rows(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def _delta(before: int | None, after: int | None, fmt: Any) -> str:
    if before is None or after is None:
        return f"{fmt(before)} → {fmt(after)}"
    if before == after:
        return f"{fmt(after)} (unchanged)"
    sign = "+" if after > before else "−"
    return f"{fmt(before)} → {fmt(after)} ({sign}{fmt(abs(after - before))})"


def _verdict(p: ProductChange) -> str:
    if p.valid is None:
        return ""
    if p.valid:
        warnings = len(p.problems or [])
        return "✅ valid" + (f", {warnings} warning(s)" if warnings else "")
    errors = sum(q.is_error for q in p.problems or [])
    return f"❌ {errors} error(s)"


def to_markdown(review: Review, max_chars: int = MAX_MARKDOWN) -> str:
    """The report as a pull-request comment, cut at a line to at most ``max_chars``."""
    text = _markdown(review)
    if len(text) <= max_chars:
        return text
    note = ("\n_The report is cut here ({n:,} more characters): run `pzbuild review` "
            "locally, or with `--format json`, for all of it._\n")
    cut = text.rfind("\n", 0, max_chars - len(note) - 20) + 1
    return text[:cut] + note.format(n=len(text) - cut)


def _markdown(review: Review) -> str:
    added, changed, removed = (review.by_status(s) for s in ("added", "changed", "removed"))
    n_err = len(review.errors)
    verdict = "✅ valid" if review.ok else f"❌ {n_err} error(s)"
    head = ("the working tree" if review.head.ref is None
            else code(review.head.ref)) + f" ({review.head.commit[:10]})"
    out = [MARKER, f"## pzbuild review: {verdict}", "",
           f"{len(added)} product(s) added, {len(changed)} changed, {len(removed)} removed; "
           f"{review.checked} product(s) of the head validated.", "",
           f"Compared {head} with {code(review.base.ref)} at their merge base "
           f"{review.merge_base[:10]}.", ""]
    if review.flags:
        out += ["### Needs a maintainer's approval", ""]
        for flag in review.flags:
            items = ", ".join(code(x, 80) for x in flag.paths[:10])
            more = f" and {len(flag.paths) - 10} more" if len(flag.paths) > 10 else ""
            out.append(f"- **{flag.kind}**: {flag.message}: {items}{more}")
        out.append("")
    for title, group in (("Added", added), ("Changed", changed), ("Removed", removed)):
        if group:
            out += [f"### {title}", ""]
            for p in group:
                out += _product(p)
    if review.problems:
        out += ["### Other problems", ""]
        out += [f"- {_problem(p)}" for p in review.problems]
        out.append("")
    if review.other_changes:
        out += ["### Other files changed", ""]
        names = {"A": "added", "D": "deleted", "M": "changed", "T": "changed"}
        out += [f"- {names.get(c.status, c.status)}: {code(c.path, 200)}"
                for c in review.other_changes[:50]]
        if len(review.other_changes) > 50:
            out.append(f"- and {len(review.other_changes) - 50} more")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _problem(p: Any) -> str:
    return code(p.format(), 400)


def _product(p: ProductChange) -> list[str]:
    name = f" — {code(p.name)}" if p.name else ""
    out = [f"#### {code(p.id)}{name} {_verdict(p)}".rstrip(), ""]
    facts = [f"size {_delta(p.size_before, p.size_after, _size)}"]
    if p.rows_before is not None or p.rows_after is not None:
        facts.append(f"rows {_delta(p.rows_before, p.rows_after, _rows)}")
    out += [", ".join(facts), ""]
    if p.fields:
        out += ["| field | before | after |", "|---|---|---|"]
        out += [f"| {code(f.field)} | {code(f.before)} | {code(f.after)} |" for f in p.fields]
        out.append("")
    if p.metadata_note:
        out += [p.metadata_note, ""]
    if p.files and p.status == "changed":
        out += ["| file | change | size |", "|---|---|---|"]
        out += [f"| {code(f.path)} | {f.status} | {_delta(f.size_before, f.size_after, _size)} |"
                for f in p.files]
        out.append("")
    elif p.files:
        listed = ", ".join(f"{code(f.path)} ({_size(f.size_after or f.size_before)})"
                           for f in p.files[:20])
        out += [f"Files: {listed}" + (" …" if len(p.files) > 20 else ""), ""]
    if p.problems:
        out += [f"- {_problem(q)}" for q in p.problems]
        out.append("")
    return out
