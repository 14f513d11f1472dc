"""Sniffing a text table: is it text, which delimiter, which header line.

Only the first 64 kB are looked at. The delimiter is the one of comma, tab and semicolon (or
else runs of whitespace) that splits (nearly) every line into the same number of fields. The
header is the first line when its fields are words where the rows hold numbers, or else the
last ``#`` line just above the rows, when it names at least half of the columns (a shorter
``#`` line is taken for a comment). A header naming fewer columns than the rows hold raises
T602: the reader never guesses which column is unnamed.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ._common import fail, unique_names

SAMPLE_BYTES = 1 << 16
SAMPLE_LINES = 200
DELIMITERS = (",", "\t", ";")


@dataclass
class Dialect:
    """How a text table is laid out. ``delimiter`` None means runs of whitespace."""

    delimiter: str | None
    n_fields: int
    skip_lines: int  # lines before the first data row (comments, blank lines, header)
    names: list[str] | None = None
    header_line: int | None = None  # 1-based
    notes: list[str] = field(default_factory=list)

    @property
    def format(self) -> str:
        return "text" if self.delimiter is None else "csv"


def read_text_sample(path: Path, size: int = SAMPLE_BYTES) -> tuple[str, bool] | None:
    """The first complete lines of a text file and whether they are the whole file;
    None when the bytes are not text."""
    with open(path, "rb") as fh:
        raw = fh.read(size + 1)
    whole = len(raw) <= size
    raw = raw[:size]
    return _decode_text(raw, whole)


def _decode_text(raw: bytes, whole: bool) -> tuple[str, bool] | None:
    if not raw or b"\x00" in raw:
        return None
    controls = sum(1 for b in raw if b < 32 and b not in (9, 10, 12, 13)) + raw.count(127)
    if controls > len(raw) // 100:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=whole)
    except UnicodeDecodeError:
        high = sum(1 for b in raw if b >= 128)
        if high > len(raw) // 20:
            return None
        text = raw.decode("latin-1")
    if not whole:
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut >= 0 else text
    return text, whole


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [t.strip("\"'") for t in line.split()]
    row = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    return [t.strip() for t in row]


def _choose_delimiter(lines: list[str], ext: str) -> tuple[str | None, int] | None:
    """The delimiter whose field count is the same on (nearly) every line, and that count."""
    best: tuple[str | None, int] | None = None
    rows = lines[1:] or lines  # the first line may be a header of another width
    for delim in (*DELIMITERS, None):
        counts = Counter(len(_split(line, delim)) for line in rows)
        n, hits = counts.most_common(1)[0]
        if n >= 2 and hits >= 0.9 * len(rows) and (best is None or n > best[1]):
            best = (delim, n)
        if best is not None and delim == DELIMITERS[-1]:
            return best  # a consistent comma/tab/semicolon split wins over whitespace
    if best is not None:
        return best
    if all(len(_split(line, None)) == 1 for line in lines):
        numeric = sum(_is_number(line.strip()) for line in lines)
        if ext in (".csv", ".tsv") or numeric >= len(lines) - 1:
            return ("," if ext in (".csv", ".tsv") else None), 1
    return None


def _first_is_header(first: list[str], rows: list[list[str]]) -> bool:
    if not rows:
        return all(t and not _is_number(t) for t in first)
    width = max(len(r) for r in rows)
    numeric_cols = [
        j for j in range(width)
        if any(j < len(r) and r[j] for r in rows)
        and all(_is_number(r[j]) for r in rows if j < len(r) and r[j])
    ]
    if numeric_cols:
        return any(j < len(first) and first[j] and not _is_number(first[j])
                   for j in numeric_cols)
    return all(t and not _is_number(t) for t in first) and len(set(first)) == len(first)


def sniff_dialect(text: str, ext: str = "") -> Dialect | None:
    """The dialect of a text table from its first lines; None when it is not a table."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    start = 0
    comments: list[tuple[int, str]] = []
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip()[:1] == "#"):
        if lines[start].strip():
            comments.append((start, lines[start]))
        start += 1
    body = [ln for ln in lines[start:start + SAMPLE_LINES]
            if ln.strip() and ln.lstrip()[:1] != "#"]
    if not body:
        return None
    first_char = body[0].lstrip()[:1]
    if first_char in ("{", "[", "<") or body[0].startswith(("---", "%YAML")):
        return None  # JSON, XML, YAML
    chosen = _choose_delimiter(body, ext)
    if chosen is None:
        return None
    delim, n = chosen
    first = _split(body[0], delim)
    rows = [_split(line, delim) for line in body[1:]]
    if delim is None and not _has_numeric_column(rows or [first]):
        return None  # prose or key-value text split on spaces is not a table
    if len(body) > 1:
        n = Counter(len(r) for r in rows).most_common(1)[0][0]

    if _first_is_header(first, rows):
        header_at = start + 1
        names = first
        from_comment = False
    elif comments and comments[-1][0] == start - 1:
        tokens = _split(comments[-1][1].lstrip().lstrip("#").strip(), delim)
        if len(tokens) >= max(2, (n + 1) // 2) and len(tokens) <= n and not all(
            _is_number(t) for t in tokens
        ):
            header_at, names, from_comment = start, tokens, True
        else:
            return Dialect(delim, n, start, notes=["no header line; columns are named "
                                                   "col1, col2, ..."])
    else:
        return Dialect(delim, n, start, notes=["no header line; columns are named col1, "
                                               "col2, ..."])

    if len(names) < n:
        shown = ", ".join(names)
        where = "the '#' header line" if from_comment else "the header line"
        raise fail(f"{where} (line {header_at}) names {len(names)} columns but the data rows "
                   f"hold {n} fields (line {header_at + 1}): {shown}. pzbuild does not guess "
                   "which column is unnamed; make the header name every column", "T602")
    if len(names) > n and rows:
        raise fail(f"the header line (line {header_at}) names {len(names)} columns but the "
                   f"data rows hold only {n} fields (line {header_at + 1}); make the header "
                   "and the rows agree")
    names, notes = unique_names(names)
    skip = header_at if not from_comment else start
    return Dialect(delim, len(names), skip, names, header_at, notes)


def _has_numeric_column(rows: list[list[str]]) -> bool:
    width = max(len(r) for r in rows)
    for j in range(width):
        values = [r[j] for r in rows if j < len(r)]
        if values and sum(_is_number(v) for v in values) >= 0.9 * len(values):
            return True
    return False
