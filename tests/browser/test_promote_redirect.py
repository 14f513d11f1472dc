"""A promoted product in Chromium: its old URL lands on its new page, whose History section
lists the commits made before the move, git's texts shown as text.

The example catalog is put in a git repository, a user product changed and promoted with
`pzbuild promote` (tests/test_promote.py), the plain site built and served over loopback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..test_history import HOSTILE_SUBJECT
from ..test_promote import NEW, OLD, promoted_catalog


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("material")
    if shutil.which("git") is None:
        pytest.skip("no git")
    from pzbuild.config import load_catalog
    from pzbuild.site.build import build_site

    tmp = tmp_path_factory.mktemp("promote")
    repo, _ = promoted_catalog(tmp)
    out = tmp / "site"
    result = build_site(load_catalog(repo.root), out, jobs=1)
    assert result.ok, result.problems
    return out


def test_the_old_url_lands_on_the_new_page(site, serve, page, page_log, screenshot) -> None:
    base = serve(site)
    page.goto(f"{base}products/{OLD}/")
    page.wait_for_url(f"{base}products/{NEW}/")
    assert page.locator("h1").first.inner_text() == "Linear colour-redshift model trained on " \
        "the synthetic ECDFS set"
    assert page.locator(".pz-product__badge").inner_text().casefold() == "official"

    history = page.locator("section.pz-product__history")
    history.scroll_into_view_if_needed()
    assert OLD in history.locator("dt:has-text('Formerly') + dd").inner_text()
    rows = history.locator("details.pz-product__commits tbody tr")
    assert not rows.first.is_visible()  # collapsed until asked for
    history.locator("details.pz-product__commits summary").click()
    assert rows.first.is_visible()
    messages = [rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count())]
    assert messages == [f"Promote {OLD} to {NEW}", HOSTILE_SUBJECT, "The example catalog"]
    # the hostile subject is text: no element was made from it, and no script ran
    assert history.locator("script, img, i").count() == 0
    screenshot(page, "promoted-history")
    page_log.assert_clean()


def test_the_old_json_url_gives_the_new_record(site, serve, page) -> None:
    base = serve(site)
    response = page.request.get(f"{base}products/{OLD}/product.json")
    assert response.ok and response.json()["id"] == NEW
