"""The whole journey of a reader through the sealed example catalog, in Chromium.

The example catalog of this repository (plus one hostile user product) is built and sealed
once by ``pzbuild.publish.publish`` for one reader, served over loopback, and opened through
the login page and the service worker: landing page, the official list (filter, search),
a product page (n(z) plot, files, a download checked against the repository, provenance
links), the hostile product shown as text, and the theme's search box.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from ..conftest import copy_example_catalog

REPO = Path(__file__).resolve().parents[2]
OFFICIAL = REPO / "products" / "official"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[x](javascript:alert(1))"
HOSTILE_ID = "user/mallory/xss-test"
HOSTILE_NAME = f"XSS test {SCRIPT} {IMG}"
BIG_ID = "39627000000000001"  # above 2**53: a JavaScript number would round it


@dataclass(frozen=True)
class Example:
    site: Path  # the sealed site
    pem: str  # the reader's private key
    catalog: dict[str, Any]  # catalog.json as the reader's key opens it


def _add_hostile_product(root: Path) -> None:
    """A valid user product whose free texts are markup and a javascript: link."""
    folder = root / "products" / HOSTILE_ID
    shutil.copytree(root / "products" / "user" / "asmith" / "synth-specz-wide", folder)
    meta = yaml.safe_load((folder / "product.yaml").read_text())
    meta["name"] = HOSTILE_NAME
    meta["description"] = f"Hostile: {SCRIPT} and {IMG} and {JS_LINK}.\n"
    meta["authors"] = [{"name": IMG, "affiliation": SCRIPT},
                       {"name": f"Mallory {JS_LINK}", "affiliation": IMG}]
    (folder / "product.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    # Markup in the data itself, shown in the preview that pz-product.js draws, and an id
    # above 2^53 that a JavaScript number would round.
    csv = folder / "specz_wide.csv"
    lines = csv.read_text().splitlines()
    for i, (first, survey) in enumerate(((BIG_ID, SCRIPT), (str(int(BIG_ID) + 2), IMG)), 1):
        cells = lines[i].split(",")
        cells[0], cells[-1] = first, survey
        lines[i] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Example:
    pytest.importorskip("material")
    from pzbuild.access import generate_key
    from pzbuild.config import load_catalog
    from pzbuild.publish import publish
    from pzbuild.seal import Reader, open_sealed
    from pzbuild.validate import validate_catalog

    base = tmp_path_factory.mktemp("site-e2e")
    root = copy_example_catalog(base / "catalog")
    _add_hostile_product(root)
    report = validate_catalog(root)
    assert report.ok(), [p.to_dict() for p in report.problems]
    assert HOSTILE_ID in {s.id for s in report.submissions}
    key = generate_key(base / "keys" / "reader.pem")
    out = base / "site"
    published = publish(load_catalog(root), out, plain=False, jobs=1,
                        extra_readers=[Reader("reader", key.public_key)])
    assert published.build.ok and published.seal is not None
    catalog = json.loads(open_sealed(out, key.path).read("catalog.json"))
    return Example(out, key.path.read_text(), catalog)


@pytest.fixture(scope="module")
def base(example: Example, serve: Any) -> str:
    return serve(example.site)


def _official_meta() -> dict[str, dict[str, Any]]:
    """id -> product.yaml of every official product folder of the repository."""
    return {f"official/{p.parent.name}": yaml.safe_load(p.read_text())
            for p in sorted(OFFICIAL.glob("*/product.yaml"))}


def _journey_product() -> tuple[str, dict[str, Any]]:
    """The official spec-z catalog (a z column: an n(z) plot) with provenance links."""
    found = [(i, m) for i, m in _official_meta().items() if m["type"] == "redshift_catalog"]
    assert found, "the example catalog has no official redshift_catalog"
    return found[0]


def _unique_word(catalog: dict[str, Any], product_id: str) -> str:
    """A word of the product's name found in no other official product's search text
    (name, summary and authors, as pz-list.js searches them)."""
    official = [p for p in catalog["products"] if p["section"] == "official"]
    hay = {p["id"]: "\n".join([p["name"], p["summary"] or "", *p["authors"]]).lower()
           for p in official}
    name = next(p["name"] for p in official if p["id"] == product_id)
    words = [w for w in name.lower().split()
             if len(w) > 3 and not any(w in h for i, h in hay.items() if i != product_id)]
    assert words, f"no word of {name!r} singles it out"
    return words[0]


def login(page: Any, base: str, pem: str) -> None:
    """Open the site, check that only the login page shows, and log in."""
    page.goto(base)
    page.locator("#pz-login").wait_for()
    page.fill("#pz-key", pem)
    with page.expect_navigation(url=base):
        page.click("#pz-open")
    page.locator(".md-header").wait_for()
    assert page.locator("#pz-login").count() == 0


def wait_list(page: Any) -> Any:
    """The product list once pz-list.js has rendered it."""
    page.locator('.pz-list[data-pz-state="ready"]').wait_for()
    return page.locator(".pz-list tbody tr[data-id]")


def row_ids(page: Any) -> list[str]:
    return page.locator(".pz-list tbody tr[data-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)")


def expect_ids(page: Any, want: set[str]) -> None:
    """Wait until the list shows exactly these products."""
    page.wait_for_function(
        """(want) => {
             const ids = [...document.querySelectorAll('.pz-list tbody tr[data-id]')]
               .map(r => r.dataset.id).sort();
             return JSON.stringify(ids) === JSON.stringify(want);
           }""", arg=sorted(want))


def wait_query(page: Any, key: str, value: str) -> None:
    """Wait until the address bar's query holds key=value (pz-list.js writes it with
    pushState at once, or with replaceState shortly after typing)."""
    page.wait_for_function("([k, v]) => new URLSearchParams(location.search).get(k) === v",
                           arg=[key, value])
    assert parse_qs(urlsplit(page.url).query)[key] == [value]


def without_missing_image(page_log: Any) -> None:
    """Drop the console's 404 for the hostile description's image: the sanitiser keeps
    ``<img src=x>`` (without its handler) as ``<img src="files/x">``, which does not exist."""
    page_log.console_errors = [e for e in page_log.console_errors
                               if not ("404" in e and e.endswith(f"/{HOSTILE_ID}/files/x)"))]


# -- 1. login and landing ------------------------------------------------------------------

def test_login_then_landing_page(page: Any, page_log: Any, base: str, example: Example,
                                 screenshot: Any) -> None:
    page.goto(base)
    assert page.locator("#pz-login").is_visible()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    html = page.content()
    for entry in example.catalog["products"]:
        assert entry["name"] not in html
    page.goto(base + "official/")  # a deep link before login: back to the login page
    page.wait_for_url(re.compile(r"\?next="))
    assert page.locator("#pz-login").is_visible()
    assert page.locator(".pz-list").count() == 0

    login(page, base, example.pem)
    cards = page.locator(".grid.cards > ul > li")
    assert cards.count() == 2
    titles = [cards.nth(i).locator("strong").first.inner_text().strip() for i in range(2)]
    assert titles == ["Official products", "User products"]
    for i in range(2):
        assert cards.nth(i).locator("a").first.is_visible()
    screenshot(page, "e2e-landing")
    page_log.assert_clean()


# -- 2. the official list --------------------------------------------------------------------

def test_official_list_filter_and_search(page: Any, page_log: Any, base: str,
                                         example: Example, screenshot: Any) -> None:
    meta = _official_meta()
    login(page, base, example.pem)
    card = page.locator(".grid.cards > ul > li", has_text="Official products")
    card.get_by_role("link").first.click()
    page.wait_for_url(base + "official/")
    rows = wait_list(page)
    assert sorted(row_ids(page)) == sorted(meta)
    for product_id, m in meta.items():
        link = page.locator(f'.pz-list tbody tr[data-id="{product_id}"] a.pz-name')
        assert link.inner_text() == m["name"]

    product_id, product = _journey_product()
    same_type = {i for i, m in meta.items() if m["type"] == product["type"]}
    page.select_option('select[data-facet="type"]', product["type"])
    expect_ids(page, same_type)
    wait_query(page, "type", product["type"])
    type_name = next(e["type_name"] for e in example.catalog["products"]
                     if e["id"] == product_id)
    assert {c.strip() for c in rows.locator("td.pz-col-type").all_inner_texts()} == {type_name}

    page.select_option('select[data-facet="type"]', "")
    expect_ids(page, set(meta))
    word = _unique_word(example.catalog, product_id)
    page.locator("input.pz-search").press_sequentially(word, delay=20)
    expect_ids(page, {product_id})
    wait_query(page, "search", word)
    assert "type" not in parse_qs(urlsplit(page.url).query)
    assert rows.first.locator("a.pz-name").inner_text() == product["name"]
    screenshot(page, "e2e-list")
    page_log.assert_clean()


# -- 3-5. a product page, its main file, provenance --------------------------------------

def test_product_page_and_provenance(page: Any, page_log: Any, base: str, example: Example,
                                     screenshot: Any) -> None:
    product_id, product = _journey_product()
    login(page, base, example.pem)
    page.goto(base + "official/")
    rows = wait_list(page)
    row = rows.filter(has=page.locator("a.pz-name", has_text=product["name"]))
    assert row.count() == 1
    row.locator("a.pz-name").click()
    page.wait_for_url(base + f"products/{product_id}/")

    # 3. name, n(z) plot, columns, files table
    content = page.locator(f'.pz-product[data-product-id="{product_id}"]')
    assert content.locator("h1").inner_text() == product["name"]
    # the theme's scripts, loaded from shared files on product pages, ran: the palette
    # toggle switches the colour scheme and the choice is stored
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    page.locator("form[data-md-component=palette] label:not([hidden])").first.click()
    page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') !== "
                           f"{json.dumps(scheme)}")
    assert page.evaluate("__md_get('__palette').color.scheme") != scheme
    svg = page.locator(".pz-product__plots figure svg").first
    svg.wait_for()
    box = svg.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    bars = svg.locator("path.pz-plot__bars")
    assert bars.count() == 1
    bbox = bars.evaluate("b => { const r = b.getBBox(); return [r.width, r.height]; }")
    assert bbox[0] > 100 and bbox[1] > 20  # drawn, not an empty outline
    # drawn by pz-product.js from product.json (read here through the service worker too):
    # a bin per count of the record, and the bin under the pointer in a tooltip
    record = page.evaluate("async () => (await fetch('product.json')).json()")
    counts = record["main"]["table"]["z_histogram"]["counts"]
    assert svg.get_attribute("aria-label") == (
        f"Histogram of {record['main']['table']['z_histogram']['column']}: "
        f"{sum(counts):,} values in {len(counts)} bins")
    d = re.fullmatch(r"M(-?[\d.]+) (-?[\d.]+)((?:V-?[\d.]+H-?[\d.]+)+)V\2z",
                     bars.get_attribute("d") or "")
    assert d, "one outline over the bins"
    xs = [float(d[1]), *(float(x) for x in re.findall(r"H(-?[\d.]+)", d[3]))]
    assert len(xs) == len(counts) + 1
    peak = counts.index(max(counts))
    scale = box["width"] / float(svg.get_attribute("width") or 1)
    svg.hover(position={"x": (xs[peak] + xs[peak + 1]) / 2 * scale, "y": box["height"] * 0.6})
    tip = page.locator(".pz-product__plots .pz-plot__tip")
    tip.wait_for()
    assert tip.inner_text().endswith(f": {max(counts):,}")
    assert page.locator(".pz-product__plots .pz-plot__hover").is_visible()
    columns = page.locator(".pz-product__columns table tbody tr td:first-child code")
    columns.first.wait_for()
    assert columns.all_inner_texts() == [c["name"] for c in record["main"]["table"]["columns"]]
    files = page.locator(".pz-product__files table tbody tr")
    paths = files.locator("td:first-child code").all_inner_texts()
    assert paths == [f["path"] for f in product["files"]]
    screenshot(page, "e2e-product", full_page=True)

    # 4. (the click itself: test_download_link_saves_the_main_file) what the main file's
    # Download link points at, fetched through the service worker, is the repository's file.
    main = next(f["path"] for f in product["files"] if f["role"] == "main")
    href = _download_link(page, main).get_attribute("href")
    assert _sha256_in_page(page, href) == _repo_sha256(product_id, main)
    page_log.assert_clean()

    # 5. provenance: a "used by" link, then back through the graph's link
    lineage = page.locator(".pz-product__lineage a[title]")
    assert lineage.count() >= 1
    other_id = lineage.first.get_attribute("title")
    other_name = lineage.first.inner_text()
    all_names = {e["id"]: e["name"] for e in example.catalog["products"]}
    assert all_names[other_id] == other_name
    lineage.first.click()
    page.wait_for_url(base + f"products/{other_id}/")
    assert page.locator(".pz-product h1").inner_text() == other_name

    graph_link = page.locator(
        f'.pz-product__lineage-graph svg a[href$="products/{product_id}/"]')
    assert graph_link.count() == 1
    graph_link.click()
    page.wait_for_url(base + f"products/{product_id}/")
    assert page.locator(".pz-product h1").inner_text() == product["name"]
    page_log.assert_clean()


def _download_link(page: Any, path: str) -> Any:
    row = page.locator(".pz-product__files table tbody tr").filter(
        has=page.locator("td:first-child code", has_text=path))
    return row.get_by_role("link", name=f"Download {path}")


def _repo_sha256(product_id: str, path: str) -> str:
    return hashlib.sha256((REPO / "products" / product_id / path).read_bytes()).hexdigest()


def _sha256_in_page(page: Any, url: str) -> str:
    return page.evaluate("""async (u) => {
        const r = await fetch(u);
        if (!r.ok) return `HTTP ${r.status}`;
        const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await r.arrayBuffer()));
        return Array.from(d, x => x.toString(16).padStart(2, '0')).join('');
    }""", url)


def test_download_link_saves_the_main_file(page: Any, base: str, example: Example) -> None:
    product_id, product = _journey_product()
    login(page, base, example.pem)
    page.goto(base + f"products/{product_id}/")
    main = next(f["path"] for f in product["files"] if f["role"] == "main")
    with page.expect_download() as info:
        _download_link(page, main).click()
    download = info.value
    assert download.suggested_filename == main
    assert download.failure() is None, f"the download failed: {download.failure()}"
    got = hashlib.sha256(Path(download.path()).read_bytes()).hexdigest()
    assert got == _repo_sha256(product_id, main)


# -- 6. a hostile product ------------------------------------------------------------------

NO_INJECTION = """() => {
  const anchors = [...document.querySelectorAll('a')];
  const hrefs = anchors.map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '');
  return {
    javascript: hrefs.filter(h => /^\\s*(java\\s*script|data|vbscript):/i.test(h)),
    handlers: [...document.querySelectorAll('*')].flatMap(
      el => [...el.attributes].filter(a => /^on/i.test(a.name))
                              .map(a => el.tagName + ' ' + a.name)),
  };
}"""


def test_hostile_product_is_shown_as_text(page: Any, page_log: Any, base: str,
                                          example: Example, screenshot: Any) -> None:
    login(page, base, example.pem)
    page.goto(base + "user/")
    wait_list(page)
    row = page.locator(f'.pz-list tbody tr[data-id="{HOSTILE_ID}"]')
    assert row.locator("a.pz-name").inner_text() == HOSTILE_NAME
    assert IMG in row.locator(".pz-authors").inner_text()
    assert page.locator(".pz-list script, .pz-list img").count() == 0
    assert page.evaluate(NO_INJECTION) == {"javascript": [], "handlers": []}

    row.locator("a.pz-name").click()
    page.wait_for_url(base + f"products/{HOSTILE_ID}/")
    content = page.locator(f'.pz-product[data-product-id="{HOSTILE_ID}"]')
    assert content.locator("h1").inner_text() == HOSTILE_NAME
    assert content.locator("h1").text_content() == HOSTILE_NAME
    authors = content.locator(".pz-product__authors").inner_text()
    assert IMG in authors and SCRIPT in authors and "javascript:alert(1)" in authors
    assert page.get_by_text(SCRIPT, exact=True).count() >= 1  # the affiliation, as text
    assert content.locator("script").count() == 0
    assert content.locator("img[onerror], [onerror], [onload]").count() == 0
    assert page.evaluate(NO_INJECTION) == {"javascript": [], "handlers": []}
    description = content.locator(".pz-product__description")
    assert "Hostile:" in description.inner_text()
    # the javascript: link kept its text and lost its href
    assert description.locator(".pz-product__markdown a").all_inner_texts() == ["x"]
    assert description.locator(".pz-product__markdown a[href]").count() == 0
    # the preview, drawn from product.json: the markup in the data shows as text, the ids
    # exactly as the record writes them
    preview = content.locator(".pz-product__table--preview table")
    preview.wait_for()
    assert preview.locator("th").all_inner_texts() == [
        "TARGETID", "TARGET_RA", "TARGET_DEC", "Z", "ZERR", "ZFLAG", "SURVEY"]
    rows = preview.locator("tbody tr")
    assert rows.count() == 10
    first, second = (rows.nth(i).locator("td").all_text_contents() for i in (0, 1))
    assert (first[0], first[-1]) == (BIG_ID, SCRIPT)
    assert (second[0], second[-1]) == (str(int(BIG_ID) + 2), IMG)
    assert rows.nth(0).locator("td").last.get_attribute("class") == "pz-t"
    assert rows.nth(0).locator("td").first.get_attribute("class") is None  # a number
    assert preview.locator("script, img").count() == 0
    # the columns table, drawn from product.json too: the id above 2^53 exact, nothing of
    # the data as markup
    columns = content.locator(".pz-product__table--columns table tbody tr")
    columns.first.wait_for()
    cells = {r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()
             for r in columns.all()}
    assert cells["TARGETID"][7] == f"{int(BIG_ID) + 2:,}"  # the max
    assert "distinct; top: " in cells["SURVEY"][11]
    assert content.locator(".pz-product__table--columns").locator("script, img").count() == 0
    content.locator(".pz-product__plots svg").first.wait_for()
    assert page.evaluate(NO_INJECTION) == {"javascript": [], "handlers": []}
    screenshot(page, "e2e-hostile", full_page=True)

    # Give an injected handler every chance to run: images settled, a few frames later.
    page.wait_for_function("[...document.images].every(i => i.complete)")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page_log.dialogs == []
    without_missing_image(page_log)
    page_log.assert_clean()


# -- 7. the theme's search box ---------------------------------------------------------------

def test_theme_search_finds_a_product(page: Any, page_log: Any, base: str,
                                      example: Example, screenshot: Any) -> None:
    product_id, product = _journey_product()
    login(page, base, example.pem)
    search = page.locator(".md-search__input")
    search.click()
    # The search worker loads the index in the background; typing before it is ready shows
    # "Type to start searching" or nothing, so wait for a result naming the product.
    search.press_sequentially(product["name"], delay=20)
    result = page.locator(".md-search-result__item", has_text=product["name"])
    result.first.wait_for(timeout=20_000)
    href = result.first.locator("a").first.get_attribute("href")
    assert href and f"products/{product_id}/" in href
    screenshot(page, "e2e-search")

    search.fill("")
    search.press_sequentially("xss", delay=30)
    hostile = page.locator(".md-search-result__item", has_text="XSS test")
    hostile.first.wait_for(timeout=20_000)
    assert SCRIPT in hostile.first.inner_text()
    assert page.locator(".md-search-result script").count() == 0
    assert page.evaluate(NO_INJECTION) == {"javascript": [], "handlers": []}

    with page.expect_navigation():
        hostile.first.locator("a").first.click()
    assert page.locator(".pz-product h1").inner_text() == HOSTILE_NAME
    assert page.locator(".pz-product script").count() == 0
    without_missing_image(page_log)
    page_log.assert_clean()
