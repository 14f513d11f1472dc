"""The product list pages (site_templates/assets/pz-list.js) in Chromium.

A deterministic catalog.json of 10,000 user products (and a few official ones, some of them
hostile) is served with a minimal page per section; every view the browser shows is compared
with the same filter or sort done here in Python on the same JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
import unicodedata
from operator import itemgetter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "site_templates" / "assets"
PAGE_SIZE = 50

TYPES = {
    "redshift_catalog": "Redshift catalog",
    "training_set": "Training set",
    "training_results": "Training results",
    "validation_results": "Validation results",
    "photoz_estimates": "Photo-z estimates",
    "object_catalog": "Object catalog",
    "other": "Other",
}
TABULAR = {"redshift_catalog", "training_set", "object_catalog"}
RELEASES = {"dp0.2": "LSST DP0.2", "dp1": "LSST DP1", "dr1": "LSST DR1"}
CODES = ["BPZ", "LePhare", "GPz", "FlexZBoost", "kNN", "TPZ", "DNF", "CMNN", "Delight", "FZBoost"]
SURVEYS = ["DESI", "2dFLenS", "VVDS", "DEEP2", "GAMA", "SDSS", "zCOSMOS", "VIPERS", "HSC", "DES"]
FIELDS = ["DC2", "ECDFS", "EDFS", "COSMOS", "Fornax", "47 Tuc", "Rubin SV 95 -25", "Seagull"]
GIVEN = ["A.", "B.", "C.", "D.", "E.", "F.", "G.", "H.", "J.", "K.", "L.", "M.", "N.", "P.", "R."]
SURNAMES = [
    "Pérez", "Müller", "Nuñez", "Dvořák", "Schröder", "Çelik", "Ødegaard", "García", "Smith",
    "Nakamura", "Okafor", "Silva", "Costa", "Kowalski", "Nguyen", "Johnson", "Rossi", "Dubois",
    "Ivanova", "Chen", "Singh", "Ahmed", "Andrade", "Zhang", "Brown", "Lopes", "Fontaine",
]
TAGS = [
    "desi", "spectroscopic", "dc2", "dp1", "training", "validation", "pdf", "bpz", "lephare",
    "deep-field", "wide", "sv", "qp", "cosmos", "benchmark", "rail", "cross-match", "clean",
]
WORDS = [
    "photometry", "magnitudes", "colours", "redshifts", "quality", "flags", "cuts", "blended",
    "deblended", "spectroscopic", "matched", "within", "arcsec", "galaxies", "stars", "removed",
    "deep", "wide", "augmented", "reweighted", "templates", "priors", "trained", "posterior",
]

# Hostile submissions: shown as text, never as markup or as a link.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BAD_URLS = [
    "javascript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/products/x/",
    "\\\\evil.example/x/",
    "/\\evil.example/x/",
    "https://evil.example/",
    "/products/official/x/",
    "products/../../../etc/",
    "./products/x/",
    "products/%2e%2e/%2e%2e/x/",
    "products/official/x/?next=javascript:alert(1)",
    None,
    42,
]


def _day(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def make_product(rng: random.Random, section: str, owner: str | None, index: int) -> dict:
    """One realistic catalog entry, as the build writes it to catalog.json."""
    type_ = rng.choices(list(TYPES), weights=[12, 14, 6, 10, 30, 8, 4])[0]
    release = None if type_ == "redshift_catalog" else rng.choice([None, "dp0.2", "dp1", "dr1"])
    code = rng.choice(CODES)
    field = rng.choice(FIELDS)
    survey = rng.choice(SURVEYS)
    if type_ in ("redshift_catalog", "training_set"):
        name = f"{survey} {TYPES[type_].lower()} in {field}, v{index % 7 + 1}"
    else:
        name = f"{code} {TYPES[type_].lower()} for {field} (run {index})"
    words = rng.sample(WORDS, 8)
    summary = (
        f"{TYPES[type_]} made with {code} from {survey} {words[0]} {words[1]} {words[2]}: "
        f"{' '.join(words[3:])} in the {field} field."
    )[:300]
    authors = [f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}" for _ in range(rng.randint(1, 6))]
    created = _day(rng, dt.date(2023, 1, 1), 900)
    updated = None if rng.random() < 0.05 else created + dt.timedelta(days=rng.randrange(200))
    tabular = type_ in TABULAR or (type_ in ("photoz_estimates", "validation_results")
                                   and rng.random() < 0.6)
    # Round some row counts so that ties show whether sorting is stable.
    rows = rng.choice([rng.randint(100, 50_000_000), rng.randint(1, 40) * 1000])
    rows = rows if tabular else None
    slug = f"{code.lower()}-{field.lower().replace(' ', '-')}-{index}"
    id_ = f"official/{slug}" if section == "official" else f"user/{owner}/{slug}"
    return {
        "id": id_,
        "name": name,
        "section": section,
        "official": section == "official",
        "type": type_,
        "type_name": TYPES[type_],
        "release": release,
        "release_name": RELEASES.get(release) if release else None,
        "owner": owner,
        "authors": authors,
        "tags": sorted(rng.sample(TAGS, rng.randint(0, 4))),
        "summary": summary,
        "rows": rows,
        "size": rng.randint(2_000, 200_000_000),
        "n_files": rng.randint(1, 9),
        "created": created.isoformat(),
        "updated": updated.isoformat() if updated else None,
        "url": f"products/{id_}/",
    }


def hostile_products() -> list[dict]:
    base = {
        "section": "official", "official": True, "type": "other", "type_name": "Other",
        "release": None, "release_name": None, "owner": None, "rows": None, "size": 1234,
        "n_files": 1, "created": "2025-01-01", "updated": "2025-01-02",
    }
    products = [
        dict(
            base,
            id="official/hostile",
            name=SCRIPT,
            summary=IMG,
            authors=[SCRIPT, IMG],
            tags=[SCRIPT, IMG],
            url="javascript:alert(1)",
        )
    ]
    for i, url in enumerate(BAD_URLS[1:]):
        products.append(
            dict(base, id=f"official/hostile-{i}", name=f"Hostile link {i} {IMG}", summary=SCRIPT,
                 authors=["M. Allory"], tags=[], url=url)
        )
    return products


def make_catalog(n_user: int = 10_000, n_official: int = 40, seed: int = 2025) -> dict:
    """A deterministic catalog.json: ``n_user`` user products by ~400 owners, official ones,
    and the hostile official products of ``hostile_products()``."""
    rng = random.Random(seed)
    owners = sorted({
        (rng.choice("abcdefghjklmnprstvwz") + rng.choice(SURNAMES)).lower()
        .encode("ascii", "ignore").decode() + str(rng.randint(0, 99))
        for _ in range(400)
    })
    products = [make_product(rng, "official", None, i) for i in range(n_official)]
    products += hostile_products()
    products += [make_product(rng, "user", rng.choice(owners), i) for i in range(n_user)]
    rng.shuffle(products)
    return {
        "version": 1,
        "$schema": "https://example.org/pzbuild/catalog.schema.json",
        "title": "Test catalog",
        "generated": "2025-11-25T12:00:00+00:00",
        "products": products,
    }


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{title}</title>
<link rel="stylesheet" href="../assets/pz-catalog.css">
<style>
  body {{ margin: 1.5rem 2rem; font-family: system-ui, sans-serif; line-height: 1.5;
         color: var(--md-default-fg-color); background: var(--md-default-bg-color); }}
  [data-md-color-scheme="slate"] {{
    --md-default-fg-color: hsla(225, 15%, 90%, 0.82);
    --md-default-fg-color--light: hsla(225, 15%, 90%, 0.56);
    --md-default-fg-color--lighter: hsla(225, 15%, 90%, 0.32);
    --md-default-fg-color--lightest: hsla(225, 15%, 90%, 0.12);
    --md-default-bg-color: hsla(225, 15%, 14%, 1);
    --md-typeset-a-color: #5d8af0;
    --md-typeset-table-color: hsla(225, 15%, 90%, 0.12);
    --md-typeset-table-color--light: hsla(225, 15%, 90%, 0.035);
    --md-accent-fg-color: #526cfe;
  }}
</style>
{head}
</head>
<body>
<main class="md-content">
<h1>{title}</h1>
<div class="pz-list" data-section="{section}" data-catalog="../{catalog}" data-site-root="../">
</div>
</main>
<script src="../assets/pz-list.js"></script>
</body>
</html>
"""

# A stand-in for mkdocs-material's document$ (an RxJS subject that emits on every page).
FAKE_DOCUMENT_SUBJECT = """<script>
window.document$ = {
  subscribers: [],
  subscribe(fn) { this.subscribers.push(fn); fn(document); },
  next() { this.subscribers.forEach((fn) => fn(document)); },
};
</script>"""


def write_site(dest: Path, catalog: dict) -> Path:
    """A minimal site at ``dest``: catalog.json, the assets, and one list page per section
    (``user/``, ``official/``), plus ``instant/`` (a fake document$) and ``broken/``."""
    (dest / "assets").mkdir(parents=True, exist_ok=True)
    for name in ("pz-list.js", "pz-catalog.css"):
        shutil.copy(ASSETS / name, dest / "assets" / name)
    (dest / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    pages = {
        "user": ("User products", "user", "catalog.json", ""),
        "official": ("Official products", "official", "catalog.json", ""),
        "instant": ("User products", "user", "catalog.json", FAKE_DOCUMENT_SUBJECT),
        "broken": ("User products", "user", "missing.json", ""),
    }
    for folder, (title, section, catalog_name, head) in pages.items():
        (dest / folder).mkdir(exist_ok=True)
        html = PAGE.format(title=title, section=section, catalog=catalog_name, head=head)
        (dest / folder / "index.html").write_text(html, encoding="utf-8")
    return dest


# The same view in Python -------------------------------------------------------------------


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")


def sort_key(text: str) -> str:
    """pz-list.js's text order: folded, digit runs compared as numbers."""
    return re.sub("[0-9]+", lambda m: m.group().zfill(16), fold(text))


TEXT_COLUMNS = {"name": "name", "type": "type_name", "release": "release_name", "owner": "owner"}


def view(catalog: dict, section: str, sort: str = "name", search: str = "",
         **facets: str) -> list[str]:
    """Ids of the products the list shows, in order (``sort``: a column, "-" for descending)."""
    words = fold(search).split()
    out = []
    for p in catalog["products"]:
        if p["section"] != section:
            continue
        if any(
            (k == "tag" and v not in p["tags"]) or (k != "tag" and (p[k] or "_none") != v)
            for k, v in facets.items()
        ):
            continue
        hay = fold("\n".join([p["name"], p["summary"], *p["authors"]]))
        if all(w in hay for w in words):
            out.append(p)
    field = sort.lstrip("-")
    field = TEXT_COLUMNS.get(field, field)
    present = [p for p in out if p[field] is not None]
    # reverse=True keeps ties in catalog order too; missing values go last either way.
    key = (lambda p: sort_key(p[field])) if field in TEXT_COLUMNS.values() else itemgetter(field)
    present.sort(key=key, reverse=sort.startswith("-"))
    return [p["id"] for p in present + [p for p in out if p[field] is None]]


# Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> dict:
    return make_catalog()


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve, catalog) -> str:
    return serve(write_site(tmp_path_factory.mktemp("site"), catalog))


def open_list(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".pz-list[data-pz-state=ready]")


def shown_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        ".pz-table tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)"
    )


def count_text(n: int, total: int) -> str:
    return f"{n:,} of {total:,} product{'s' if total != 1 else ''}"


def wait_count(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".pz-count")).to_have_text(text)


def wait_page(page, number: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".pz-page[aria-current=page]")).to_have_attribute(
        "aria-label", f"Page {number}"
    )


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def pages_of(ids: list[str], page: int) -> list[str]:
    return ids[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]


# Tests -------------------------------------------------------------------------------------


def test_first_view(page, page_log, site, catalog, screenshot):
    user = view(catalog, "user")
    assert len(user) == 10_000
    open_list(page, site + "user/")
    wait_count(page, "10,000 of 10,000 products")
    ids = shown_ids(page)
    assert ids == user[:PAGE_SIZE]
    headers = page.eval_on_selector_all(".pz-table th", "ths => ths.map(t => t.textContent)")
    assert headers == ["Name", "Type", "Release", "Owner", "Rows", "Size", "Created", "Updated"]
    assert page.get_attribute(".pz-table th.pz-col-name", "aria-sort") == "ascending"
    assert page.locator(".pz-page[aria-label='Page 200']").count() == 1
    assert page.locator(".pz-page--prev").is_disabled()
    # Each row links to its product page, relative to the site root.
    first = next(p for p in catalog["products"] if p["id"] == ids[0])
    assert page.get_attribute(f"tr[data-id='{ids[0]}'] a.pz-name", "href") == "../" + first["url"]
    timings = page.evaluate("window.__pzTimings")
    assert 0 < timings["fetchStart"] <= timings["jsonLoaded"] <= timings["firstRender"]
    screenshot(page, "list-user")
    page.evaluate("document.body.dataset.mdColorScheme = 'slate'")
    screenshot(page, "list-user-dark")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "list-user-narrow")
    page_log.assert_clean()


def test_filter_by_type(page, page_log, site, catalog):
    expected = view(catalog, "user", sort="-rows", type="training_set")
    open_list(page, site + "user/?sort=-rows")
    page.select_option("select[data-facet=type]", "training_set")
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == expected[:PAGE_SIZE]
    types = page.eval_on_selector_all("td.pz-col-type", "tds => tds.map(t => t.textContent)")
    assert set(types) == {"Training set"}
    assert query(page) == {"type": ["training_set"], "sort": ["-rows"]}
    last = -(-len(expected) // PAGE_SIZE)
    page.click(f".pz-page[aria-label='Page {last}']")
    assert shown_ids(page) == pages_of(expected, last)
    page_log.assert_clean()


def test_search_authors_and_description(page, page_log, site, catalog):
    open_list(page, site + "user/?sort=-size")
    # An accented author, typed without the accent and in another case.
    expected = view(catalog, "user", sort="-size", search="PEREZ")
    assert 0 < len(expected) < 10_000
    page.fill(".pz-search", "PEREZ")
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == expected[:PAGE_SIZE]
    # Every word must match, in any of name, description and authors.
    expected = view(catalog, "user", sort="-size", search="perez   Deblended ecdfs")
    assert 0 < len(expected) < 200
    page.fill(".pz-search", "perez   Deblended ecdfs")
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == expected[:PAGE_SIZE]
    # The URL follows the typing (replaced, after a pause), trimmed.
    page.wait_for_function(
        "new URLSearchParams(location.search).get('search') === 'perez   Deblended ecdfs'"
    )
    # Typed key by key (each key narrows the last matches), then partly erased.
    page.fill(".pz-search", "")
    page.locator(".pz-search").press_sequentially("ecdfs lephare")
    expected = view(catalog, "user", sort="-size", search="ecdfs lephare")
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == expected[:PAGE_SIZE]
    for _ in range(6):
        page.keyboard.press("Backspace")
    expected = view(catalog, "user", sort="-size", search="ecdfs l")
    assert len(expected) > len(view(catalog, "user", search="ecdfs lephare"))
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == expected[:PAGE_SIZE]
    page.fill(".pz-search", "no such product anywhere")
    wait_count(page, count_text(0, 10_000))
    assert page.locator(".pz-empty").count() == 1
    page.click(".pz-empty .pz-reset")
    wait_count(page, count_text(10_000, 10_000))
    assert page.input_value(".pz-search") == ""
    page_log.assert_clean()


def test_sort_by_rows(page, page_log, site, catalog):
    open_list(page, site + "user/")
    page.click("th.pz-col-rows .pz-sort")
    assert page.get_attribute("th.pz-col-rows", "aria-sort") == "descending"
    assert page.get_attribute("th.pz-col-name", "aria-sort") is None
    desc = view(catalog, "user", sort="-rows")
    assert shown_ids(page) == desc[:PAGE_SIZE]
    assert query(page)["sort"] == ["-rows"]
    page.click("th.pz-col-rows .pz-sort")
    assert page.get_attribute("th.pz-col-rows", "aria-sort") == "ascending"
    asc = view(catalog, "user", sort="rows")
    assert shown_ids(page) == asc[:PAGE_SIZE]
    # Products without a row count come last in both directions, in catalog order.
    page.click(".pz-page[aria-label='Page 200']")
    assert shown_ids(page) == pages_of(asc, 200)
    assert page.eval_on_selector_all(
        "td.pz-col-rows", "tds => tds.every(t => t.textContent === '—')"
    )
    page_log.assert_clean()


def test_sort_every_column(page, page_log, site, catalog):
    open_list(page, site + "user/")
    for column in ["name", "type", "release", "owner", "rows", "size", "created", "updated"]:
        text = column in TEXT_COLUMNS
        for sort in ([column, "-" + column] if text else ["-" + column, column]):
            if sort != "name":  # the default order needs no click
                page.click(f"th.pz-col-{column} .pz-sort")
            direction = "descending" if sort.startswith("-") else "ascending"
            assert page.get_attribute(f"th.pz-col-{column}", "aria-sort") == direction
            assert page.locator("th[aria-sort]").count() == 1
            assert shown_ids(page) == view(catalog, "user", sort=sort)[:PAGE_SIZE], sort
    page_log.assert_clean()


def test_paging(page, page_log, site, catalog):
    expected = view(catalog, "user", sort="size")
    open_list(page, site + "user/?sort=size")
    assert shown_ids(page) == pages_of(expected, 1)
    page.click(".pz-page--next")
    assert shown_ids(page) == pages_of(expected, 2)
    assert query(page)["page"] == ["2"]
    assert page.get_attribute(".pz-page[aria-current=page]", "aria-label") == "Page 2"
    page.click(".pz-page[aria-label='Page 4']")
    assert shown_ids(page) == pages_of(expected, 4)
    page.click(".pz-page[aria-label='Page 200']")
    assert shown_ids(page) == pages_of(expected, 200)
    assert page.locator(".pz-page--next").is_disabled()
    page.go_back()
    wait_page(page, 4)
    assert shown_ids(page) == pages_of(expected, 4)
    page.click(".pz-page--prev")
    assert shown_ids(page) == pages_of(expected, 3)
    # A page past the end of a shared link shows the last page.
    open_list(page, site + "user/?sort=size&page=999")
    assert shown_ids(page) == pages_of(expected, 200)
    assert query(page)["page"] == ["200"]
    page_log.assert_clean()


def test_url_state_round_trip(page, page_log, site, catalog):
    filters = {"type": "photoz_estimates", "release": "dp1"}
    expected = view(catalog, "user", sort="-rows", search="bpz", **filters)
    assert len(expected) > PAGE_SIZE
    open_list(page, site + "user/?type=photoz_estimates&release=dp1&search=bpz&sort=-rows&page=2")
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == pages_of(expected, 2)
    assert page.input_value(".pz-search") == "bpz"
    assert page.input_value("select[data-facet=type]") == "photoz_estimates"
    assert page.input_value("select[data-facet=release]") == "dp1"
    assert page.get_attribute("th.pz-col-rows", "aria-sort") == "descending"
    assert page.get_attribute(".pz-page[aria-current=page]", "aria-label") == "Page 2"

    # A discrete change: a new history entry, back on page 1.
    page.select_option("select[data-facet=release]", "_none")
    changed = view(catalog, "user", sort="-rows", search="bpz", type="photoz_estimates",
                   release="_none")
    assert shown_ids(page) == pages_of(changed, 1)
    assert query(page) == {
        "type": ["photoz_estimates"], "release": ["_none"], "search": ["bpz"], "sort": ["-rows"],
    }
    page.reload()
    page.wait_for_selector(".pz-list[data-pz-state=ready]")
    assert shown_ids(page) == pages_of(changed, 1)
    assert page.input_value("select[data-facet=release]") == "_none"

    page.go_back()
    wait_count(page, count_text(len(expected), 10_000))
    assert shown_ids(page) == pages_of(expected, 2)
    assert page.input_value("select[data-facet=release]") == "dp1"
    page.go_forward()
    wait_count(page, count_text(len(changed), 10_000))
    assert shown_ids(page) == pages_of(changed, 1)

    # A tag chip filters by its tag.
    tag = page.text_content(".pz-table tbody .pz-tag")
    page.click(".pz-table tbody .pz-tag")
    assert query(page)["tag"] == [tag]
    tagged = view(catalog, "user", sort="-rows", search="bpz", type="photoz_estimates",
                  release="_none", tag=tag)
    assert shown_ids(page) == pages_of(tagged, 1)
    page_log.assert_clean()


def test_untrusted_text_stays_text(page, page_log, site, catalog, screenshot):
    official = view(catalog, "official")
    open_list(page, site + "official/")
    wait_count(page, count_text(len(official), len(official)))
    # No official product has an owner: the column and its filter are left out.
    assert page.locator("th.pz-col-owner").count() == 0
    assert page.locator("select[data-facet=owner]").count() == 0

    page.fill(".pz-search", "alert")
    wait_count(page, count_text(len(BAD_URLS), len(official)))
    row = page.locator("tr[data-id='official/hostile']")
    assert row.locator(".pz-name").text_content() == SCRIPT
    assert row.locator(".pz-summary").text_content() == IMG
    assert row.locator(".pz-authors").text_content() == f"{SCRIPT}, {IMG}"
    assert row.locator(".pz-tag").all_text_contents() == [SCRIPT, IMG]
    # No product with a bad url is linked; nothing the data holds became an element.
    assert page.locator(".pz-list tbody a").count() == 0
    assert page.locator(".pz-list tbody .pz-name--nolink").count() == len(BAD_URLS)
    assert page.locator(".pz-list script, .pz-list img, .pz-list iframe").count() == 0
    screenshot(page, "list-official-hostile")
    row.locator(".pz-name").click()
    row.locator(".pz-tag").first.click()
    assert query(page)["tag"] == [SCRIPT]
    assert shown_ids(page) == ["official/hostile"]
    page.fill(".pz-search", "")
    wait_count(page, count_text(1, len(official)))

    # Good products keep relative links into the site.
    page.click(".pz-reset")
    hrefs = page.eval_on_selector_all(".pz-list a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(re.fullmatch(r"\.\./products/official/[a-z0-9-]+/", h) for h in hrefs)
    page.wait_for_timeout(200)  # let any injected handler have its chance
    assert page_log.dialogs == []
    page_log.assert_clean()


def test_init_is_idempotent_and_follows_instant_navigation(page, page_log, site):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "catalog.json" in r.url else None)
    open_list(page, site + "instant/")
    wait_count(page, "10,000 of 10,000 products")
    # document$ emitted at subscription; DOMContentLoaded came too; again, by hand:
    page.evaluate("window.document$.next(); window.pzList.init()")
    assert page.locator(".pz-table").count() == 1
    assert page.evaluate("window.__pzTimings.renders") == 1

    # Instant navigation swaps the content, then document$ emits.
    page.evaluate("""() => {
        const div = document.createElement("div");
        div.className = "pz-list";
        div.dataset.section = "official";
        div.dataset.catalog = "../catalog.json";
        div.dataset.siteRoot = "../";
        document.querySelector("main").replaceChildren(div);
        window.document$.next();
    }""")
    page.wait_for_selector(".pz-list[data-pz-state=ready] th.pz-col-name")
    assert page.locator(".pz-table").count() == 1
    assert page.text_content(".pz-count").endswith(" products")
    assert page.text_content(".pz-count") != "10,000 of 10,000 products"
    assert len(requests) == 1  # the catalog is fetched once per page load
    page_log.assert_clean()


def test_missing_catalog_is_reported(page, page_log, site):
    page.goto(site + "broken/")
    page.wait_for_selector(".pz-list[data-pz-state=error]")
    assert "could not be loaded" in page.text_content(".pz-list")
    assert "HTTP 404" in page.text_content(".pz-list")
    assert page_log.page_errors == [] and page_log.dialogs == []
