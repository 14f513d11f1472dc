"""The JSON records of the site (docs/design/site-format.md): product.json and catalog.json.

A product record is made from the validated :class:`~pzbuild.model.Product`, its
:class:`~pzbuild.inspect.ProductSummary`, the vocabulary and its dates; the catalog entry is
a digest of the product record. Records hold plain JSON values only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..config import Catalog, Vocabulary
from ..inspect import ProductSummary
from ..model import Product
from .history import Dates, ProductHistory
from .plaintext import markdown_to_text
from .skygrid import compact as compact_sky
from .skygrid import compact_edges

VERSION = 1
#: Placeholder until the catalog schema is published somewhere.
CATALOG_SCHEMA = "https://example.org/pzbuild/catalog.schema.json"
SUMMARY_CHARS = 300
#: A description file (role description) larger than this is cut: it is shown on a page.
MAX_DESCRIPTION_FILE = 1_000_000
#: Significant digits of derived statistics (mean, std; quantiles of columns that are not
#: float32 or float16) in product.json: far beyond what a sample's mean or median means.
MEAN_DIGITS = 8
QUANTILE_DIGITS = 10
#: Float types whose values are written as the shortest text that reads back as the same
#: value of that type (numpy's repr), instead of the float64 repr of a float32 value.
_NARROW = {"float32": "float32", "float16": "float16"}


def product_url(pid: str) -> str:
    return f"products/{pid}/"


def used_by(products: Iterable[Product]) -> dict[str, list[str]]:
    """Product id -> the ids of the products derived from it (the reverse of derived_from)."""
    out: dict[str, list[str]] = {}
    for p in products:
        for target in derived_from(p):
            out.setdefault(target, []).append(p.id)
    return {k: sorted(set(v)) for k, v in out.items()}


def product_record(product: Product, summary: ProductSummary, vocabulary: Vocabulary,
                   dates: Dates, names: Mapping[str, str],
                   derived: Iterable[str] = (), history: ProductHistory | None = None
                   ) -> dict[str, Any]:
    """The products/<id>/product.json record. ``names`` maps every product id of the build
    to its name (for provenance links); ``derived`` are the ids of products derived from it;
    ``history`` its commits and contributors (null in the record when not given)."""
    meta = product.meta
    pid = product.id
    url = product_url(pid)
    ptype = str(meta.get("type"))
    release = meta.get("release") if isinstance(meta.get("release"), str) else None
    listed = {str(f.get("path")): f for f in meta.get("files") or [] if isinstance(f, dict)}
    files = []
    for fs in summary.files:
        entry: dict[str, Any] = {"path": fs.path, "role": fs.role}
        description = listed.get(fs.path, {}).get("description")
        if isinstance(description, str):
            entry["description"] = description
        entry.update(size=fs.size, sha256=fs.sha256, format=fs.format,
                     url=f"{url}files/{fs.path}")
        files.append(entry)
    prov: dict[str, Any] = meta["provenance"] if isinstance(meta.get("provenance"), dict) else {}
    software = prov["software"] if isinstance(prov.get("software"), dict) else None
    record: dict[str, Any] = {
        "version": VERSION, "id": pid, "name": str(meta.get("name", pid)),
        "section": product.section, "official": product.official, "owner": product.owner,
        "slug": product.slug, "type": ptype, "type_name": _type_name(vocabulary, ptype),
        "release": release,
        "release_name": vocabulary.releases.get(release) if release else None,
        "pz_code": _str_or_none(meta.get("pz_code")),
        "description": str(meta.get("description") or ""),
        "authors": [_author(a) for a in meta.get("authors") or [] if isinstance(a, dict)],
    }
    if isinstance(meta.get("contact"), str):
        record["contact"] = meta["contact"]
    record.update({
        "license": str(meta.get("license", "")),
        "tags": [str(t) for t in meta.get("tags") or []],
        "created": dates.created, "updated": dates.updated,
        "history": history.to_dict() if history is not None else None,
        "files": files,
        "description_file": _description_file(product, summary),
        "columns": dict(product.roles),
        "null_values": list(meta.get("null_values") or []),
        "table": _str_or_none(meta.get("table")),
        "provenance": {
            "derived_from": [_link(t, names) for t in derived_from(product)],
            "used_by": [_link(t, names) for t in derived],
            "software": {k: str(v) for k, v in software.items()
                         if k in ("name", "version", "url") and v is not None}
            if software else None,
            "config": _str_or_none(prov.get("config")),
            "notes": _str_or_none(prov.get("notes")),
            "promoted_from": _promoted_from(prov.get("promoted_from")),
        },
        "citation": _str_or_none(meta.get("citation")),
        "main": _main(summary),
        "url": url, "sha256sums": f"{url}SHA256SUMS",
    })
    return record


def _main(summary: ProductSummary) -> dict[str, Any] | None:
    """The main file's summary, its sky density in the compact form (pzbuild.site.skygrid)."""
    if summary.main is None:
        return None
    main = summary.main.to_dict()
    table = main.get("table")
    if isinstance(table, dict):
        main["table"] = compact_table(table)
    return main


def compact_table(table: dict[str, Any]) -> dict[str, Any]:
    """``main.table`` as product.json holds it (docs/design/site-format.md): numbers at the
    precision they have, regular histogram edges and the sky density in compact form."""
    out = dict(table)
    if isinstance(table.get("columns"), list):
        out["columns"] = [_column(c) for c in table["columns"]]
    hist = table.get("z_histogram")
    if isinstance(hist, dict):
        out["z_histogram"] = {**hist, "edges": compact_edges(hist.get("edges"))}
    if isinstance(table.get("sky_density"), dict):
        out["sky_density"] = compact_sky(table["sky_density"])
    return out


def _column(column: Any) -> Any:
    """A column's statistics rounded: min and max of a float32 (float16) column as the
    shortest text of that float32 value, its quantiles likewise; mean and std to
    MEAN_DIGITS, other quantiles to QUANTILE_DIGITS significant digits."""
    if not (isinstance(column, dict) and isinstance(column.get("stats"), dict)):
        return column
    st = dict(column["stats"])
    narrow = _NARROW.get(str(column.get("dtype")))

    def exact(v: Any) -> Any:
        return _narrow(v, narrow) if narrow else v

    for key in ("min", "max"):
        if key in st:
            st[key] = exact(st[key])
    for key in ("mean", "std"):
        if key in st:
            st[key] = _significant(st[key], MEAN_DIGITS)
    if isinstance(st.get("quantiles"), dict):
        st["quantiles"] = {q: exact(v) if narrow else _significant(v, QUANTILE_DIGITS)
                           for q, v in st["quantiles"].items()}
    return {**column, "stats": st}


def _significant(value: Any, digits: int) -> Any:
    if type(value) is not float or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


def _narrow(value: Any, dtype: str) -> Any:
    if type(value) is not float or not math.isfinite(value):
        return value
    import numpy as np  # the build has it; the client never calls this

    kind = getattr(np, dtype)
    if abs(value) > float(np.finfo(kind).max):  # not a value of the column's type
        return value
    return float(str(kind(value)))


def record_json(record: Mapping[str, Any]) -> str:
    """The JSON text of a record; a float that JSON cannot hold (NaN, infinity) becomes the
    text the inspection uses for it ("NaN", "inf", "-inf")."""
    try:
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(record), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def catalog_entry(record: Mapping[str, Any]) -> dict[str, Any]:
    """The catalog.json entry of a product record."""
    main = record.get("main") or {}
    table = main.get("table") or {}
    rows = table.get("num_rows")
    return {
        "id": record["id"], "name": record["name"], "section": record["section"],
        "official": record["official"], "type": record["type"],
        "type_name": record["type_name"], "release": record["release"],
        "release_name": record["release_name"], "owner": record["owner"],
        "authors": [a["name"] for a in record["authors"]], "tags": list(record["tags"]),
        "summary": markdown_to_text(record["description"], SUMMARY_CHARS),
        "rows": rows if isinstance(rows, int) else None,
        "size": sum(f["size"] for f in record["files"]), "n_files": len(record["files"]),
        "created": record["created"], "updated": record["updated"],
        "url": record["url"], "json": f"{record['url']}product.json",
    }


def catalog_record(catalog: Catalog, entries: list[dict[str, Any]],
                   generated: dt.datetime | None = None) -> dict[str, Any]:
    """The catalog.json record; entries sorted by id."""
    when = (generated or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    return {"version": VERSION, "$schema": CATALOG_SCHEMA, "title": catalog.title,
            "generated": when.isoformat(), "products": sorted(entries, key=lambda e: e["id"])}


def _type_name(vocabulary: Vocabulary, ptype: str) -> str:
    known = vocabulary.product_types.get(ptype)
    return known.display_name if known else ptype


def _author(a: Mapping[str, Any]) -> dict[str, str]:
    out = {"name": str(a.get("name", ""))}
    for key in ("orcid", "affiliation"):
        if a.get(key) is not None:
            out[key] = str(a[key])
    return out


def derived_from(product: Product) -> list[str]:
    prov = product.meta.get("provenance")
    items = prov.get("derived_from") if isinstance(prov, dict) else None
    return [x for x in items if isinstance(x, str)] if isinstance(items, list) else []


def _promoted_from(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    return {"id": value["id"], "date": str(value.get("date", ""))}


def _link(pid: str, names: Mapping[str, str]) -> dict[str, str]:
    return {"id": pid, "name": names.get(pid, pid), "url": product_url(pid)}


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _description_file(product: Product, summary: ProductSummary) -> str | None:
    desc = next((f for f in summary.files if f.role == "description"), None)
    if desc is None:
        return None
    try:
        with open(Path(product.folder) / desc.path, "rb") as f:
            data = f.read(MAX_DESCRIPTION_FILE)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")
