"""Products restricted to a group, in Chromium: two readers of the same sealed example
catalog (tests/restricted.py), one in the group and one not. The outsider's list page, list
search and theme search leave the restricted products out and their page URL is "not
found"; the member sees them in the list and the search and opens their pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ..restricted import BY_ACCESS, BY_RELEASE, RESTRICTED, RestrictedExample
from ..restricted import build_restricted_example as _build
from .test_site_e2e import expect_ids, login, wait_list


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> RestrictedExample:
    pytest.importorskip("material")
    return _build(tmp_path_factory.mktemp("sealed-groups"))


@pytest.fixture(scope="module")
def base(example: RestrictedExample, serve: Any) -> str:
    """The site at the path of its site_url (catalog.yaml), where the theme's own 404 page
    finds its assets: mkdocs writes that page with absolute links."""
    from pzbuild.config import load_catalog

    prefix = urlsplit(load_catalog(example.root).site_url).path.strip("/")
    host = example.site.parent / "host"
    folder = host / prefix if prefix else host
    folder.parent.mkdir(parents=True, exist_ok=True)
    if prefix:
        folder.symlink_to(example.site)
        return serve(host) + prefix + "/"
    return serve(example.site)


def _plain_catalog(example: RestrictedExample) -> dict[str, dict[str, Any]]:
    doc = json.loads((example.plain / "catalog.json").read_text("utf-8"))
    return {e["id"]: e for e in doc["products"]}


def _user_ids(example: RestrictedExample) -> set[str]:
    return {i for i, e in _plain_catalog(example).items() if e["section"] == "user"}


def _theme_search(page: Any, words: str) -> Any:
    search = page.locator(".md-search__input")
    search.click()
    search.fill("")
    search.press_sequentially(words, delay=20)
    return page.locator(".md-search-result")


WORD = "wide-field"  # in the names of both restricted products, and of no other


def test_the_word_singles_out_the_restricted_products(example: RestrictedExample) -> None:
    named = {i for i, e in _plain_catalog(example).items() if WORD in e["name"].lower()}
    assert named == set(RESTRICTED)


def test_an_outsider_sees_neither_list_entry_nor_page(page: Any, page_log: Any, base: str,
                                                      example: RestrictedExample,
                                                      screenshot: Any) -> None:
    names = [_plain_catalog(example)[pid]["name"] for pid in RESTRICTED]
    login(page, base, Path(example.outsider).read_text())
    page.goto(base + "user/")
    wait_list(page)
    expect_ids(page, _user_ids(example) - set(RESTRICTED))
    page.locator("input.pz-search").press_sequentially(WORD, delay=20)
    expect_ids(page, set())
    screenshot(page, "groups-outsider-list")

    other = next(e for i, e in _plain_catalog(example).items() if i not in RESTRICTED
                 and e["section"] == "user")
    results = _theme_search(page, other["name"])  # the search works, and finds open products
    results.locator(".md-search-result__item", has_text=other["name"]).first.wait_for(
        timeout=20_000)
    for name in names:
        results = _theme_search(page, name)
        page.wait_for_function(f"() => document.querySelector('.md-search-result__meta')"
                               f".textContent.includes('matching') && document.querySelector("
                               f"'.md-search__input').value === {json.dumps(name)}",
                               timeout=20_000)
        assert results.locator("a[href*='products/user/asmith/']").count() == 0
        assert not any(n in results.inner_text() for n in names)

    for pid in RESTRICTED:
        response = page.goto(base + f"products/{pid}/")
        assert response.status == 404
        assert "not found" in page.inner_text("body").lower()
        assert not any(n in page.content() for n in names)

        response = page.goto(base + f"products/{pid}/product.json")
        assert response.status == 404 and pid not in page.content()
    screenshot(page, "groups-outsider-404")
    page_log.console_errors = [e for e in page_log.console_errors if "404" not in e]
    page_log.assert_clean()


def test_the_404_page_works_from_another_path_than_site_urls(page: Any, page_log: Any,
                                                              serve: Any,
                                                              example: RestrictedExample
                                                              ) -> None:
    """Served at the host's root, not at site_url's /pz-catalog/: the theme's 404 page still
    finds its style and scripts, and its links lead into the site."""
    base = serve(example.site)
    login(page, base, Path(example.outsider).read_text())
    response = page.goto(base + "products/official/no-such-product/")
    assert response.status == 404 and "not found" in page.inner_text("body").lower()
    styled = page.evaluate("() => [...document.styleSheets].filter(s => (s.href || '')"
                           ".startsWith(location.origin + '/assets/stylesheets/main.')"
                           " && s.cssRules.length).length")
    assert styled == 1
    assert page.evaluate("() => document.querySelector('a.md-logo').href") == base
    assert "_pz_site_root_" not in page.content()
    page_log.console_errors = [e for e in page_log.console_errors
                               if "404" not in e or "no-such-product" not in e]
    page_log.assert_clean()


def test_a_member_sees_and_opens_them(page: Any, page_log: Any, base: str,
                                      example: RestrictedExample, screenshot: Any) -> None:
    catalog = _plain_catalog(example)
    login(page, base, Path(example.member).read_text())
    page.goto(base + "user/")
    wait_list(page)
    expect_ids(page, _user_ids(example))
    page.locator("input.pz-search").press_sequentially(WORD, delay=20)
    expect_ids(page, set(RESTRICTED))
    screenshot(page, "groups-member-list")

    results = _theme_search(page, WORD)
    item = results.locator(".md-search-result__item", has_text=catalog[BY_ACCESS]["name"])
    item.first.wait_for(timeout=20_000)
    with page.expect_navigation():
        item.first.locator("a").first.click()
    assert page.locator(".pz-product h1").inner_text() == catalog[BY_ACCESS]["name"]

    response = page.goto(base + f"products/{BY_RELEASE}/")
    assert response.status == 200
    assert page.locator(".pz-product h1").inner_text() == catalog[BY_RELEASE]["name"]
    screenshot(page, "groups-member-product")
    page_log.assert_clean()
