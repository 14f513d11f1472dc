"""The parts of a product page that pz-product.js draws from product.json: the columns
table, the n(z) histogram, the sky density and the provenance graph.

Each test writes a product folder (the page body of pzbuild.site.product_page and the record
as the build writes it, main.table in its compact form), opens it in chromium, and reads the
drawn page back with the same parser as tests/test_product_page.py, whose records it uses.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pzbuild.site import numbers
from pzbuild.site.product_page import TEMPLATES, ProductPage, render_product_body
from pzbuild.site.records import compact_table

from ..test_product_page import (
    ATTACKS,
    EVIL,
    URL_ATTRS,
    VOCAB_ROLES,
    Element,
    Page,
    hostile_record,
    inspected_record,
    numeric,
    qp_record,
    specz_record,
)

SHELL = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/pz-product.css"></head>
<body><article class="md-typeset">{body}</article>
<script src="/assets/pz-product.js"></script></body></html>"""
_ids = itertools.count()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Path], str]
         ) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("drawn")
    (root / "assets").mkdir()
    for name in ("pz-product.js", "pz-product.css"):
        shutil.copy(TEMPLATES / "assets" / name, root / "assets" / name)
    return root, serve(root)


@pytest.fixture
def draw(site: tuple[Path, str], page: Any, page_log: Any) -> Iterator[Callable[..., Page]]:
    """``draw(record, compact=True, broken=False) -> Page``: the product page after
    pz-product.js drew it (from a product.json cut short when ``broken``); every part it
    draws must end drawn unless ``failed`` names it."""
    folder, base = site

    def run(record: dict[str, Any], *, compact: bool = True, broken: bool = False,
            failed: tuple[str, ...] = ()) -> Page:
        record = copy.deepcopy(record)
        pid = record.get("id") if isinstance(record.get("id"), str) else ""
        if not re.fullmatch(r"(official|user/[a-z0-9]+)/[a-z0-9-]+", pid):
            pid = "user/test/drawn"
        pid = f"{pid}-{next(_ids)}"
        record.update(id=pid, url=f"products/{pid}/")
        table = (record.get("main") or {}).get("table")
        if compact and isinstance(table, dict):
            record["main"]["table"] = compact_table(table)
        root = "../" * (pid.count("/") + 2)
        body = render_product_body(ProductPage.from_record(
            record, vocabulary_roles=VOCAB_ROLES, root=root))
        out = folder / "products" / pid
        out.mkdir(parents=True)
        text = json.dumps(record)
        (out / "product.json").write_text(text[:-1] if broken else text, encoding="utf-8")
        (out / "index.html").write_text(SHELL.format(body=body), encoding="utf-8")
        page.goto(f"{base}products/{pid}/")
        page.wait_for_function("!document.querySelector('[data-pz-draw]:not([data-pz-done])')")
        done = page.eval_on_selector_all(
            "[data-pz-draw]", "els => els.map(e => [e.dataset.pzDraw, e.dataset.pzDone])")
        assert {k for k, state in done if state == "failed"} == set(failed), done
        return Page(page.eval_on_selector(".pz-product", "e => e.outerHTML"))

    yield run
    page_log.assert_clean()


# Columns --------------------------------------------------------------------------------------


def column_cells(doc: Page) -> dict[str, list[Element]]:
    table = doc.section("columns").find("table")
    return {tr.find("td").text: tr.find_all("td") for tr in table.find("tbody").find_all("tr")}


def test_columns_table_formats_numbers_and_shows_roles(draw: Callable[..., Page]) -> None:
    doc = draw(specz_record())
    section = doc.section("columns")
    assert not section.find("div", "pz-product__table--columns").find_all("p")  # the note
    notes = [p.text for p in section.find_all("p", "pz-product__notes")]  # what it means
    assert len(notes) == 1 and notes[0].startswith("Missing counts nulls, NaN, infinities")
    header = [th.text for th in section.find("table").find("thead").find_all("th")]
    assert header == ["Column", "Role", "Type", "Unit", "Count", "Missing", "Min", "Max",
                      "Mean", "Std", "Median", "Values"]
    rows = column_cells(doc)
    z = [td.text for td in rows["Z"]]
    assert z[1] == "zsrc.redshift" and z[2] == "float64"
    assert z[4:11] == ["8,000", "148", "0.00924", "2.9939", "0.63824", "0.4335", "1.5016"]
    assert rows["Z"][5].attrs["title"] == "1.85 % of the rows"
    assert "title" not in rows["Z"][10].attrs  # an exact median
    assert [td.text for td in rows["TARGET_RA"]][3] == "deg"
    assert [td.text for td in rows["TARGETID"]][6] == "39,627,000,000,000,000"
    assert [td.text for td in rows["ZWARN"]][6:8] == ["0", "4"]
    assert [td.text for td in rows["ZERR"]][6] == "3.9e-5"
    survey = [td.text for td in rows["SURVEYOrigin"]]
    assert survey[6:11] == [""] * 5
    assert survey[11] == "3 distinct; top: main (5,000), sv3 (2,000), sv1 (1,000)"
    role = rows["Z"][1].find("span", "pz-product__role")
    assert role.attrs["title"] == "Redshift."
    assert rows["Z"][1].find("code", "pz-product__ucd").text == "src.redshift"


def test_columns_table_numbers_match_the_python_formatting(draw: Callable[..., Page]) -> None:
    """Every statistic shows as pzbuild.site.numbers would write it: floats of both
    precisions, integers past 2**53, tiny and huge values, a sampled median."""
    rng = np.random.default_rng(3)
    values: list[Any] = [0.0, -0.0, 1e-7, 123456.789, 999999999.5, 1e9, 2.5e12, -3.14159265,
                         0.000123456, 12345.678, 99999.5, 9007199254740993, -42, 7,
                         float(np.float32(15.944873809814453)), 1e300, 5e-324]
    values += [float(v) for v in rng.lognormal(0, 6, 40) * rng.choice([-1, 1], 40)]
    record = specz_record()
    columns = []
    for k, v in enumerate(values):
        c = numeric(f"c{k}", v, v, count=9_000_000)
        c["stats"].update(mean=v, std=abs(v), missing=k, quantiles={"p50": v},
                          quantiles_exact=False, sample_size=1_000_000)
        columns.append(c)
    record["main"]["table"]["columns"] = columns
    record["columns"] = {}
    rows = column_cells(draw(record, compact=False))
    for k, v in enumerate(values):
        cells = rows[f"c{k}"]
        text = [td.text for td in cells]
        want = numbers.fmt_number(v)
        assert text[6:11] == [want, want, want, numbers.fmt_number(abs(v), 4), want], v
        assert text[5] == numbers.fmt_int(k)
        if k:
            assert cells[5].attrs["title"] == f"{100 * k / 9_000_000:.3g} % of the rows"
        assert cells[10].attrs["title"] == "from a uniform sample of 1,000,000 values"


def test_columns_of_vectors_and_booleans(draw: Callable[..., Page]) -> None:
    record = qp_record()
    record["main"]["table"]["columns"].append(
        {"name": "flag", "dtype": "bool", "shape": [],
         "stats": {"kind": "bool", "count": 5000, "missing": 0, "true_count": 1234,
                   "note": "a note"}})
    rows = column_cells(draw(record))
    assert rows["means"][2].text == "float64[3]"
    assert rows["flag"][11].text == "1,234 true" + "a note"
    assert rows["flag"][11].find("small").text == "a note"


# n(z) -----------------------------------------------------------------------------------------


def histogram_outline(svg: Element) -> tuple[float, float, list[tuple[float, float]]]:
    """(first x, baseline, [(top, right x) of every bin]) of the histogram's one path."""
    d = svg.find("path", "pz-plot__bars").attrs["d"]
    m = re.fullmatch(r"M(-?[\d.]+) (-?[\d.]+)((?:V-?[\d.]+H-?[\d.]+)+)V\2z", d)
    assert m, d
    steps = re.findall(r"V(-?[\d.]+)H(-?[\d.]+)", m[3])
    return float(m[1]), float(m[2]), [(float(y), float(x)) for y, x in steps]


def test_histogram_is_one_outline(draw: Callable[..., Page]) -> None:
    record = specz_record()
    hist = record["main"]["table"]["z_histogram"]
    doc = draw(record)
    figure = doc.section("plots").find("figure")
    assert not figure.find_all("p") and figure.find("figcaption").text == \
        "Redshift distribution of Z"
    svg = figure.find("svg", "pz-plot--hist")
    assert svg.attrs["aria-label"] == \
        f"Histogram of Z: {sum(hist['counts']):,} values in 60 bins" == svg.find("title").text
    x0, base, bins = histogram_outline(svg)
    assert len(hist["counts"]) == len(bins) == 60
    heights = [base - top for top, _ in bins]
    assert heights.index(max(heights)) == hist["counts"].index(max(hist["counts"]))
    assert [h == 0 for h in heights] == [c == 0 for c in hist["counts"]]
    rights = [x for _, x in bins]
    assert rights == sorted(rights) and rights[0] > x0
    assert len(svg.find_all("title")) == 1  # no <title> per bin
    titles = [t.text for t in svg.find_all("text", "pz-plot__title")]
    assert titles == ["Z", "objects per bin"]
    ticks = [t.text for t in svg.find("g", "pz-plot__labels").find_all("text")]
    assert "0.0" in ticks and "1.0" in ticks


def test_histogram_of_uneven_bins(draw: Callable[..., Page]) -> None:
    record = specz_record()
    hist = record["main"]["table"]["z_histogram"]
    hist["edges"][1] += 0.01
    x0, _, bins = histogram_outline(draw(record).section("plots").find("svg", "pz-plot--hist"))
    edges = hist["edges"]
    last = bins[-1][1]
    assert [x for _, x in bins] == pytest.approx(
        [x0 + (e - edges[0]) / (edges[-1] - edges[0]) * (last - x0) for e in edges[1:]],
        abs=0.06)


def test_count_axis_labels_share_one_unit(draw: Callable[..., Page]) -> None:
    record = specz_record()
    hist = record["main"]["table"]["z_histogram"]
    hist["counts"] = [c * 200 for c in hist["counts"]]
    svg = draw(record).section("plots").find("svg", "pz-plot--hist")
    labels = [t.text for t in svg.find("g", "pz-plot__labels").find_all("text")
              if t.attrs.get("text-anchor") == "end"]
    assert labels[0] == "0" and all(label.endswith("k") for label in labels[1:])


def test_histogram_tooltip_names_the_bin_under_the_pointer(draw: Callable[..., Page],
                                                           page: Any) -> None:
    record = specz_record()
    hist = record["main"]["table"]["z_histogram"]
    draw(record)
    svg = page.locator("svg.pz-plot--hist")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    top = max(hist["counts"])
    i = hist["counts"].index(top)
    # the middle of bin i, in page pixels (the plot area runs from x 72 to 620 of 640)
    lo, hi = 0.0, hist["edges"][-1]
    mid = (hist["edges"][i] + hist["edges"][i + 1]) / 2
    x = box["x"] + (72 + (mid - lo) / (hi - lo) * 548) / 640 * box["width"]
    page.mouse.move(x, box["y"] + box["height"] / 2)
    tip = page.locator(".pz-plot__tip")
    tip.wait_for()
    assert tip.inner_text().endswith(f": {top:,}")
    assert " \u2264 Z < " in tip.inner_text()


# Sky density ----------------------------------------------------------------------------------


def tick_positions(svg: Element) -> list[tuple[float, str]]:
    labels = svg.find("g", "pz-plot__labels").find_all("text")
    return [(float(t.attrs["x"]), t.text) for t in labels
            if t.attrs.get("text-anchor") == "middle" and "pz-plot__title" not in t.classes()]


PIXELS = """async (href) => {
  const img = new Image(); img.src = href; await img.decode();
  const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
  const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data, rows = [];
  for (let y = 0; y < c.height; y++) { const row = [];
    for (let x = 0; x < c.width; x++) { const p = 4 * (y * c.width + x);
      row.push(d[p + 3] ? "#" + [d[p], d[p + 1], d[p + 2]].map(
        v => v.toString(16).padStart(2, "0")).join("") : null); }
    rows.push(row); }
  return rows; }"""
VIRIDIS = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39",
           "#fde725"]


def test_sky_density_ra_grows_to_the_left_with_a_colour_scale(draw: Callable[..., Page],
                                                              page: Any) -> None:
    record = specz_record()
    grid = record["main"]["table"]["sky_density"]["counts"]
    doc = draw(record)
    svg = doc.section("plots").find("svg", "pz-plot--sky")
    assert svg.attrs["aria-label"].startswith(
        f"Sky density of {sum(map(sum, grid)):,} objects, 64 \u00d7 56 cells")
    # a regular grid: one image, a pixel per cell, highest Dec on top, highest RA on the left
    (image,) = svg.find("g", "pz-plot__cells").find_all("image")
    rows = page.evaluate(PIXELS, image.attrs["href"])
    assert len(rows) == len(grid) and len(rows[0]) == len(grid[0])
    for r, row in enumerate(rows):
        for c, colour in enumerate(row):
            count = grid[len(grid) - 1 - r][len(row) - 1 - c]
            assert (colour is None) == (count == 0), (r, c)
            assert colour is None or colour in VIRIDIS
    top = max(max(row) for row in grid)
    r, c = next((r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == top)
    assert rows[len(grid) - 1 - r][len(grid[0]) - 1 - c] == "#fde725"
    ra_ticks = tick_positions(svg)
    assert len(ra_ticks) >= 3
    xs = [x for x, _ in sorted(ra_ticks, key=lambda t: float(t[1]))]
    assert xs == sorted(xs, reverse=True)  # larger RA further left
    titles = [t.text for t in svg.find_all("text", "pz-plot__title")]
    assert titles == ["RA: TARGET_RA (deg)", "Dec: TARGET_DEC (deg)",
                      "objects per cell (linear)"]
    bar = svg.find("g", "pz-plot__colourbar")
    assert len(bar.find_all("rect")) == 1  # the outline
    levels = page.evaluate(PIXELS, bar.find("image").attrs["href"])
    assert [row[0] for row in levels] == VIRIDIS[::-1]  # from the top: the highest level


def test_sky_density_packed_or_as_lists_draws_the_same_plot(draw: Callable[..., Page]) -> None:
    record = specz_record()
    sky = record["main"]["table"]["sky_density"]
    sky["ra_edges"] = [float(e) for e in sky["ra_edges"]]
    sky["dec_edges"] = [float(e) for e in sky["dec_edges"]]
    sky["counts"][3][5] = 70_000  # two bytes a count, and a log scale
    packed = draw(record).section("plots").find("svg", "pz-plot--sky")
    lists = draw(record, compact=False).section("plots").find("svg", "pz-plot--sky")
    assert packed.find("g", "pz-plot__cells").find("image").attrs["href"] == \
        lists.find("g", "pz-plot__cells").find("image").attrs["href"]
    assert packed.text == lists.text and "log scale" in packed.text


def test_without_a_readable_record_the_notes_stay(draw: Callable[..., Page]) -> None:
    doc = draw(specz_record(), broken=True,
               failed=("columns", "preview", "nz", "sky", "lineage"))
    boxes = [e for e in doc.elements if "data-pz-draw" in e.attrs]
    assert len(boxes) == 5
    for box in boxes:
        assert not box.find_all("table") and not box.find_all("svg")
        note = box.find("p", "pz-product__notes")
        assert note.find("a").attrs["href"] == "product.json"
        assert "could not be shown" in note.text


def test_sky_density_across_ra_zero_labels_ra_modulo_360(draw: Callable[..., Page]) -> None:
    record = specz_record()
    sky = record["main"]["table"]["sky_density"]
    sky["ra_edges"] = [-8 + 0.25 * i for i in range(65)]
    sky["ra_wraps"] = True
    svg = draw(record).section("plots").find("svg", "pz-plot--sky")
    labels = [label for _, label in tick_positions(svg)]
    assert "0" in labels and "355" in labels and "5" in labels
    assert not any(label.startswith("-") for label in labels)
    positions = dict((label, x) for x, label in tick_positions(svg))
    assert positions["355"] > positions["0"] > positions["5"]


def test_sky_density_of_an_irregular_grid_is_drawn_cell_by_cell(
        draw: Callable[..., Page]) -> None:
    record = specz_record()
    sky = record["main"]["table"]["sky_density"]
    sky["dec_edges"] = [-28.8 + 0.025 * i + (0.01 if i == 3 else 0) for i in range(57)]
    cells = draw(record).section("plots").find("g", "pz-plot__cells")
    paths = cells.find_all("path")
    assert paths and not cells.find_all("image")
    assert {p.attrs["fill"] for p in paths} <= set(VIRIDIS)
    # one rectangle per run of cells of one colour in a row
    grid = sky["counts"]
    runs = sum(1 for row in grid for k, v in enumerate(row) if v and (k == 0 or row[k - 1] != v))
    drawn = sum(p.attrs["d"].count("z") for p in paths)
    assert 0 < drawn <= runs


# Provenance -----------------------------------------------------------------------------------


def lineage(section: Element) -> tuple[Element, list[Element], list[Element]]:
    """The provenance graph of a section: the <svg>, its boxes and its links."""
    svg = section.find("svg", "pz-lineage")
    return svg, svg.find_all(None, "pz-lineage__node"), svg.find_all("a")


def test_provenance_graph_and_links(draw: Callable[..., Page]) -> None:
    doc = draw(specz_record())
    prov = doc.section("provenance")
    svg, boxes, links = lineage(prov)
    assert svg.attrs["role"] == "group" and svg.attrs["aria-label"] == (
        "Provenance of DESI DR1 redshifts in the DP1 fields: derived from 1 product, "
        "used by 1")
    assert len(boxes) == len(svg.find_all("rect")) == 1 + 1 + 1
    assert [b.find("title").text for b in boxes] == [
        "DESI DR1 (full)", "BPZ on DP1", "DESI DR1 redshifts in the DP1 fields"]
    assert [b.find("text").text for b in boxes] == [
        "DESI DR1 (full)", "BPZ on DP1", "DESI DR1 redshifts in the\u2026"]
    this = svg.find(None, "pz-lineage__node--this")
    assert this.tag == "g" and not this.find_all("a")
    root = "../../../"  # from products/official/<slug>/
    assert [a.attrs["href"] for a in links] == [f"{root}products/official/desi-dr1-full/",
                                                f"{root}products/user/jdoe/bpz-dp1/"]
    assert all("pz-lineage__node" in a.classes() for a in links)
    edges = svg.find_all("path", "pz-lineage__edge")
    assert len(edges) == 2
    starts = [float(e.attrs["d"][1:].split()[0]) for e in edges]
    assert starts[0] < starts[1]
    assert svg.find("g", "pz-lineage__arrows").find("path").attrs["d"].count("z") == 2
    assert all("style" not in e.attrs for e in [svg, *svg.find_all()])
    # the lists under the graph are the page's own
    facts = {dt.text: dt.parents[-1].find("dd") for dt in prov.find_all("dt")}
    assert facts["Used by"].find("a").text == "BPZ on DP1"


def test_provenance_graph_grows_and_is_capped(draw: Callable[..., Page]) -> None:
    record = specz_record()
    record["provenance"]["derived_from"] = [
        {"id": f"official/p{k}", "name": f"Parent {k}", "url": f"products/official/p{k}/"}
        for k in range(20)]
    record["provenance"]["used_by"] = []
    svg, boxes, links = lineage(draw(record).section("provenance"))
    assert len(boxes) == 12 + 1 + 1 and len(links) == 12
    more = svg.find(None, "pz-lineage__node--more")
    assert more.find("text").text == "+8 more" and not more.in_tag("a")
    assert len(svg.find_all("path", "pz-lineage__edge")) == 13
    small = lineage(draw(specz_record()).section("provenance"))[0]
    assert float(svg.attrs["height"]) > 5 * float(small.attrs["height"])
    assert svg.attrs["viewbox"].split()[3] == svg.attrs["height"]
    # Only used_by: no column on the left, and no graph without either.
    record["provenance"]["derived_from"], record["provenance"]["used_by"] = [], [
        {"id": "user/a/b", "name": "B", "url": "products/user/a/b/"}]
    svg, boxes, links = lineage(draw(record).section("provenance"))
    assert len(boxes) == 2 and len(links) == 1
    record["provenance"]["used_by"] = []
    doc = draw(record)
    assert not doc.section("provenance").find_all("svg")
    assert not doc.section("provenance").find_all(None, "pz-product__lineage-graph")


# Hostile content ------------------------------------------------------------------------------


def test_hostile_columns_plots_and_graph_are_text(draw: Callable[..., Page], page: Any,
                                                  page_log: Any) -> None:
    record = hostile_record()
    record["provenance"]["used_by"] = [
        {"id": "user/jdoe/fine", "name": "Fine", "url": "products/user/jdoe/fine/"},
        {"id": "javascript:alert(1)//x", "name": "Bad id", "url": "javascript:alert(1)"},
        *record["provenance"]["used_by"][:10]]  # 12 boxes: no "+N more"
    record["main"]["table"]["columns"][3]["role"] = EVIL
    doc = draw(record)
    # the sanitised description keeps an <img src=x>: its 404 is no error of the page
    page_log.console_errors[:] = [e for e in page_log.console_errors
                                  if not e.startswith("Failed to load resource") or
                                  not e.endswith("/files/x)")]
    drawn = [e for e in doc.elements if "data-pz-draw" in e.attrs]
    assert len(drawn) == 5
    for part in drawn:
        for el in [part, *part.find_all()]:
            assert el.tag not in {"script", "iframe", "object", "embed", "form", "style",
                                  "input", "img", "foreignobject"}, el.tag
            for name, value in el.attrs.items():
                assert not name.startswith("on"), (el.tag, name)
                if name in URL_ATTRS:
                    v = re.sub(r"[\x00-\x20]", "", value).lower()
                    if el.tag == "image":  # the sky's cells and colour bar, made by the page
                        assert re.fullmatch(r"data:image/png;base64,[a-z0-9+/=]+", v), v
                        continue
                    assert re.fullmatch(r"(\.\./)+products/[a-z0-9/-]+/", v), v
    # the text is all there, as text
    rows = column_cells(doc)
    cells = rows[f"{EVIL}TARGETID{EVIL}"]
    assert cells[0].find("code").text == f"{EVIL}TARGETID"
    assert cells[3].text == EVIL and cells[11].find("small").text == EVIL
    assert rows[f"{EVIL}Z{EVIL}"][1].find("span").text == EVIL
    assert f"top: {EVIL} (3)" in rows[f"{EVIL}SURVEY{EVIL}"][11].text
    hist = doc.section("plots").find("svg", "pz-plot--hist")
    assert hist.find("text", "pz-plot__title").text == EVIL
    sky = doc.section("plots").find("svg", "pz-plot--sky")
    assert [t.text for t in sky.find_all("text", "pz-plot__title")][:2] == [
        f"RA: {EVIL} (deg)", f"Dec: {EVIL} (deg)"]
    svg, boxes, links = lineage(doc.section("provenance"))
    names = [EVIL, "Fine", "Bad id", *ATTACKS[:10], EVIL]
    assert [b.find("title").text for b in boxes] == [" ".join(n.split()) for n in names]
    # links only to products/<id>/ of ids of the id form
    assert [a.attrs["href"] for a in links] == ["../../../products/user/jdoe/fine/"]
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # pz-product.js


# A real inspection ----------------------------------------------------------------------------


def test_a_record_from_a_real_inspection(draw: Callable[..., Page], tmp_path: Path) -> None:
    record, table = inspected_record(tmp_path)
    doc = draw(record)
    assert table.z_histogram is not None
    _, _, bins = histogram_outline(doc.section("plots").find("svg", "pz-plot--hist"))
    assert len(bins) == len(table.z_histogram.counts)
    sky = doc.section("plots").find("svg", "pz-plot--sky")
    labels = [label for _, label in tick_positions(sky)]
    assert "0" in labels and not any(label.startswith("-") for label in labels)
    rows = column_cells(doc)
    assert rows["z"][5].text == "100"
    assert rows["survey"][11].text.startswith("2 distinct; top: ")
