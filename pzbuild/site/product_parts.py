"""The parts of a product page, each built from its piece of a product.json record.

Records come from the build but are treated as untrusted: any optional field may be missing,
None or of the wrong type, and every function here then returns an empty part instead of
raising. Text stays text (the templates escape it); links are checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from .numbers import as_float, fmt_bytes, fmt_int, fmt_number
from .sanitize import render_markdown, safe_http_url, site_url

SHA_SHORT = 12  # hex digits of a SHA-256 shown in the files table

_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_EMAIL = re.compile(r"^[^@\s<>\"'`()\[\]\\,;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_SPDX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
_SPDX_TOKEN = re.compile(r"\(|\)|[^\s()]+")


@dataclass(frozen=True)
class Link:
    """A text that is a link when ``href`` is set."""

    text: str
    href: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Fact:
    """A labelled value of the page header, in parts (a licence expression has several)."""

    label: str
    parts: list[Link]


@dataclass(frozen=True)
class Author:
    name: str
    orcid: str | None = None
    orcid_url: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class FileRow:
    path: str
    role: str
    format: str
    description: str | None
    size: str  # human units
    size_title: str  # exact bytes
    rows: str
    sha256: str
    sha256_short: str
    href: str | None


@dataclass(frozen=True)
class Provenance:
    graph: bool  # derived_from -> this -> used_by, drawn by pz-product.js from the record
    derived_from: list[Link]
    used_by: list[Link]
    software: Link | None
    software_version: str | None
    config: Link | None
    notes_html: Markup


# Plain values --------------------------------------------------------------------------------


def text(value: Any) -> str | None:
    """A non-empty string from a record value (numbers as text), else None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def orcid_link(value: Any) -> tuple[str | None, str | None]:
    """(iD, https://orcid.org/iD) when ``value`` is an ORCID iD in form, else (text, None)."""
    t = text(value)
    if t is None:
        return None, None
    m = _ORCID.match(t.strip())
    return (m[1], f"https://orcid.org/{m[1]}") if m else (t, None)


def license_parts(value: Any) -> list[Link]:
    """A licence id, or an SPDX expression, with every id linked to its spdx.org page."""
    t = text(value)
    if t is None:
        return []
    parts = []
    for token in _SPDX_TOKEN.findall(t):
        if token in ("(", ")") or token.upper() in ("AND", "OR", "WITH") or not \
                _SPDX_ID.match(token) or token.startswith(("LicenseRef-", "DocumentRef-")):
            parts.append(Link(token))
        else:
            parts.append(Link(token, f"https://spdx.org/licenses/{token}.html"))
    return parts


def contact_link(value: Any) -> Link | None:
    """An e-mail address (mailto link) or an http(s) address; other text without a link."""
    t = text(value)
    if t is None:
        return None
    t = t.strip()
    if _EMAIL.match(t):
        return Link(t, "mailto:" + quote(t, safe="@.+-_~"))
    return Link(t, safe_http_url(t))


def own_url(root: str, own: str | None, url: Any) -> str | None:
    """A site-relative URL of the record as seen from the page, like
    :func:`~pzbuild.site.sanitize.site_url`, but relative to the page when it lies in the
    product's own folder ``own`` (``products/<id>/``): ``files/x`` instead of
    ``../../../products/<id>/files/x``."""
    href = site_url(root, url)
    mine = root + own if own and own.endswith("/") else None
    if href is None or mine is None or not href.startswith(mine):
        return href
    rest = href[len(mine):]
    # a first segment with a colon would read as a URL scheme
    return rest if rest and ":" not in rest.split("/", 1)[0] else "./" + rest


def list_url(root: str, section: Any, key: str, value: Any) -> str | None:
    """The list page of a section filtered on one facet (pz-list.js reads the query)."""
    v = text(value)
    if section not in ("official", "user") or v is None:
        return None
    return f"{root}{section}/index.html?{key}={quote(v, safe='')}"


# Parts ---------------------------------------------------------------------------------------


def authors(record: dict[str, Any]) -> list[Author]:
    out = []
    for a in as_list(record.get("authors")):
        if isinstance(a, str):
            a = {"name": a}
        a = as_dict(a)
        name = text(a.get("name"))
        if name is None:
            continue
        orcid, url = orcid_link(a.get("orcid"))
        out.append(Author(name, orcid, url, text(a.get("affiliation"))))
    return out


def file_rows(record: dict[str, Any], root: str, main_rows: Any) -> list[FileRow]:
    own = text(record.get("url"))
    rows = []
    for f in as_list(record.get("files")):
        f = as_dict(f)
        path = text(f.get("path"))
        if path is None:
            continue
        role = text(f.get("role")) or ""
        sha = text(f.get("sha256")) or ""
        size = f.get("size")
        exact = fmt_int(size)
        rows.append(FileRow(
            path=path, role=role, format=text(f.get("format")) or "",
            description=text(f.get("description")), size=fmt_bytes(size),
            size_title=f"{exact} bytes" if exact else "",
            rows=fmt_int(main_rows) if role == "main" else "",
            sha256=sha, sha256_short=sha[:SHA_SHORT], href=own_url(root, own, f.get("url"))))
    return rows


def column_roles(table: dict[str, Any], vocabulary_roles: dict[str, Any],
                 roles: dict[str, Any]) -> dict[str, list[str | None]]:
    """The vocabulary's [UCD, description] of every role a column of the table has (its own
    ``role``, else the product's ``columns`` mapping): pz-product.js draws the columns table
    from the record and reads these once per page."""
    role_of = {c: r for r, c in roles.items() if isinstance(c, str)}
    out: dict[str, list[str | None]] = {}
    for c in as_list(table.get("columns")):
        c = as_dict(c)
        name = text(c.get("name"))
        if name is None:
            continue
        role = text(c.get("role")) or role_of.get(name)
        if role and role not in out and isinstance(vocabulary_roles.get(role), dict):
            vocab = vocabulary_roles[role]
            out[role] = [text(vocab.get("ucd")), text(vocab.get("description"))]
    return out


def preview_count(table: dict[str, Any]) -> int:
    """How many rows the preview of a table with columns holds (pz-product.js draws them
    from the record)."""
    if not as_list(table.get("columns")):
        return 0
    return sum(isinstance(row, list) for row in as_list(table.get("preview")))


def qp_facts(qp: Any) -> list[tuple[str, str]]:
    """(label, value) of a qp ensemble: PDFs, parameterisation, grid."""
    if not isinstance(qp, dict):
        return []
    facts = []
    if (n := fmt_int(qp.get("n_pdfs"))):
        facts.append(("PDFs", n))
    if (p := text(qp.get("parameterization"))):
        facts.append(("Parameterisation", p))
    grid = [g for g in (as_float(v) for v in as_list(qp.get("grid"))) if g is not None]
    grid_name = text(as_dict(qp.get("meta")).get("grid_name")) or "grid"
    if grid:
        facts.append((f"Grid ({grid_name})", f"{fmt_int(len(grid))} points from "
                      f"{fmt_number(min(grid))} to {fmt_number(max(grid))}"))
    else:
        facts.append(("Grid", "none (the PDFs are parametric)"))
    ancil = [a for a in (text(a) for a in as_list(qp.get("ancil"))) if a]
    if ancil:
        facts.append(("Ancillary columns", ", ".join(ancil)))
    return facts


def provenance(record: dict[str, Any], root: str, files: list[FileRow]) -> Provenance | None:
    prov = as_dict(record.get("provenance"))
    derived = _related(prov.get("derived_from"), root)
    used = _related(prov.get("used_by"), root)
    sw = prov.get("software")
    software = version = None
    if isinstance(sw, dict) and text(sw.get("name")):
        software = Link(str(sw["name"]), safe_http_url(sw.get("url")))
        version = text(sw.get("version"))
    elif text(sw):
        software = Link(str(sw))
    config = None
    if (path := text(prov.get("config"))) is not None:
        href = next((f.href for f in files if f.path == path), None)
        if href is None and (base := text(record.get("url"))):
            href = own_url(root, base, f"{base}files/{path}")
        config = Link(path, href)
    notes = render_markdown(prov.get("notes"), id_prefix="pz-notes")
    if not (derived or used or software or config or notes):
        return None
    return Provenance(bool(derived or used), derived, used, software, version, config, notes)


def _related(items: Any, root: str) -> list[Link]:
    out = []
    for item in as_list(items):
        if isinstance(item, str):
            item = {"id": item}
        item = as_dict(item)
        pid = text(item.get("id"))
        name = text(item.get("name")) or pid
        if name is None:
            continue
        out.append(Link(name, site_url(root, item.get("url")), pid))
    return out

