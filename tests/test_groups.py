"""Products and releases restricted to groups: the vocabulary, the checks, the site paths
sealed under a group's key, and what the Python client shows to readers in and out of the
group."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pzbuild.config import Vocabulary
from pzbuild.errors import ConfigError
from pzbuild.model import Product, access_groups
from pzbuild.publish import site_groups
from pzbuild.validate import validate_catalog

from .restricted import (
    BY_ACCESS,
    BY_RELEASE,
    GROUP,
    RESTRICTED,
    RESTRICTED_RELEASE,
    RestrictedExample,
    build_restricted_example,
)
from .test_bad_inputs import build_case

REPO = Path(__file__).resolve().parents[1]


def _vocabulary(**release_groups: Any) -> dict[str, Any]:
    data = yaml.safe_load((REPO / "schema" / "vocabulary.yaml").read_text())
    for release, groups in release_groups.items():
        data["releases"][release.replace("_", ".")]["groups"] = groups
    return data


# -- the vocabulary ------------------------------------------------------------------------

def test_a_release_may_be_restricted_to_groups() -> None:
    vocab = Vocabulary.from_data(_vocabulary(dr1=["lsst-dr1", "desi"]), "v.yaml")
    assert vocab.release_groups == {"dr1": frozenset({"lsst-dr1", "desi"})}
    assert vocab.releases["dr1"] == "LSST DR1"
    plain = Vocabulary.from_data(_vocabulary(), "v.yaml")
    assert plain.release_groups == {}


@pytest.mark.parametrize("groups, words", [
    ("desi", "non-empty list"), ([], "non-empty list"), (["Bad Name"], "'Bad Name'"),
    ([3], "group 3"), (["-x"], "'-x'")])
def test_ill_formed_release_groups_are_refused(groups: Any, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        Vocabulary.from_data(_vocabulary(dr1=groups), "schema/vocabulary.yaml")
    text = str(info.value)
    assert "schema/vocabulary.yaml: releases.dr1.groups: C701" in text and words in text


def test_access_groups_of_a_product() -> None:
    releases = {"dr1": frozenset({"lsst", "desi"})}
    assert access_groups({"release": "dp1"}, releases) is None
    assert access_groups({"release": "dr1"}, releases) == {"lsst", "desi"}
    assert access_groups({"release": "dr1", "access": {"groups": ["desi"]}}, releases) == {
        "desi"}
    assert access_groups({"release": None, "access": {"groups": ["a", "b"]}}, {}) == {"a", "b"}


# -- the checks ----------------------------------------------------------------------------

def _case(tmp_path: Path, vocab: dict[str, Any] | None = None, **meta: Any) -> Path:
    """The bad-input catalog of the valid base product, with fields of product.yaml set."""
    root = build_case(tmp_path, "valid-base")
    path = root / "products" / "user" / "tester" / "valid-base" / "product.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(meta)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    if vocab is not None:
        (root / "schema" / "vocabulary.yaml").write_text(yaml.safe_dump(vocab))
    return root


def _readers(root: Path, **groups: list[str]) -> None:
    """access/users.yaml with one reader per keyword (handle=groups); ``old`` expired."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from pzbuild.seal.format import canonical_public_key

    users = []
    for handle, gs in groups.items():
        key = canonical_public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        entry: dict[str, Any] = {"handle": handle, "public_key": key, "groups": gs}
        if handle == "old":
            entry["expires"] = str(dt.date.today() - dt.timedelta(days=1))
        users.append(entry)
    (root / "access").mkdir(exist_ok=True)
    (root / "access" / "users.yaml").write_text(yaml.safe_dump({"users": users}))


def _found(root: Path) -> list[tuple[str, int | None, str]]:
    report = validate_catalog(root)
    return [(p.code, p.location.line, p.message) for p in report.problems]


def test_a_product_of_a_restricted_release_may_only_narrow_its_groups(tmp_path: Path) -> None:
    vocab = _vocabulary(dp1=["desi", "lsst"])
    root = _case(tmp_path / "a", vocab, type="training_set", release="dp1",
                 access={"groups": ["desi", "euclid"]})
    found = _found(root)
    assert [(c, m) for c, _, m in found] == [
        ("R416", "access.groups.1: 'euclid' is not a group of release 'dp1', which only "
                 "readers of 'desi', 'lsst' may open; name some of those groups, or none to "
                 "take the release's")]
    assert found[0][1] is not None and found[0][1] > 20  # the line of the group
    ok = _case(tmp_path / "b", vocab, type="training_set", release="dp1",
               access={"groups": ["lsst"]})
    assert _found(ok) == []


def test_a_group_no_current_reader_is_in_is_a_warning(tmp_path: Path) -> None:
    root = _case(tmp_path, access={"groups": ["desj"]})
    assert _found(root) == []  # no access list: `pzbuild access check` says so
    _readers(root, ann=["desi"], bob=[], old=["euclid"])
    found = _found(root)
    assert [c for c, _, _ in found] == ["R417"]
    assert "no current reader of access/users.yaml is in group 'desj' (did you mean 'desi'?)" \
        in found[0][2]
    report = validate_catalog(root)
    assert report.ok() and not report.ok(strict=True)  # a warning

    _readers(root, ann=["desi"], old=["desj"])  # expired: the build leaves them out
    assert [c for c, _, _ in _found(root)] == ["R417"]
    _readers(root, ann=["desi", "desj"])
    assert _found(root) == []


def test_a_restricted_release_nobody_may_open_is_a_warning(tmp_path: Path) -> None:
    root = _case(tmp_path, _vocabulary(dr1=["lsst-dr1"]))
    _readers(root, ann=["desi"])
    report = validate_catalog(root)
    assert [(p.code, p.location.path, p.location.pointer) for p in report.problems] == [
        ("R417", "schema/vocabulary.yaml", "/releases/dr1")]
    assert "releases.dr1.groups" in report.problems[0].format()


def test_derived_from_between_products_of_the_same_groups(tmp_path: Path) -> None:
    root = _case(tmp_path, access={"groups": [GROUP]})
    other = root / "products" / "user" / "tester" / "derived"
    other.mkdir()
    base = root / "products" / "user" / "tester" / "valid-base"
    (other / "specz.csv").write_bytes((base / "specz.csv").read_bytes())
    meta = yaml.safe_load((base / "product.yaml").read_text())
    meta.update(name="Derived spec-z", provenance={"derived_from": ["user/tester/valid-base"]})
    (other / "product.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    assert _found(root) == []  # both open to desi
    meta["access"] = {"groups": ["euclid"]}
    (other / "product.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    found = _found(root)
    assert [c for c, _, _ in found] == ["R418"]
    assert ("user/tester/valid-base is open to the readers of 'desi' but this product to "
            "the readers of 'euclid'") in found[0][2]


# -- site paths ----------------------------------------------------------------------------

def _product(pid: str, **meta: Any) -> Product:
    section, *rest = pid.split("/")
    return Product(pid, section, rest[0] if section == "user" else None, rest[-1],
                   Path("/nowhere"), meta)


def test_every_path_of_a_restricted_product_maps_to_its_groups() -> None:
    releases = {"dr1": frozenset({"lsst"})}
    products = [_product("official/open", release="dp1"),
                _product("official/closed", access={"groups": ["desi"]},
                         provenance={"promoted_from": {"id": "user/jo/closed"}}),
                _product("user/jo/deep", release="dr1"),
                _product("user/jo/deep-2", release=None)]
    groups_of = site_groups(products, releases)
    assert groups_of is not None
    for path in ("products/official/closed/index.html", "products/official/closed/product.json",
                 "products/official/closed/SHA256SUMS",
                 "products/official/closed/files/sub/data.parquet",
                 "products/official/closed/plots/nz.svg",
                 "products/user/jo/closed/index.html"):  # the redirect from its old id
        assert groups_of(path) == {"desi"}, path
    assert groups_of("products/user/jo/deep/files/x.csv") == {"lsst"}
    for path in ("products/official/open/index.html", "products/user/jo/deep-2/index.html",
                 "products/official/closed", "products/official/closedx/index.html",
                 "index.html", "catalog.json", "user/index.html", "official/closed/x"):
        assert groups_of(path) is None, path
    assert site_groups(products[:1] + products[3:], releases) is None


# -- the sealed example catalog, through the Python client ---------------------------------

@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> RestrictedExample:
    pytest.importorskip("material")
    return build_restricted_example(tmp_path_factory.mktemp("groups"))


def test_the_build_draws_one_key_for_the_group(example: RestrictedExample) -> None:
    assert example.seal.key_classes == 2
    assert example.seal.unopened == []
    assert sorted(example.seal.readers) == ["member", "outsider"]


def test_an_outsider_does_not_see_restricted_products(example: RestrictedExample) -> None:
    from pzbuild.client import Catalog
    from pzbuild.client.errors import ProductNotFound
    from pzbuild.seal import open_sealed

    cat = Catalog(example.site, key=example.outsider)
    everything = json.loads((example.plain / "catalog.json").read_text())["products"]
    ids = [e["id"] for e in cat.get_products_list()]
    assert ids == [e["id"] for e in everything if e["id"] not in RESTRICTED]
    assert not any(pid in cat for pid in RESTRICTED)
    assert RESTRICTED_RELEASE not in {r["name"] for r in cat.get_releases()}
    assert cat.get_products_list({"owner": "asmith"}) == []
    for pid in RESTRICTED:
        with pytest.raises(ProductNotFound, match="or it is not open to you") as info:
            cat.get_product_metadata(pid)
        assert all(s not in RESTRICTED for s in info.value.suggestions)
        with pytest.raises(ProductNotFound):
            cat.download_product(pid)

    site = open_sealed(example.site, example.outsider)
    assert not [p for p in site.paths() if p.startswith("products/user/asmith/")]
    search = json.loads(site.read("search/search_index.json"))
    assert not [d for d in search["docs"] if "asmith" in d["location"]]
    sitemap = site.read("sitemap.xml").decode()
    assert "products/official/" in sitemap and "asmith" not in sitemap


def test_a_member_sees_and_loads_them(example: RestrictedExample) -> None:
    from pzbuild.client import Catalog
    from pzbuild.seal import open_sealed

    cat = Catalog(example.site, key=example.member)
    everything = json.loads((example.plain / "catalog.json").read_text())
    assert cat.get_products_list() == everything["products"]  # in their places
    assert RESTRICTED_RELEASE in {r["name"] for r in cat.get_releases()}
    for pid in RESTRICTED:
        plain = json.loads((example.plain / "products" / pid / "product.json").read_text())
        assert cat.get_product_metadata(pid) == plain
        rows = plain["main"]["table"]["num_rows"]
        assert len(cat.get_product(pid)) == rows > 0
    site = open_sealed(example.site, example.member)
    search = json.loads(site.read("search/search_index.json"))
    assert json.loads((example.plain / "search/search_index.json").read_text()) == search
    files = [p for p in site.paths() if p.startswith(f"products/{BY_RELEASE}/files/")]
    assert files and all(site.read(p) == (example.plain / p).read_bytes() for p in files)
    assert site.entry(f"products/{BY_ACCESS}/index.html").key == 1
