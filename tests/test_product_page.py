"""The product page body: content, formatting, plots, robustness and sanitisation.

Records are written by hand after docs/design/site-format.md; one comes from a real
inspection. Assertions read the rendered HTML back with html.parser.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pzbuild.inspect.summary import FileSummary, inspect_table
from pzbuild.site import numbers, plots, sanitize
from pzbuild.site.product_page import (
    TEMPLATES,
    ProductPage,
    product_toc,
    render_product_body,
)
from pzbuild.site.records import compact_table

ROOT = "../../../"
VOCAB_ROLES = {
    "id": {"ucd": "meta.id;meta.main", "description": "Unique object identifier."},
    "ra": {"ucd": "pos.eq.ra;meta.main", "description": "Right ascension (degrees)."},
    "dec": {"ucd": "pos.eq.dec;meta.main", "description": "Declination (degrees)."},
    "z": {"ucd": "src.redshift", "description": "Redshift."},
    "z_err": {"ucd": "stat.error;src.redshift", "description": "Redshift uncertainty."},
    "z_flag": {"ucd": "stat.rank", "description": "Redshift quality flag."},
    "survey": {"ucd": "meta.curation", "description": "Survey or origin of each row."},
}


# The parsed page ------------------------------------------------------------------------------


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parents: list[Element]) -> None:
        self.tag, self.attrs, self.parents = tag, attrs, parents
        self.children: list[Element] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        out = []
        for c in self.children:
            if (tag is None or c.tag == tag) and (cls is None or cls in c.classes()):
                out.append(c)
            out.extend(c.find_all(tag, cls))
        return out

    def find(self, tag: str | None = None, cls: str | None = None) -> Element:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls}>"
        return found[0]

    def in_tag(self, tag: str) -> bool:
        return any(p.tag == tag for p in self.parents)


VOID = {"br", "hr", "img", "input", "meta", "link", "col", "wbr", "source", "area"}


class Page(HTMLParser):
    """The element tree of a page body; every element keeps all the text inside it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.root = Element("#root", {}, [])
        self.stack = [self.root]
        self.elements: list[Element] = []
        self.data: list[tuple[Element, str]] = []  # each text with its innermost element
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, list(self.stack))
        self.stack[-1].children.append(el)
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, list(self.stack))
        self.stack[-1].children.append(el)
        self.elements.append(el)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.data.append((self.stack[-1], data))
        for el in self.stack:
            el.parts.append(data)

    def by_id(self, id_: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == id_]
        assert len(found) == 1, f"{len(found)} elements with id {id_}"
        return found[0]

    def section(self, id_: str) -> Element:
        return self.by_id(id_).parents[-1]

    def text(self) -> str:
        return self.root.text


def render(record: dict[str, Any], root: str = ROOT) -> tuple[ProductPage, Page]:
    page = ProductPage.from_record(record, vocabulary_roles=VOCAB_ROLES, root=root)
    return page, Page(render_product_body(page))


# Records --------------------------------------------------------------------------------------


def numeric(name: str, lo: float, hi: float, *, role: str | None = None,
            unit: str | None = None, dtype: str = "float64", missing: int = 0,
            count: int = 8000) -> dict[str, Any]:
    mid = (lo + hi) / 2
    return {"name": name, "dtype": dtype, "unit": unit, "description": None, "shape": [],
            "role": role, "stats": {
                "kind": "numeric", "count": count, "missing": missing, "min": lo, "max": hi,
                "mean": mid, "std": (hi - lo) / 4,
                "quantiles": {"p1": lo, "p5": lo, "p25": lo, "p50": mid, "p75": hi,
                              "p95": hi, "p99": hi},
                "quantiles_exact": True, "sample_size": count - missing}}


def specz_record() -> dict[str, Any]:
    pid = "official/desi-dr1-dp1-fields"
    columns = [
        numeric("TARGETID", 39627000000000000, 39633000000000000, role="id", dtype="int64"),
        numeric("TARGET_RA", 52.337224, 53.920845, role="ra", unit="deg"),
        numeric("TARGET_DEC", -28.799347, -27.402428, role="dec", unit="deg"),
        numeric("Z", 0.00924, 2.99395, role="z", missing=148),
        numeric("ZERR", 3.9e-05, 0.037123, role="z_err", missing=380),
        numeric("ZWARN", 0, 4, role="z_flag", dtype="int16"),
        {"name": "SURVEY", "dtype": "str", "unit": None, "description": "Origin",
         "shape": [], "role": "survey",
         "stats": {"kind": "text", "count": 8000, "missing": 0, "distinct": 3,
                   "distinct_capped": False,
                   "top": [["main", 5000], ["sv3", 2000], ["sv1", 1000]]}},
    ]
    columns[3]["stats"]["mean"] = 0.6382446383087111
    columns[3]["stats"]["std"] = 0.43350241082195135
    edges = [0.0087890625 + 0.0498046875 * i for i in range(61)]
    counts = [int(400 * (i / 12) * np.exp(-i / 12)) for i in range(60)]
    ra_edges = [52.3 + 0.025 * i for i in range(65)]
    dec_edges = [-28.8 + 0.025 * i for i in range(57)]
    grid = [[(i * 7 + j * 3) % 11 if (i - 28) ** 2 + (j - 32) ** 2 < 700 else 0
             for j in range(64)] for i in range(56)]
    preview = [[39627000000000000 + k, 53.05 + k / 100, -28.3, 0.19686 + k / 10,
                0.000395 if k else None, k % 5, "main"] for k in range(10)]
    preview[3][3] = "NaN"
    files = [
        {"path": "desi_dr1_dp1.parquet", "role": "main", "size": 256233,
         "sha256": "b39a86d4db2e329f2bfa73a3abeb3d6f6fe401be6128794d5623045705b48423",
         "format": "parquet", "url": f"products/{pid}/files/desi_dr1_dp1.parquet"},
        {"path": "README.md", "role": "description", "size": 551,
         "sha256": "ca05ada96c926053ad53d284179730f67fac211a93854d95478b43c498b80bdb",
         "format": None, "url": f"products/{pid}/files/README.md"},
        {"path": "aux/flags translation.yaml", "role": "auxiliary", "size": 1_234_567,
         "description": "How ZWARN maps to z_flag",
         "sha256": "0123456789abcdef" * 4, "format": None,
         "url": f"products/{pid}/files/aux/flags translation.yaml"},
    ]
    return {
        "version": 1, "id": pid, "name": "DESI DR1 redshifts in the DP1 fields",
        "section": "official", "official": True, "owner": None, "slug": "desi-dr1-dp1-fields",
        "type": "redshift_catalog", "type_name": "Spec-z Catalog", "release": None,
        "release_name": None, "pz_code": None,
        "description": "Spectroscopic redshifts from **DESI DR1** within the Rubin DP1 "
                       "fields.\n\nSee the [DESI site](https://data.desi.lbl.gov) and "
                       "[the README](README.md).",
        "authors": [{"name": "A. Person", "orcid": "0000-0002-1825-0097",
                     "affiliation": "LIneA"}, {"name": "B. Person"}],
        "contact": "a.person@example.org", "license": "CC-BY-4.0",
        "tags": ["desi", "spectroscopic"], "created": "2025-05-01", "updated": "2025-06-01",
        "files": files,
        "description_file": "# DESI in DP1\n\n| flag | meaning |\n|---|---:|\n| 4 | secure |\n"
                            "\nNotes[^1].\n\n[^1]: A footnote.\n",
        "columns": {"id": "TARGETID", "ra": "TARGET_RA", "dec": "TARGET_DEC", "z": "Z",
                    "z_err": "ZERR", "z_flag": "ZWARN", "survey": "SURVEY"},
        "null_values": [-99], "table": None,
        "provenance": {
            "derived_from": [{"id": "official/desi-dr1-full", "name": "DESI DR1 (full)",
                              "url": "products/official/desi-dr1-full/"}],
            "used_by": [{"id": "user/jdoe/bpz-dp1", "name": "BPZ on DP1",
                         "url": "products/user/jdoe/bpz-dp1/"}],
            "software": {"name": "rail_bpz", "version": "1.0.2",
                         "url": "https://github.com/LSSTDESC/rail_bpz"},
            "config": "aux/flags translation.yaml", "notes": "Matched within *1 arcsec*."},
        "citation": "@article{desi2025,\n  title = {DESI DR1},\n  year = {2025}\n}",
        "main": {"path": "desi_dr1_dp1.parquet", "role": "main", "size": 256233,
                 "sha256": files[0]["sha256"], "format": "parquet", "error": None,
                 "table": {"format": "parquet", "table": None, "num_rows": 8000,
                           "columns": columns,
                           "z_histogram": {"column": "Z", "edges": edges, "counts": counts},
                           "sky_density": {"ra_column": "TARGET_RA",
                                           "dec_column": "TARGET_DEC", "ra_edges": ra_edges,
                                           "dec_edges": dec_edges, "counts": grid,
                                           "ra_wraps": False},
                           "preview": preview, "qp": None,
                           "warnings": [{"code": "T605", "message": "column X is empty"}],
                           "notes": ["read with pyarrow"]}},
        "url": f"products/{pid}/", "sha256sums": f"products/{pid}/SHA256SUMS",
    }


def qp_record(*, sample: bool = False) -> dict[str, Any]:
    pid = "user/jcarberry/pz-pdfs"
    mix = [[1650754000000000000 + 15 * k, 0.2 + 0.3 * k,
            f"[{0.2 + 0.3 * k}, 0.01, {0.2 + 0.3 * k}]", "[0.03, 0.04, 0.4]",
            "[0.9, 0.05, 0.05]"] for k in range(10)]
    vec = {"kind": "vector", "count": 5000, "missing": 0}
    qp: dict[str, Any] = {"n_pdfs": 5000, "parameterization": "mixmod", "grid": [],
                          "ancil": ["objectId", "zmode"], "meta": {"pdf_version": 0}}
    if sample:
        qp["pdf_sample"] = {"x": [0, 0.5, 1.0, 1.5],
                            "pdfs": [{"label": "obj A", "y": [0, 2, 1, 0]},
                                     {"label": "obj B", "y": [0, 1, 2, 0]}]}
    return {
        "version": 1, "id": pid, "name": "BPZ PDFs in ECDFS", "section": "user",
        "official": False, "owner": "jcarberry", "slug": "pz-pdfs", "type": "photoz_estimates",
        "type_name": "Photo-z Estimates", "release": "dp1", "release_name": "LSST DP1",
        "pz_code": "BPZ", "description": "PDFs.", "authors": [{"name": "J. Carberry"}],
        "license": "MIT", "tags": [], "created": None, "updated": None,
        "files": [{"path": "pdfs.hdf5", "role": "main", "size": 10, "sha256": "a" * 64,
                   "format": "qp", "url": f"products/{pid}/files/pdfs.hdf5"}],
        "description_file": None, "columns": {}, "null_values": [], "table": None,
        "provenance": {"derived_from": [], "used_by": [], "software": None, "config": None,
                       "notes": None},
        "citation": None,
        "main": {"path": "pdfs.hdf5", "role": "main", "size": 10, "sha256": "a" * 64,
                 "format": "qp", "error": None, "table": {
                     "format": "qp", "table": None, "num_rows": 5000, "columns": [
                         numeric("objectId", 1.65e18, 1.66e18, dtype="int64", count=5000),
                         numeric("zmode", 0.01, 2.5, count=5000),
                         {"name": "means", "dtype": "float64", "shape": [3], "stats": vec},
                         {"name": "stds", "dtype": "float64", "shape": [3], "stats": vec},
                         {"name": "weights", "dtype": "float64", "shape": [3], "stats": vec}],
                     "z_histogram": None, "sky_density": None, "preview": mix, "qp": qp,
                     "warnings": [], "notes": []}},
        "url": f"products/{pid}/", "sha256sums": f"products/{pid}/SHA256SUMS",
    }


def nontabular_record() -> dict[str, Any]:
    pid = "user/jdoe/linear-model"
    return {
        "version": 1, "id": pid, "name": "A linear model", "section": "user",
        "official": False, "owner": "jdoe", "slug": "linear-model",
        "type": "training_results", "type_name": "Training Results", "release": "dp1",
        "release_name": "LSST DP1", "pz_code": None, "description": "Weights.",
        "authors": [{"name": "J. Doe", "orcid": "not-an-orcid"}],
        "license": "MIT OR Apache-2.0", "tags": ["model"], "created": "2025-01-01",
        "updated": "2025-01-02",
        "files": [{"path": "model.pkl", "role": "main", "size": 2048, "sha256": "b" * 64,
                   "format": None, "url": f"products/{pid}/files/model.pkl"}],
        "description_file": None, "columns": {}, "null_values": [], "table": None,
        "provenance": None, "citation": None,
        "main": {"path": "model.pkl", "role": "main", "size": 2048, "sha256": "b" * 64,
                 "format": None, "table": None, "error": None},
        "url": f"products/{pid}/", "sha256sums": f"products/{pid}/SHA256SUMS",
    }


# Content --------------------------------------------------------------------------------------


def test_sections_are_in_order_with_ids_and_match_the_toc() -> None:
    page, doc = render(specz_record())
    toc = product_toc(page)
    assert [i for i, _ in toc] == ["description", "documentation", "files", "columns",
                                   "preview", "plots", "provenance", "citation"]
    h2 = [e.attrs["id"] for e in doc.root.find_all("h2")]
    assert h2 == [i for i, _ in toc]
    for id_, title in toc:
        heading = doc.by_id(id_)
        assert heading.text.startswith(title)
        assert heading.find("a", "headerlink").attrs["href"] == f"#{id_}"
    assert [e.text for e in doc.root.find_all("h1")] == ["DESI DR1 redshifts in the DP1 fields"]
    top = doc.root.children
    assert len(top) == 1 and top[0].classes() == {"pz-product"}


def test_header_shows_badge_facts_tags_and_authors() -> None:
    _, doc = render(specz_record())
    header = doc.root.find("header")
    assert header.find("span", "pz-product__badge--official").text == "Official"
    assert "PZ Coordination Group" in header.text
    facts = {dt.text: dt.parents[-1].find("dd") for dt in header.find_all("dt")}
    assert facts["Type"].text == "Spec-z Catalog"
    assert facts["Type"].find("a").attrs["href"] == \
        f"{ROOT}official/index.html?type=redshift_catalog"
    assert facts["Licence"].find("a").attrs["href"] == \
        "https://spdx.org/licenses/CC-BY-4.0.html"
    assert facts["Created"].text == "2025-05-01" and facts["Updated"].text == "2025-06-01"
    assert facts["Contact"].find("a").attrs["href"] == "mailto:a.person@example.org"
    assert "Release" not in facts and "PZ code" not in facts
    tags = header.find_all("a", "pz-product__tag")
    assert [t.text for t in tags] == ["desi", "spectroscopic"]
    assert tags[0].attrs["href"] == f"{ROOT}official/index.html?tag=desi"
    orcid = header.find("a", "pz-product__orcid")
    assert orcid.attrs["href"] == "https://orcid.org/0000-0002-1825-0097"
    authors = header.find("ul", "pz-product__authors").find_all("li")
    assert "LIneA" in authors[0].text and authors[1].text == "B. Person"
    summary = header.find("ul", "pz-product__summary").text
    assert "8,000 rows" in summary and "7 columns" in summary and "3 files" in summary


def test_user_product_shows_owner_release_and_pz_code() -> None:
    _, doc = render(qp_record())
    header = doc.root.find("header")
    assert header.find("span", "pz-product__badge--user").text == "User product"
    owner = header.find("a", "pz-product__owner")
    assert owner.text == "by jcarberry"
    assert owner.attrs["href"] == f"{ROOT}user/index.html?owner=jcarberry"
    facts = {dt.text: dt.parents[-1].find("dd").text for dt in header.find_all("dt")}
    assert facts["Release"] == "LSST DP1" and facts["PZ code"] == "BPZ"
    assert "Created" not in facts


def test_markdown_description_and_description_file() -> None:
    _, doc = render(specz_record())
    desc = doc.section("description")
    assert desc.find("strong").text == "DESI DR1"
    links = {a.text: a.attrs for a in desc.find_all("a") if "headerlink" not in a.classes()}
    assert links["DESI site"]["href"] == "https://data.desi.lbl.gov"
    assert links["DESI site"]["rel"] == "noopener noreferrer nofollow"
    assert links["the README"]["href"] == "files/README.md"  # into the product's files
    readme = doc.section("documentation")
    assert readme.find("h3").text == "DESI in DP1"  # demoted below the page's <h2>
    assert readme.find("th", None).attrs.get("align") is None
    assert readme.find_all("td")[1].attrs["align"] == "right"
    ref = readme.find("a", "footnote-ref")
    target = ref.attrs["href"][1:]
    assert target.startswith("pz-doc-") and doc.by_id(target).tag == "li"
    source = readme.find("p", "pz-product__source").find("a")
    assert source.attrs["href"] == "files/README.md"  # inside the product's folder: relative


def test_files_table_links_and_download_data() -> None:
    record = specz_record()
    _, doc = render(record)
    files = doc.section("files")
    rows = files.find("tbody").find_all("tr")
    assert len(rows) == 3
    cells = rows[0].find_all("td")
    assert [c.text for c in cells[:5]] == ["desi_dr1_dp1.parquet", "main", "parquet",
                                          "256.2 kB", "8,000"]
    assert cells[3].attrs["title"] == "256,233 bytes"
    sha = cells[5].find("code")
    assert sha.text == "b39a86d4db2e…" and sha.attrs["title"] == record["files"][0]["sha256"]
    link = cells[6].find("a")
    assert link.attrs["href"] == "files/desi_dr1_dp1.parquet"  # relative to the page
    # no `download` attribute: Chromium would send the request past the sealed site's
    # service worker; the worker's Content-Disposition saves the file instead
    assert "download" not in link.attrs
    aux = rows[2].find_all("td")
    assert aux[0].text == "aux/flags translation.yamlHow ZWARN maps to z_flag"
    assert aux[3].text == "1.2 MB" and aux[4].text == ""
    assert aux[6].find("a").attrs["href"] == "files/aux/flags%20translation.yaml"
    actions = {a.text: a.attrs["href"] for a in files.find("p", "pz-product__actions")
               .find_all("a")}
    assert actions["SHA256SUMS"] == "SHA256SUMS"
    assert actions["Product record (JSON)"] == "product.json"
    # the whole-product zip: made by pz-product.js from product.json, shown by it
    (button,) = files.find_all("button")
    assert button.attrs["data-record"] == actions["Product record (JSON)"]
    assert button.attrs["data-name"] == "desi-dr1-dp1-fields"
    assert "hidden" in button.attrs and button.text == "Download all (zip)"
    warnings = files.find("div", "admonition").text
    assert "T605: column X is empty" in warnings
    assert "read with pyarrow" in files.find("p", "pz-product__notes").text


def test_columns_are_drawn_from_the_record_with_the_roles_of_the_page() -> None:
    """The columns table is drawn by pz-product.js from product.json
    (tests/browser/test_product_page_drawn.py); the page holds the note with the link, the
    vocabulary of the roles its columns have, and none of the values."""
    record = specz_record()
    page, doc = render(record)
    section = doc.section("columns")
    box = section.find("div", "pz-product__table--columns")
    assert box.attrs["data-pz-draw"] == "columns" and box.attrs["data-pz-record"] == \
        "product.json"
    assert json.loads(box.attrs["data-pz-roles"]) == {
        r: [VOCAB_ROLES[r]["ucd"], VOCAB_ROLES[r]["description"]]
        for r in ("id", "ra", "dec", "z", "z_err", "z_flag", "survey")}
    assert box.find("a").attrs["href"] == "product.json"
    assert "main.table.columns" in box.text and not section.find_all("table")
    assert "2.9939" not in doc.html and "TARGET_DEC" not in section.text
    assert "Std is" not in section.text  # said under the table the script draws
    assert ("7", "columns") in page.summary
    # a role outside the vocabulary, and columns named by the product's mapping only
    record["main"]["table"]["columns"][0]["role"] = "nonsense"
    for c in record["main"]["table"]["columns"][1:]:
        c["role"] = None
    box = render(record)[1].section("columns").find("div", "pz-product__table--columns")
    assert set(json.loads(box.attrs["data-pz-roles"])) == {
        "ra", "dec", "z", "z_err", "z_flag", "survey"}
    record["url"] = None  # no record to read: the note, without a link
    box = render(record)[1].section("columns").find("div", "pz-product__table--columns")
    assert "data-pz-draw" not in box.attrs and not box.find_all("a")


def test_preview_is_drawn_from_the_record() -> None:
    """The page says what the preview is and where pz-product.js reads it; its values are
    in product.json only (drawn in tests/browser/test_site_e2e.py)."""
    record = specz_record()
    _, doc = render(record)
    section = doc.section("preview")
    assert section.find("p").text == "The first 10 rows of desi_dr1_dp1.parquet."
    box = section.find("div", "pz-product__table--preview")
    assert box.attrs["data-pz-draw"] == "preview" and box.attrs["data-pz-record"] == \
        "product.json"
    assert box.find("a").attrs["href"] == "product.json"
    assert not section.find_all("table")
    assert "39627000000000000" not in doc.html and "0.19686" not in doc.html
    record["url"] = None  # no record to read: the note, without a link
    _, doc = render(record)
    box = doc.section("preview").find("div", "pz-product__table--preview")
    assert "data-pz-draw" not in box.attrs and not box.find_all("a")
    assert box.text == "In the product record: main.table.preview"


def test_histogram_and_sky_density_are_drawn_from_the_record() -> None:
    """pz-product.js draws both from product.json (tests/browser/test_product_page_drawn.py);
    the page holds their figures, captions and a note with the link."""
    record = specz_record()
    page, doc = render(record)
    assert page.nz and page.sky
    nz, sky = doc.section("plots").find_all("figure")
    for figure, kind, key in ((nz, "nz", "main.table.z_histogram"),
                              (sky, "sky", "main.table.sky_density")):
        assert figure.attrs["data-pz-draw"] == kind
        assert figure.attrs["data-pz-record"] == "product.json"
        note = figure.find("p", "pz-product__notes")
        assert note.find("a").attrs["href"] == "product.json" and key in note.text
        assert not figure.find_all("svg")
    assert nz.find("figcaption").text == "Redshift distribution of Z"
    assert sky.find("figcaption").text == "Sky density (right ascension grows to the left)"
    assert "data-counts" not in doc.html


def test_plots_only_for_data_the_browser_can_draw() -> None:
    from pzbuild.site.skygrid import compact

    record = specz_record()
    table = record["main"]["table"]
    sky = table["sky_density"]
    assert plots.histogram_usable(compact_table(table)["z_histogram"])
    packed = compact(sky)
    assert plots.sky_usable(packed) and plots.sky_usable(sky)
    for bad_hist in ({**table["z_histogram"], "counts": [-1] * 60},
                     {**table["z_histogram"], "edges": table["z_histogram"]["edges"][::-1]},
                     {**table["z_histogram"], "edges": {"start": 0, "step": 1}},
                     {**table["z_histogram"], "counts": [1, 2]}, None):
        assert not plots.histogram_usable(bad_hist)
    for bad_sky in ({**packed, "counts": {**packed["counts"], "data": "eJwD"}},
                    {**sky, "counts": [[0] * 64] * 56}, {**sky, "counts": sky["counts"][1:]},
                    {**sky, "ra_edges": sky["ra_edges"][::-1]}, "x"):
        assert not plots.sky_usable(bad_sky)
    table["z_histogram"]["counts"][0] = -1
    table["sky_density"]["counts"] = []
    page, doc = render(record)
    assert not page.nz and not page.sky and "plots" not in dict(product_toc(page))


def test_qp_pdfs_from_a_mixture_preview() -> None:
    _, doc = render(qp_record())
    plots = doc.section("plots")
    svg = plots.find("svg", "pz-plot--pdf")
    lines = svg.find_all("polyline")
    assert len(lines) == 5
    legend = [t.text for t in svg.find("g", "pz-plot__legend").find_all("text")]
    assert legend[0] == "objectId 1650754000000000000"
    facts = {dt.text: dt.parents[-1].find("dd").text for dt in plots.find_all("dt")}
    assert facts == {"PDFs": "5,000", "Parameterisation": "mixmod",
                     "Grid": "none (the PDFs are parametric)",
                     "Ancillary columns": "objectId, zmode"}


def test_qp_pdfs_from_an_evaluated_sample() -> None:
    _, doc = render(qp_record(sample=True))
    svg = doc.section("plots").find("svg", "pz-plot--pdf")
    assert len(svg.find_all("polyline")) == 2
    assert [t.text for t in svg.find("g", "pz-plot__legend").find_all("text")] == [
        "obj A", "obj B"]


def test_qp_without_pdf_values_shows_the_ensemble_facts() -> None:
    record = qp_record()
    table = record["main"]["table"]
    table["qp"].update(parameterization="interp", grid=[0.0 + 0.01 * i for i in range(301)],
                       meta={"grid_name": "xvals"})
    table["columns"] = table["columns"][:2] + [
        {"name": "yvals", "dtype": "float64", "shape": [301],
         "stats": {"kind": "vector", "count": 5000, "missing": 0}}]
    table["preview"] = [[1, 0.3, "[0.0, 0.1, 0.2, 0.3, 0.4, … (301 values)]"]] * 10
    page, doc = render(record)
    assert page.pdf_svg is None
    plots = doc.section("plots")
    assert not plots.find_all("svg")
    facts = {dt.text: dt.parents[-1].find("dd").text for dt in plots.find_all("dt")}
    assert facts["Grid (xvals)"] == "301 points from 0 to 3"
    assert facts["Parameterisation"] == "interp"


def test_provenance_graph_box_and_links() -> None:
    """pz-product.js draws the graph from product.json (tests/browser/
    test_product_page_drawn.py); the page holds its box, and the links as lists."""
    record = specz_record()
    _, doc = render(record)
    prov = doc.section("provenance")
    assert not prov.in_tag("pre") and "mermaid" not in doc.html
    box = prov.find("div", "pz-product__lineage-graph")
    assert box.attrs["data-pz-draw"] == "lineage" and box.attrs["data-pz-record"] == \
        "product.json"
    assert box.find("a").attrs["href"] == "product.json" and not prov.find_all("svg")
    facts = {dt.text: dt.parents[-1].find("dd") for dt in prov.find_all("dt")}
    assert facts["Derived from"].find("a").attrs["href"] == \
        f"{ROOT}products/official/desi-dr1-full/"
    assert facts["Used by"].find("a").text == "BPZ on DP1"
    software = facts["Software"]
    assert software.find("a").attrs["href"] == "https://github.com/LSSTDESC/rail_bpz"
    assert software.text == "rail_bpz 1.0.2"
    assert facts["Configuration"].find("a").attrs["href"] == \
        "files/aux/flags%20translation.yaml"
    assert prov.find("div", "pz-product__provenance-notes").find("em").text == "1 arcsec"
    # no graph without products on either side (the rest of the section stays)
    record["provenance"]["derived_from"] = record["provenance"]["used_by"] = []
    prov = render(record)[1].section("provenance")
    assert not prov.find_all(None, "pz-product__lineage-graph")
    assert "Software" in prov.text


def test_citation_is_a_copyable_code_block() -> None:
    record = specz_record()
    _, doc = render(record)
    cite = doc.section("citation")
    block = cite.find("div", "highlight")
    pre = block.find("pre")
    assert pre.find("code").text == record["citation"]
    button = cite.find("button", "pz-copy")
    assert button.attrs["data-target"] == pre.attrs["id"]
    assert "{" not in doc.html  # braces are character references ...
    assert "{desi2025," in doc.text()  # ... that read as braces


def test_a_non_tabular_product() -> None:
    page, doc = render(nontabular_record())
    assert [i for i, _ in product_toc(page)] == ["description", "files"]
    licence = [dd for dt in doc.root.find_all("dt") if dt.text == "Licence"
               for dd in dt.parents[-1].find_all("dd")][0]
    assert [a.attrs["href"] for a in licence.find_all("a")] == [
        "https://spdx.org/licenses/MIT.html", "https://spdx.org/licenses/Apache-2.0.html"]
    assert licence.text == "MIT OR Apache-2.0"
    author = doc.root.find("ul", "pz-product__authors")
    assert not author.find_all("a") and "ORCID not-an-orcid" in author.text
    assert doc.section("files").find("tbody").find_all("td")[4].text == ""
    assert "1 file" in doc.root.find("ul", "pz-product__summary").text


def test_main_file_that_could_not_be_read() -> None:
    record = nontabular_record()
    record["main"]["error"] = {"code": "T601", "message": "not a table: <binary>"}
    _, doc = render(record)
    warning = doc.section("files").find("div", "admonition")
    assert "not a table: <binary>" in warning.text


@pytest.mark.parametrize("record", [
    {},
    {"id": "user/x/y"},
    {"name": None, "authors": None, "files": None, "tags": None, "main": None,
     "provenance": None, "description": None, "license": None},
    {"name": 7, "authors": "A. Person", "files": {"path": "x"}, "tags": "t",
     "columns": ["z"], "license": ["MIT"], "provenance": "text", "url": 3,
     "main": {"table": {"columns": [None, {"name": None}, {"name": "z", "stats": None,
                                                          "shape": "x"}],
                        "preview": [None, [1, 2, 3], "row"], "num_rows": "many",
                        "z_histogram": {"edges": ["a", "b"], "counts": [1]},
                        "sky_density": {"ra_edges": [1, 2], "dec_edges": [1, 2],
                                        "counts": [["x"]]},
                        "qp": {"n_pdfs": None, "grid": "x", "pdf_sample": {"x": 1}},
                        "warnings": [None, {"message": None}], "notes": None}}},
    {"main": {"table": {"columns": [], "z_histogram": {"edges": [0, 1, 1], "counts": [1, 2]},
                        "sky_density": {"ra_edges": [0, 1], "dec_edges": [0, 1],
                                        "counts": [[0]]}}}},
    {"provenance": {"derived_from": [None, "official/a", {"name": None}],
                    "software": {"name": "x", "url": "ftp://x"}, "config": 5,
                    "notes": ""}},
])
def test_missing_or_malformed_fields_never_crash(record: dict[str, Any]) -> None:
    page, doc = render(record)
    assert doc.root.find("h1").text
    assert ("files", "Files") in product_toc(page)
    assert [e.attrs["id"] for e in doc.root.find_all("h2")] == [i for i, _ in product_toc(page)]


def inspected_record(tmp_path: Path) -> tuple[dict[str, Any], Any]:
    """A product record whose main table is a real inspection of a small Parquet file (RA
    wrapping at 0, sentinels in z), and that inspection."""
    rng = np.random.default_rng(1)
    n = 5000
    df = pd.DataFrame({"id": np.arange(n), "ra": rng.uniform(358, 362, n) % 360,
                       "dec": rng.uniform(-2, 2, n), "z": rng.gamma(2, 0.3, n),
                       "survey": rng.choice(["a", "b"], n)})
    df.loc[::50, "z"] = -99.0
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    roles = {"id": "id", "ra": "ra", "dec": "dec", "z": "z", "survey": "survey"}
    table = inspect_table(path, roles=roles, null_values=[-99])
    main = FileSummary("t.parquet", "main", path.stat().st_size, "c" * 64, table.format,
                       table).to_dict()
    record = nontabular_record()
    record.update(main=json.loads(json.dumps(main)), columns=roles)
    return record, table


def test_a_record_from_a_real_inspection(tmp_path: Path) -> None:
    record, table = inspected_record(tmp_path)
    page, doc = render(record)
    assert [i for i, _ in product_toc(page)] == ["description", "files", "columns", "preview",
                                                 "plots"]
    assert table.z_histogram is not None and page.nz and page.sky
    assert [f.attrs["data-pz-draw"] for f in doc.section("plots").find_all("figure")] == [
        "nz", "sky"]  # drawn in tests/browser/test_product_page_drawn.py
    record["main"]["table"] = compact_table(record["main"]["table"])  # as product.json has it
    page = render(record)[0]
    assert page.nz and page.sky and page.n_columns == 5


def test_templates_folder_can_be_overridden(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder, ignore=shutil.ignore_patterns("assets"))
    main = folder / "product.html.j2"
    main.write_text(main.read_text().replace('<div class="pz-product"',
                                             '<div class="pz-product pz-custom"'))
    page = ProductPage.from_record(specz_record(), vocabulary_roles=VOCAB_ROLES, root=ROOT)
    assert 'class="pz-product pz-custom"' in render_product_body(page, templates=folder)
    assert "pz-custom" not in render_product_body(page)


# Hostile input --------------------------------------------------------------------------------

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">a</a>',
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "{{ 7*7 }}",
    '"]) --> X; click X call alert(1)',
    "<iframe src=https://evil.example></iframe><object data=x></object>",
    "<form action=https://evil.example><input></form><style>body{}</style>",
    '<p style="color:red">s</p><a href="data:text/html,x">d</a><a href="vbscript:x">v</a>',
]
EVIL = " ".join(ATTACKS)


def hostile_record() -> dict[str, Any]:
    record = specz_record()
    table = record["main"]["table"]
    record.update(
        name=EVIL, description=EVIL, description_file=EVIL, tags=ATTACKS, pz_code=EVIL,
        authors=[{"name": EVIL, "affiliation": EVIL, "orcid": EVIL}], contact=EVIL,
        license=EVIL, owner=EVIL, created=EVIL, citation=EVIL, type_name=EVIL, type=EVIL,
        release=EVIL, release_name=EVIL, official=False, section="user", slug=EVIL)
    record["files"] = [dict(f, path=f"{EVIL}/{f['path']}", description=EVIL,
                            format=EVIL, url=u)
                       for f, u in zip(record["files"], ["javascript:alert(1)",
                                                         f"products/x/files/{EVIL}",
                                                         "data:text/html,x"], strict=True)]
    record["sha256sums"] = "javascript:alert(1)"
    record["url"] = "vbscript:x/"
    record["provenance"] = {
        "derived_from": [{"id": EVIL, "name": EVIL, "url": "javascript:alert(1)"}],
        "used_by": [{"id": "a", "name": a, "url": f"products/{a}/"} for a in ATTACKS],
        "software": {"name": EVIL, "version": EVIL, "url": "javascript:alert(1)"},
        "config": EVIL, "notes": EVIL}
    for c in table["columns"]:
        c.update(name=f"{EVIL}{c['name']}", unit=EVIL, description=EVIL)
        c["stats"]["note"] = EVIL
    table["columns"][-1]["stats"]["top"] = [[EVIL, 3]]
    table["preview"] = [[EVIL] * len(table["columns"]) for _ in range(10)]
    table["z_histogram"]["column"] = EVIL
    table["sky_density"].update(ra_column=EVIL, dec_column=EVIL)
    table["warnings"] = [{"code": EVIL, "message": EVIL}]
    table["notes"] = [EVIL]
    return record


URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
             "background", "srcset"}


def test_hostile_text_is_shown_but_never_active() -> None:
    page, doc = render(hostile_record())
    lowered = doc.html.lower()
    for el in doc.elements:
        assert el.tag not in {"script", "iframe", "object", "embed", "form", "style", "input",
                              "base", "meta", "link", "frame", "applet"}, el.tag
        for name, value in el.attrs.items():
            assert not name.startswith("on"), (el.tag, name)
            assert name != "style", el.tag
            if name in URL_ATTRS:
                v = re.sub(r"[\x00-\x20]", "", value).lower()
                if el.tag == "image" and re.fullmatch(r"data:image/png;base64,[a-z0-9+/=]+", v):
                    continue  # the sky density's cells, a PNG made by pzbuild (inert)
                assert not v.startswith(("javascript:", "data:", "vbscript:")), (el.tag, value)
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg onload" not in lowered
    # Template syntax is never evaluated, and cannot be by a later pass either.
    text_outside_svg = "".join(e.text for e in doc.root.children)
    assert "{{ 7*7 }}" in text_outside_svg and "{{" not in doc.html
    hostile = [t for el, t in doc.data if "alert(1)" in t and not el.in_tag("svg")]
    assert sum("{{ 7*7 }}" in t for t in hostile) > 30
    assert not any("49" in t for t in hostile)
    # The text is still there, as text, where it belongs.
    assert doc.root.find("h1").text == EVIL
    header = doc.root.find("header")
    assert EVIL in header.find("ul", "pz-product__authors").text
    assert [t.text for t in header.find("ul", "pz-product__tags").find_all("li")] == ATTACKS
    assert doc.section("citation").find("code").text == EVIL
    files = doc.section("files").find("tbody").find_all("tr")
    assert files[0].find("code").text == f"{EVIL}/desi_dr1_dp1.parquet"
    assert not files[0].find_all("a") and not files[2].find_all("a")
    assert files[1].find("a").attrs["href"].startswith(f"{ROOT}products/x/files/%3C")
    # the columns, preview, plots and graph are drawn by pz-product.js from product.json,
    # with textContent (tests/browser/test_product_page_drawn.py, test_site_e2e.py); the page
    # holds none of their values, and here no record to read (its url is not the site's)
    assert not doc.section("preview").find_all("td")
    assert not doc.section("columns").find_all("td")
    assert not doc.section("plots").find_all("svg")
    assert not [e for e in doc.elements if "data-pz-draw" in e.attrs]
    # Markdown keeps the harmless part of the text.
    desc = doc.section("description")
    assert "{{ 7*7 }}" in desc.text and "alert(1)" not in desc.text.replace(
        "click X call alert(1)", "")
    # Links only where the URL is safe.
    prov = doc.section("provenance")
    assert not prov.find("dd").find_all("a")  # derived_from with a javascript: URL
    assert not [dd for dt in prov.find_all("dt") if dt.text == "Software"
                for dd in dt.parents[-1].find_all("dd")][0].find_all("a")
    assert page.json_href is None and page.sha256sums_href is None


def test_hostile_roles_stay_inert_in_their_data_attribute() -> None:
    record = hostile_record()
    record["url"] = f"products/{record['id']}/"
    roles = {**VOCAB_ROLES, "z": {"ucd": EVIL, "description": EVIL}}
    page = ProductPage.from_record(record, vocabulary_roles=roles, root=ROOT)
    doc = Page(render_product_body(page))
    box = doc.section("columns").find("div", "pz-product__table--columns")
    assert json.loads(box.attrs["data-pz-roles"])["z"] == [EVIL, EVIL]
    raw = doc.html[doc.html.index("data-pz-roles="):]
    raw = raw[:raw.index(">")]
    assert "<" not in raw and "{" not in raw  # escaped, and no template syntax either


def test_json_in_data_attributes_is_inert() -> None:
    text = sanitize.json_attr([{"path": "</button><script>x</script>'&\""}])
    assert not set("<>'") & set(text) and "&" not in text
    assert json.loads(text) == [{"path": "</button><script>x</script>'&\""}]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://github.com/LSSTDESC/rail_bpz", True),
    ("http://example.org/a?b=c#d", True),
    ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False),
    ("data:text/html,x", False),
    ("https://x.org/\"onmouseover=alert(1)", False),
    ("https:///nohost", False),
    ("//evil.example", False),
    ("ftp://example.org", False),
    (None, False),
])
def test_safe_http_url(url: Any, ok: bool) -> None:
    assert (sanitize.safe_http_url(url) is not None) is ok


@pytest.mark.parametrize(("url", "expected"), [
    ("products/a/files/x y#1?.csv", "../products/a/files/x%20y%231%3F.csv"),
    ("javascript:alert(1)", None),
    ("/etc/passwd", None),
    ("//evil.example/x", None),
    ("a\\b", None),
    ("products/\n", None),
    (5, None),
])
def test_site_url(url: Any, expected: str | None) -> None:
    assert sanitize.site_url("../", url) == expected


def test_markdown_allow_list() -> None:
    html = str(sanitize.render_markdown(EVIL + "\n\n# Title\n\n<sup>2</sup> <b>b</b>",
                                        id_prefix="p"))
    doc = Page(html)
    assert {e.tag for e in doc.elements} <= set(sanitize.TAGS)
    assert doc.root.find("h3").text == "Title"
    assert doc.root.find("sup").text == "2"
    assert all(not k.startswith("on") and k != "style" for e in doc.elements for k in e.attrs)


# Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (0.6382446383087111, "0.63824"), (53.125381679625, "53.125"), (-28.799347, "-28.799"),
    (3.9e-05, "3.9e-5"), (6532385270.0, "6.5324e9"), (6532321278, "6,532,321,278"),
    (12345.0, "12,345"), (4.0, "4"), (0.0, "0"), (True, "true"), (float("nan"), "NaN"),
    (float("-inf"), "-inf"), ("NaN", "NaN"), ("7", ""), (None, ""), (1e20, "1e20"),
])
def test_fmt_number(value: Any, text: str) -> None:
    assert numbers.fmt_number(value) == text


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (999, "999 B"), (256233, "256.2 kB"), (1_300_000_000, "1.3 GB"),
    (-1, ""), (None, ""), ("5", ""),
])
def test_fmt_bytes(size: Any, text: str) -> None:
    assert numbers.fmt_bytes(size) == text


@pytest.mark.parametrize(("lo", "hi", "labels"), [
    (0.0, 3.0, ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"]),
    (52.33, 53.92, ["52.4", "52.6", "52.8", "53.0", "53.2", "53.4", "53.6", "53.8"]),
    (0.0087, 2.994, ["0.5", "1.0", "1.5", "2.0", "2.5"]),
    (-28.8, -27.4, ["-28.8", "-28.6", "-28.4", "-28.2", "-28.0", "-27.8", "-27.6", "-27.4"]),
    (-10, 10, ["-10", "-5", "0", "5", "10"]),
    (0, 8123, ["0", "2000", "4000", "6000", "8000"]),
])
def test_nice_ticks(lo: float, hi: float, labels: list[str]) -> None:
    ticks, step = numbers.nice_ticks(lo, hi, 6 if hi - lo < 5 else 5)
    assert [numbers.tick_label(t, step) for t in ticks] == labels


def test_rendering_does_not_change_the_record() -> None:
    record = specz_record()
    before = copy.deepcopy(record)
    render(record)
    assert record == before
