"""The Python client against built sites: a small plain site made here as
docs/design/site-format.md describes it, read from its folder and over loopback HTTP; the same
site sealed; and, when the site build exists, the build of the repository's example catalog."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pzbuild.cli import main
from pzbuild.client import (
    Catalog,
    ChecksumMismatch,
    ColumnNotFound,
    InvalidFilter,
    KeyRequired,
    NotACatalog,
    ProductNotFound,
    SiteUnavailable,
    UnsafePath,
    UnsupportedFormat,
    WrongKey,
    by_role,
)

from .conftest import copy_example_catalog

REPO = Path(__file__).resolve().parents[1]
N = 400


# -- a plain site, fabricated ---------------------------------------------------------------

@dataclass
class FakeFile:
    path: str
    role: str
    data: bytes
    format: str | None = None


@dataclass
class FakeProduct:
    id: str
    name: str
    type: str
    files: list[FakeFile]
    release: str | None = None
    tags: list[str] = field(default_factory=list)
    columns: dict[str, str | None] = field(default_factory=dict)
    table: str | None = None
    rows: int | None = None


TYPE_NAMES = {"redshift_catalog": "Spec-z Catalog", "training_set": "Training Set",
              "object_catalog": "Object Catalog", "training_results": "Training Results"}
RELEASE_NAMES = {"dp1": "LSST DP1", "dp0.2": "LSST DP0.2"}


def _frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "TARGETID": np.arange(1000, 1000 + N, dtype=np.int64),
        "TARGET_RA": rng.uniform(50, 60, N),
        "TARGET_DEC": rng.uniform(-30, -25, N),
        "Z": rng.uniform(0, 3, N),
        "ZERR": rng.uniform(0, 0.01, N).astype(np.float32),
        "SURVEY": rng.choice(["DESI", "VVDS", "zCOSMOS"], N),
    })


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _fits_bytes(seed: int) -> bytes:
    from astropy.io import fits
    from astropy.table import Table

    rng = np.random.default_rng(seed)
    obj = Table({"objectId": np.arange(N, dtype=np.int64), "coord_ra": rng.uniform(0, 1, N),
                 "coord_dec": rng.uniform(0, 1, N),
                 "g_mag": rng.uniform(20, 26, N).astype(np.float32),
                 "flux_vec": rng.normal(size=(N, 3))})
    other = Table({"a": [1, 2, 3]})
    hdus = [fits.PrimaryHDU(), fits.BinTableHDU(other, name="OTHER"),
            fits.BinTableHDU(obj, name="OBJECT")]
    buf = io.BytesIO()
    fits.HDUList(hdus).writeto(buf)
    return buf.getvalue()


def _hdf5_bytes(seed: int) -> bytes:
    import h5py

    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        g = f.create_group("photometry")
        g["id"] = np.arange(N, dtype=np.int64)
        g["ra"] = rng.uniform(0, 1, N)
        g["redshift"] = rng.uniform(0, 2, N)
        g["mag_i"] = rng.uniform(18, 25, N).astype(np.float32)
        g["pdf"] = rng.uniform(size=(N, 5))
        g["zgrid"] = np.linspace(0, 3, 7)  # another length: not a column
        m = f.create_group("meta")
        m["version"] = np.arange(2)
    return buf.getvalue()


def fake_products() -> list[FakeProduct]:
    specz = _frame(1)
    csv = _frame(2).to_csv(index=False).encode()
    return [
        FakeProduct("official/specz-parquet", "DESI-like redshifts", "redshift_catalog",
                    [FakeFile("specz.parquet", "main", _parquet_bytes(specz), "parquet"),
                     FakeFile("README.md", "description", b"# Spec-z\n\nSome words.\n")],
                    tags=["spectroscopic", "desi"], rows=N,
                    columns={"id": "TARGETID", "ra": "TARGET_RA", "dec": "TARGET_DEC",
                             "z": "Z", "z_err": "ZERR", "z_flag": None, "survey": "SURVEY"}),
        FakeProduct("official/objects-fits", "Objects in FITS", "object_catalog",
                    [FakeFile("objects.fits", "main", _fits_bytes(3), "fits")], release="dp1",
                    tags=["objects"], columns={"id": "objectId", "ra": "coord_ra",
                                               "dec": "coord_dec"}, table="OBJECT", rows=N),
        FakeProduct("user/alice/specz-csv", "A CSV compilation", "redshift_catalog",
                    [FakeFile("data/specz.csv", "main", csv, "csv")], tags=["Spectroscopic"],
                    columns={"ra": "TARGET_RA", "dec": "TARGET_DEC", "z": "Z"}, rows=N),
        FakeProduct("user/bob/training-hdf5", "Training set in HDF5", "training_set",
                    [FakeFile("train.hdf5", "main", _hdf5_bytes(4), "hdf5"),
                     FakeFile("conf/selection.yaml", "auxiliary", b"cut: i < 25\n")],
                    release="dp1", columns={"id": "id", "z": "redshift"}, table="photometry",
                    rows=N),
        FakeProduct("user/bob/linear-model", "A trained model", "training_results",
                    [FakeFile("model.json", "main", b'{"a": 1}\n'),
                     FakeFile("sub dir/notes.txt", "auxiliary", b"hello\n")],
                    release="dp0.2"),
    ]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def product_record(p: FakeProduct) -> dict[str, Any]:
    section, owner = ("official", None) if p.id.startswith("official/") else \
        ("user", p.id.split("/")[1])
    url = f"products/{p.id}/"
    files = [{"path": f.path, "role": f.role, "size": len(f.data), "sha256": _sha(f.data),
              "format": f.format, "url": f"{url}files/{f.path}"} for f in p.files]
    main = next(f for f in files if f["role"] == "main")
    desc = next((f.data.decode() for f in p.files if f.role == "description"), None)
    return {
        "version": 1, "id": p.id, "name": p.name, "section": section,
        "official": section == "official", "owner": owner, "slug": p.id.rsplit("/", 1)[1],
        "type": p.type, "type_name": TYPE_NAMES[p.type], "release": p.release,
        "release_name": RELEASE_NAMES.get(p.release or ""), "pz_code": None,
        "description": f"About {p.name}.", "authors": [{"name": "A. Person"}],
        "license": "CC-BY-4.0", "tags": p.tags, "created": "2025-01-02",
        "updated": "2025-02-03", "files": files, "description_file": desc,
        "columns": p.columns, "null_values": [], "table": p.table,
        "provenance": {"derived_from": [], "used_by": [], "software": None, "config": None,
                       "notes": None},
        "citation": None,
        "main": {**main, "table": {"num_rows": p.rows, "columns": []} if p.rows else None,
                 "error": None},
        "url": url, "sha256sums": f"{url}SHA256SUMS",
    }


def catalog_entry(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rec["id"], "name": rec["name"], "section": rec["section"],
        "official": rec["official"], "type": rec["type"], "type_name": rec["type_name"],
        "release": rec["release"], "release_name": rec["release_name"], "owner": rec["owner"],
        "authors": [a["name"] for a in rec["authors"]], "tags": rec["tags"],
        "summary": rec["description"],
        "rows": (rec["main"]["table"] or {}).get("num_rows"),
        "size": sum(f["size"] for f in rec["files"]), "n_files": len(rec["files"]),
        "created": rec["created"], "updated": rec["updated"], "url": rec["url"],
        "json": f"{rec['url']}product.json"}


def write_site(root: Path, products: list[FakeProduct], *, vocabulary: bool = False) -> Path:
    """A plain site as docs/design/site-format.md lays it out."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text("<html><body>catalog</body></html>\n")
    entries = []
    for p in products:
        rec = product_record(p)
        folder = root / "products" / p.id
        for f in p.files:
            dest = folder / "files" / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(f.data)
        (folder / "product.json").write_text(json.dumps(rec, indent=1))
        (folder / "SHA256SUMS").write_text(
            "".join(f"{f['sha256']}  {f['path']}\n" for f in rec["files"]))
        (folder / "index.html").write_text(f"<html><body>{p.name}</body></html>\n")
        entries.append(catalog_entry(rec))
    doc: dict[str, Any] = {"version": 1, "$schema": "https://example.org/catalog.schema.json",
                           "title": "Test catalog", "generated": "2025-02-03T00:00:00+00:00",
                           "products": sorted(entries, key=lambda e: e["id"])}
    if vocabulary:
        doc["vocabulary"] = {
            "product_types": {k: {"display_name": v, "description": f"{v}s."}
                              for k, v in TYPE_NAMES.items()} | {
                "other": {"display_name": "Other", "description": "Anything else."}},
            "releases": {k: {"display_name": v} for k, v in RELEASE_NAMES.items()}}
    (root / "catalog.json").write_text(json.dumps(doc, indent=1))
    return root


# -- serving over loopback ----------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    url: str
    server: http.server.ThreadingHTTPServer
    requests: list[str] = field(default_factory=list)


def serve(root: Path, handler: type[http.server.BaseHTTPRequestHandler] | None = None
          ) -> Iterator[Served]:
    log: list[str] = []

    class Handler(handler or _Quiet):  # type: ignore[misc]
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(root), **kw)

        def send_head(self) -> Any:
            log.append(self.path)
            return super().send_head()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/", server, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(tmp_path_factory.mktemp("plain") / "site", fake_products())


@pytest.fixture(scope="module")
def http_url(plain_site: Path) -> Iterator[str]:
    for served in serve(plain_site):
        yield served.url


@pytest.fixture(params=["local", "http"])
def site(request: pytest.FixtureRequest, plain_site: Path) -> str:
    if request.param == "local":
        return str(plain_site)
    return request.getfixturevalue("http_url")


@pytest.fixture
def cat(site: str) -> Catalog:
    return Catalog(site, retry_delay=0.01)


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key from the person running the tests: no PZ_KEY, an empty config folder."""
    monkeypatch.delenv("PZ_KEY", raising=False)
    monkeypatch.delenv("PZ_SITE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


# -- import --------------------------------------------------------------------------------

def test_import_is_light() -> None:
    heavy = ["pandas", "pyarrow", "numpy", "astropy", "h5py", "mkdocs", "jinja2",
             "matplotlib", "cryptography", "yaml", "click", "tables"]
    code = ("import sys, pzbuild.client; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# -- the collection ------------------------------------------------------------------------

def test_collection(cat: Catalog, site: str) -> None:
    assert len(cat) == 5
    assert list(cat) == sorted(p.id for p in fake_products())
    assert "official/specz-parquet" in cat
    assert "/products/official/specz-parquet/" in cat
    assert "official/nope" not in cat and 42 not in cat
    assert cat["user/alice/specz-csv"]["owner"] == "alice"
    assert repr(cat).startswith("<Catalog ") and "5 products" in repr(cat)
    assert cat.title == "Test catalog" and not cat.sealed


def test_types_and_releases_derived_from_entries(cat: Catalog) -> None:
    types = {t["name"]: t for t in cat.get_product_types()}
    assert set(types) == {"redshift_catalog", "object_catalog", "training_set",
                          "training_results"}
    assert types["redshift_catalog"]["display_name"] == "Spec-z Catalog"
    assert types["redshift_catalog"]["count"] == 2
    releases = {r["name"]: r for r in cat.get_releases()}
    assert releases == {"dp0.2": {"name": "dp0.2", "display_name": "LSST DP0.2", "count": 1},
                        "dp1": {"name": "dp1", "display_name": "LSST DP1", "count": 2}}


def test_types_from_the_published_vocabulary(tmp_path: Path) -> None:
    cat = Catalog(write_site(tmp_path / "s", fake_products(), vocabulary=True))
    types = {t["name"]: t for t in cat.get_product_types()}
    assert types["other"] == {"name": "other", "display_name": "Other",
                              "description": "Anything else.", "count": 0}
    with pytest.raises(InvalidFilter, match="did you mean 'redshift_catalog'"):
        cat.get_products_list({"type": "redshift_catalogue"})
    assert cat.get_products_list({"type": "other"}) == []


# -- filters -------------------------------------------------------------------------------

def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entries]


@pytest.mark.parametrize(("filters", "expected"), [
    (None, ["official/objects-fits", "official/specz-parquet", "user/alice/specz-csv",
            "user/bob/linear-model", "user/bob/training-hdf5"]),
    ({"type": "redshift_catalog"}, ["official/specz-parquet", "user/alice/specz-csv"]),
    ({"type": "Spec-z Catalog"}, ["official/specz-parquet", "user/alice/specz-csv"]),
    ({"type__in": ["object_catalog", "training_set"]},
     ["official/objects-fits", "user/bob/training-hdf5"]),
    ({"release": "dp1"}, ["official/objects-fits", "user/bob/training-hdf5"]),
    ({"release": "LSST DP0.2"}, ["user/bob/linear-model"]),
    ({"release": None}, ["official/specz-parquet", "user/alice/specz-csv"]),
    ({"release__in": ["dp0.2", None]},
     ["official/specz-parquet", "user/alice/specz-csv", "user/bob/linear-model"]),
    ({"official": True}, ["official/objects-fits", "official/specz-parquet"]),
    ({"official": "false", "release": "dp1"}, ["user/bob/training-hdf5"]),
    ({"owner": "bob"}, ["user/bob/linear-model", "user/bob/training-hdf5"]),
    ({"owner__in": ["alice", "carol"]}, ["user/alice/specz-csv"]),
    ({"tag": "spectroscopic"}, ["official/specz-parquet", "user/alice/specz-csv"]),
    ({"tag__in": ["desi", "objects"]}, ["official/objects-fits", "official/specz-parquet"]),
    ({"name": "csv"}, ["user/alice/specz-csv"]),
    ({"name": "TRAIN"}, ["user/bob/linear-model", "user/bob/training-hdf5"]),
    ({"name": "hdf5"}, ["user/bob/training-hdf5"]),
    ({"section": "user", "type": "redshift_catalog"}, ["user/alice/specz-csv"]),
])
def test_filters(cat: Catalog, filters: dict[str, Any] | None, expected: list[str]) -> None:
    assert _ids(cat.get_products_list(filters)) == expected


def test_bad_filters(cat: Catalog) -> None:
    with pytest.raises(InvalidFilter, match=r"unknown filter 'typ'; did you mean 'type'\? "
                                            r"valid filters: type, release, official"):
        cat.get_products_list({"typ": "x"})
    with pytest.raises(InvalidFilter, match="takes a list"):
        cat.get_products_list({"type__in": "redshift_catalog"})
    with pytest.raises(InvalidFilter, match="true or false"):
        cat.get_products_list({"official": "maybe"})
    with pytest.raises(InvalidFilter, match="must be a dict"):
        cat.get_products_list(["type"])  # type: ignore[arg-type]
    # the entries handed out are copies: changing them changes nothing
    cat.get_products_list()[0]["name"] = "changed"
    assert cat.get_products_list()[0]["name"] != "changed"


def test_display_products_list(cat: Catalog) -> None:
    df = cat.display_products_list({"owner": "bob"})
    assert list(df.columns) == ["id", "name", "type", "release", "official", "owner", "rows",
                                "size", "updated"]
    assert df["type"].tolist() == ["Training Results", "Training Set"]
    assert df["release"].tolist() == ["LSST DP0.2", "LSST DP1"]
    assert df["rows"].tolist()[1] == N and pd.isna(df["rows"].tolist()[0])
    assert df["size"].iloc[0].endswith(" B")
    assert cat.display_products_list({"name": "nothing like it"}).empty


# -- one product ---------------------------------------------------------------------------

def test_metadata(cat: Catalog, plain_site: Path) -> None:
    meta = cat.get_product_metadata("official/specz-parquet")
    on_disk = json.loads((plain_site / "products/official/specz-parquet/product.json")
                         .read_text())
    assert meta == on_disk
    assert cat.get_product_metadata("products/official/specz-parquet/index.html") == on_disk
    meta["name"] = "changed"
    assert cat.get_product_metadata("official/specz-parquet")["name"] != "changed"


SKY_PRODUCT = "official/specz-parquet"


def _with_sky(plain_site: Path, root: Path, sky: dict[str, Any]) -> Path:
    """A copy of the plain site whose first product has ``sky`` as its sky density."""
    site = Path(shutil.copytree(plain_site, root))
    path = site / "products" / SKY_PRODUCT / "product.json"
    rec = json.loads(path.read_text())
    rec["main"]["table"] = {"num_rows": 3, "columns": [], "sky_density": sky}
    path.write_text(json.dumps(rec, separators=(",", ":")))
    return site


def test_the_packed_sky_density_as_lists(plain_site: Path, tmp_path: Path) -> None:
    from pzbuild.site.skygrid import compact

    grid = [[0, 3, 0, 70000], [1, 0, 0, 2], [0, 0, 5, 0]]
    sky = {"ra_column": "ra", "dec_column": "dec", "ra_edges": [10.0, 10.25, 10.5, 10.75, 11.0],
           "dec_edges": [-5.0, -4.9, -4.3, -4.0], "counts": grid, "ra_wraps": False}
    packed = compact(sky)
    assert packed["counts"]["dtype"] == "<u4" and packed["ra_edges"] == {
        "start": 10.0, "step": 0.25, "n": 5}
    assert packed["dec_edges"] == sky["dec_edges"]  # uneven: kept as a list
    cat = Catalog(_with_sky(plain_site, tmp_path / "site", packed))
    assert cat.get_sky_density(SKY_PRODUCT) == sky
    # the record itself is product.json as it is
    assert cat.get_product_metadata(SKY_PRODUCT)["main"]["table"]["sky_density"] == packed
    assert cat.get_sky_density("user/bob/linear-model") is None  # no table


@pytest.mark.parametrize("counts", [
    {"encoding": "zlib+base64", "dtype": "<u1", "shape": [2, 2], "data": "!!not base64"},
    {"encoding": "zlib+base64", "dtype": "<u1", "shape": [2, 2], "data": "eJxjYAAAAAQAAQ=="},
    {"encoding": "gzip", "dtype": "<u1", "shape": [1, 1], "data": ""},
    {"encoding": "zlib+base64", "dtype": "<f8", "shape": [1, 1], "data": ""},
    {"encoding": "zlib+base64", "dtype": "<u1", "shape": [1], "data": ""},
])
def test_a_sky_density_that_does_not_decode_names_the_product(
        plain_site: Path, tmp_path: Path, counts: dict[str, Any]) -> None:
    from pzbuild.client import SiteFormatError

    sky = {"ra_column": "ra", "dec_column": "dec", "ra_edges": [0.0, 1.0, 2.0],
           "dec_edges": [0.0, 1.0, 2.0], "counts": counts}
    cat = Catalog(_with_sky(plain_site, tmp_path / "site", sky))
    with pytest.raises(SiteFormatError,
                       match=f"{SKY_PRODUCT}/product.json: main.table.sky_density"):
        cat.get_sky_density(SKY_PRODUCT)


def test_unknown_product_suggests(cat: Catalog) -> None:
    with pytest.raises(ProductNotFound, match=r"did you mean 'official/specz-parquet'") as e:
        cat.get_product_metadata("official/specz-parqet")
    assert e.value.suggestions[0] == "official/specz-parquet"
    with pytest.raises(ProductNotFound, match="did you mean 'user/alice/specz-csv'"):
        cat.get_product("specz-csv")
    with pytest.raises(ProductNotFound, match="get_products_list"):
        cat.download_product("official/zzzzzzzzzzzzzzzzzzz")
    with pytest.raises(KeyError):  # a ProductNotFound is a LookupError, as for a dict
        cat["nope"]


def _site_file(site_root: Path, pid: str, path: str) -> Path:
    return site_root / "products" / pid / "files" / path


def test_get_product_parquet(cat: Catalog, plain_site: Path) -> None:
    df = cat.get_product("official/specz-parquet")
    direct = pd.read_parquet(_site_file(plain_site, "official/specz-parquet", "specz.parquet"))
    pd.testing.assert_frame_equal(df, direct)
    assert df.attrs["roles"] == {"id": "TARGETID", "ra": "TARGET_RA", "dec": "TARGET_DEC",
                                 "z": "Z", "z_err": "ZERR", "survey": "SURVEY"}
    assert df.attrs["product"] == "official/specz-parquet"
    pd.testing.assert_series_equal(by_role(df, "z"), direct["Z"])
    z = cat.column("official/specz-parquet", "z")
    np.testing.assert_array_equal(z.to_numpy(), direct["Z"].to_numpy())
    some = cat.get_product("official/specz-parquet", columns=["Z", "TARGET_RA"])
    assert list(some.columns) == ["Z", "TARGET_RA"]
    assert some.attrs["roles"] == {"ra": "TARGET_RA", "z": "Z"}
    with pytest.raises(ColumnNotFound, match="no column 'nope'"):
        cat.get_product("official/specz-parquet", columns=["nope"])
    with pytest.raises(ColumnNotFound, match="no column with the role 'z_flag'"):
        cat.column("official/specz-parquet", "z_flag")
    with pytest.raises(ColumnNotFound):
        by_role(df, "z_flag")
    t = cat.get_product("official/specz-parquet", astropy=True)
    assert t.colnames == list(direct.columns) and t.meta["roles"]["z"] == "Z"
    np.testing.assert_array_equal(np.asarray(by_role(t, "z")), direct["Z"].to_numpy())


def test_get_product_csv(cat: Catalog, plain_site: Path) -> None:
    df = cat.get_product("user/alice/specz-csv")
    direct = pd.read_csv(_site_file(plain_site, "user/alice/specz-csv", "data/specz.csv"))
    pd.testing.assert_frame_equal(df, direct)
    assert by_role(df, "z").name == "Z"
    t = cat.get_product("user/alice/specz-csv", astropy=True)
    assert t.colnames == list(direct.columns) and t.meta["roles"]["dec"] == "TARGET_DEC"
    np.testing.assert_allclose(np.asarray(t["Z"]), direct["Z"].to_numpy())


def test_get_product_fits(cat: Catalog, plain_site: Path) -> None:
    from astropy.table import Table

    path = _site_file(plain_site, "official/objects-fits", "objects.fits")
    direct = Table.read(path, hdu="OBJECT")
    t = cat.get_product("official/objects-fits", astropy=True)
    assert t.colnames == direct.colnames
    for name in direct.colnames:
        np.testing.assert_array_equal(np.asarray(t[name]), np.asarray(direct[name]))
    assert t.meta["roles"] == {"id": "objectId", "ra": "coord_ra", "dec": "coord_dec"}
    df = cat.get_product("official/objects-fits")
    assert list(df.columns) == direct.colnames
    np.testing.assert_array_equal(df["g_mag"].to_numpy(), np.asarray(direct["g_mag"]))
    np.testing.assert_array_equal(np.stack(df["flux_vec"].to_list()),
                                  np.asarray(direct["flux_vec"]))
    other = cat.get_product("official/objects-fits", table="OTHER")
    assert other["a"].tolist() == [1, 2, 3]
    with pytest.raises(UnsupportedFormat, match="no table HDU 'MISSING'; its tables: 1 "
                                                r"\(OTHER\), 2 \(OBJECT\)"):
        cat.get_product("official/objects-fits", table="MISSING")


def test_get_product_hdf5(cat: Catalog, plain_site: Path) -> None:
    import h5py

    df = cat.get_product("user/bob/training-hdf5")
    with h5py.File(_site_file(plain_site, "user/bob/training-hdf5", "train.hdf5")) as f:
        g = f["photometry"]
        assert list(df.columns) == ["id", "mag_i", "pdf", "ra", "redshift"]  # no zgrid
        for name in ("id", "mag_i", "ra", "redshift"):
            np.testing.assert_array_equal(df[name].to_numpy(), g[name][()])
        np.testing.assert_array_equal(np.stack(df["pdf"].to_list()), g["pdf"][()])
    assert by_role(df, "z").name == "redshift"
    t = cat.get_product("user/bob/training-hdf5", astropy=True)
    assert t["pdf"].shape == (N, 5)
    with pytest.raises(UnsupportedFormat, match="no table 'nope'; its tables: meta, photometry"):
        cat.get_product("user/bob/training-hdf5", table="nope")


def test_not_a_table(cat: Catalog) -> None:
    with pytest.raises(UnsupportedFormat, match=r"linear-model \(model.json\) is not a table.*"
                                                "download_product"):
        cat.get_product("user/bob/linear-model")


# -- downloads -----------------------------------------------------------------------------

def test_download(cat: Catalog, plain_site: Path, tmp_path: Path) -> None:
    folder = cat.download_product("user/bob/linear-model", save_in=tmp_path / "dl")
    assert folder == (tmp_path / "dl" / "linear-model").resolve()
    assert (folder / "model.json").read_bytes() == b'{"a": 1}\n'
    assert (folder / "sub dir" / "notes.txt").read_bytes() == b"hello\n"
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["linear-model"]
    folder = cat.download_product("official/specz-parquet", save_in=tmp_path / "dl")
    src = _site_file(plain_site, "official/specz-parquet", "specz.parquet")
    assert (folder / "specz.parquet").read_bytes() == src.read_bytes()
    # again: the intact files are kept, a damaged one is fetched anew
    (folder / "README.md").write_bytes(b"damaged")
    before = (folder / "specz.parquet").stat().st_mtime_ns
    cat.download_product("official/specz-parquet", save_in=tmp_path / "dl")
    assert (folder / "specz.parquet").stat().st_mtime_ns == before
    assert (folder / "README.md").read_bytes().startswith(b"# Spec-z")


def test_download_refuses_paths_leaving_the_folder(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", fake_products()[:1])
    meta_path = root / "products/official/specz-parquet/product.json"
    meta = json.loads(meta_path.read_text())
    meta["files"][1]["path"] = "../../escape.md"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(UnsafePath, match="escape.md"):
        Catalog(root).download_product("official/specz-parquet", save_in=tmp_path / "dl")
    assert not (tmp_path / "escape.md").exists()
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())


@pytest.fixture(params=["local", "http"])
def tampered(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A site whose Parquet file and linear model were changed after the build."""
    root = write_site(tmp_path / "site", fake_products())
    f = _site_file(root, "official/specz-parquet", "specz.parquet")
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    _site_file(root, "user/bob/linear-model", "sub dir/notes.txt").write_bytes(b"hellO\n")
    if request.param == "local":
        yield str(root)
    else:
        yield from (s.url for s in serve(root))


def test_tampered_file(tampered: str, tmp_path: Path) -> None:
    cat = Catalog(tampered, retry_delay=0.01)
    with pytest.raises(ChecksumMismatch, match="specz.parquet.*does not match its published "
                                               "SHA-256"):
        cat.get_product("official/specz-parquet")
    save_in = tmp_path / "dl"
    with pytest.raises(ChecksumMismatch, match="notes.txt"):
        cat.download_product("user/bob/linear-model", save_in=save_in)
    assert list(save_in.iterdir()) == []  # nothing: not the good file, not a partial one
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("pzbuild-*")
                 if p.stat().st_mtime > time.time() - 5]
    assert not [p for p in leftovers if p.suffix == ".parquet"]


def test_listed_file_missing_from_the_site(tmp_path: Path) -> None:
    from pzbuild.client import SiteFormatError

    root = write_site(tmp_path / "site", fake_products()[:1])
    _site_file(root, "official/specz-parquet", "specz.parquet").unlink()
    for served in serve(root):
        for where in (str(root), served.url):
            with pytest.raises(SiteFormatError, match="listed but missing"):
                Catalog(where).get_product("official/specz-parquet")


def test_progress_without_tqdm(capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pzbuild.client.fetch import Progress

    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with Progress(3_000_000, "big-file", enabled=True) as bar:
        for _ in range(3):
            bar.update(1_000_000)
    err = capsys.readouterr().err
    assert "big-file: 100% (3.0 MB of 3.0 MB)" in err and err.endswith("\n")
    with Progress(10**9, "quiet") as bar:  # not a terminal: no bar
        bar.update(10**9)
    assert capsys.readouterr().err == ""


# -- HTTP failures -------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down() -> None:
    start = time.monotonic()
    with pytest.raises(SiteUnavailable, match=r"cannot reach http://127.0.0.1:\d+/ \(tried 3 "
                                              "times\\)"):
        Catalog(f"http://127.0.0.1:{_free_port()}/", retries=2, retry_delay=0.01)
    assert time.monotonic() - start < 5


def test_5xx_is_retried(plain_site: Path) -> None:
    failures = {"left": 2}

    class Flaky(_Quiet):
        def send_head(self) -> Any:
            if self.path.endswith("catalog.json") and failures["left"] > 0:
                failures["left"] -= 1
                self.send_error(503, "busy")
                return None
            return super().send_head()

    for served in serve(plain_site, Flaky):
        cat = Catalog(served.url, retries=3, retry_delay=0.01)
        assert len(cat) == 5
    assert failures["left"] == 0


def test_4xx_is_not_retried(plain_site: Path) -> None:
    class Forbidden(_Quiet):
        def send_head(self) -> Any:
            self.send_error(403, "no")
            return None

    for served in serve(plain_site, Forbidden):
        with pytest.raises(SiteUnavailable, match="refused access"):
            Catalog(served.url, retries=3, retry_delay=5)


def test_broken_transfer_resumes(plain_site: Path) -> None:
    """A connection that drops halfway through a file is taken up again."""
    broken = {"left": 1}

    class Dropping(_Quiet):
        def copyfile(self, source: Any, outputfile: Any) -> None:
            if self.path.endswith(".parquet") and broken["left"] > 0:
                broken["left"] -= 1
                outputfile.write(source.read(1000))
                outputfile.flush()
                self.close_connection = True
                return
            super().copyfile(source, outputfile)

    for served in serve(plain_site, Dropping):
        df = Catalog(served.url, retry_delay=0.01).get_product("official/specz-parquet")
    assert broken["left"] == 0 and len(df) == N


def test_not_a_catalog(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotACatalog, match="neither catalog.json nor keystore.json"):
        Catalog(tmp_path / "empty")
    with pytest.raises(SiteUnavailable, match="does not exist"):
        Catalog(tmp_path / "absent")
    for served in serve(tmp_path / "empty"):
        with pytest.raises(NotACatalog):
            Catalog(served.url)


def test_newer_format_is_refused(tmp_path: Path) -> None:
    from pzbuild.client import SiteFormatError

    root = write_site(tmp_path / "s", fake_products()[:1])
    doc = json.loads((root / "catalog.json").read_text())
    doc["version"] = 2
    (root / "catalog.json").write_text(json.dumps(doc))
    with pytest.raises(SiteFormatError, match="version 2.*update pzbuild"):
        Catalog(root)


def test_site_from_environment(plain_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pzbuild.client import ClientError

    with pytest.raises(ClientError, match="PZ_SITE"):
        Catalog()
    monkeypatch.setenv("PZ_SITE", str(plain_site))
    assert len(Catalog()) == 5
    assert len(Catalog(plain_site / "catalog.json")) == 5


# -- sealed sites --------------------------------------------------------------------------

@dataclass
class SealedSite:
    root: Path
    pem: bytes
    other_pem: bytes
    group_pem: bytes


@pytest.fixture(scope="module")
def sealed(plain_site: Path, tmp_path_factory: pytest.TempPathFactory) -> SealedSite:
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives.asymmetric import ec

    from pzbuild.seal import Reader, seal_site
    from pzbuild.seal.format import canonical_public_key, private_key_pem

    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    readers = [Reader("alice", canonical_public_key(keys[0].public_key())),
               Reader("gina", canonical_public_key(keys[2].public_key()),
                      groups=frozenset({"bob-group"}))]

    def groups_of(path: str) -> set[str] | None:
        return {"bob-group"} if path.startswith("products/user/bob/") else None

    out = tmp_path_factory.mktemp("sealed") / "site"
    seal_site(plain_site, out, readers, groups_of=groups_of, chunk_size=4096)
    return SealedSite(out, *(private_key_pem(k) for k in keys))


@pytest.fixture(params=["local", "http"])
def sealed_url(request: pytest.FixtureRequest, sealed: SealedSite) -> Iterator[str]:
    if request.param == "local":
        yield str(sealed.root)
    else:
        yield from (s.url for s in serve(sealed.root))


def test_sealed_site(sealed: SealedSite, sealed_url: str, plain_site: Path,
                     tmp_path: Path) -> None:
    key_file = tmp_path / "alice.pem"
    key_file.write_bytes(sealed.pem)
    cat = Catalog(sealed_url, key=str(key_file), retry_delay=0.01)
    assert cat.sealed and "sealed" in repr(cat)
    # bob's products are only for the group
    assert list(cat) == ["official/objects-fits", "official/specz-parquet",
                         "user/alice/specz-csv"]
    with pytest.raises(ProductNotFound):
        cat.get_product_metadata("user/bob/training-hdf5")
    df = cat.get_product("official/specz-parquet")
    pd.testing.assert_frame_equal(
        df, pd.read_parquet(_site_file(plain_site, "official/specz-parquet", "specz.parquet")))
    fits = cat.get_product("official/objects-fits")
    assert len(fits) == N
    folder = cat.download_product("user/alice/specz-csv", save_in=tmp_path / "dl")
    assert (folder / "data/specz.csv").read_bytes() == _site_file(
        plain_site, "user/alice/specz-csv", "data/specz.csv").read_bytes()
    group_cat = Catalog(sealed_url, key=sealed.group_pem.decode())
    assert "user/bob/training-hdf5" in group_cat
    assert len(group_cat.get_product("user/bob/training-hdf5")) == N
    for text in (repr(cat), repr(group_cat), str(vars(cat))):
        assert "PRIVATE" not in text and sealed.pem.decode().splitlines()[1] not in text


def test_sealed_site_needs_the_right_key(sealed: SealedSite, sealed_url: str,
                                         tmp_path: Path) -> None:
    with pytest.raises(KeyRequired, match="PZ_KEY"):
        Catalog(sealed_url)
    with pytest.raises(WrongKey, match="not on the access list") as e:
        Catalog(sealed_url, key=sealed.other_pem)
    assert "PRIVATE" not in str(e.value)
    with pytest.raises(WrongKey, match="not a private key") as e:
        Catalog(sealed_url, key="-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----")
    assert "bm9wZQ" not in str(e.value)
    with pytest.raises(KeyRequired, match="missing.pem.*does not exist"):
        Catalog(sealed_url, key=tmp_path / "missing.pem")
    one_line = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg" + "A" * 60
    with pytest.raises(WrongKey, match="neither PEM text nor the path") as e:
        Catalog(sealed_url, key=one_line)
    assert "MIGHAgEA" not in str(e.value)


def test_sealed_key_from_environment(sealed: SealedSite, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    monkeypatch.setenv("PZ_KEY", sealed.pem.decode())
    assert len(Catalog(sealed.root)) == 3
    key_file = tmp_path / "k.pem"
    key_file.write_bytes(sealed.pem)
    monkeypatch.setenv("PZ_KEY", str(key_file))
    assert len(Catalog(sealed.root)) == 3
    monkeypatch.delenv("PZ_KEY")
    default = tmp_path / "config" / "pzbuild" / "key.pem"
    default.parent.mkdir(parents=True)
    default.write_bytes(sealed.pem)
    assert len(Catalog(sealed.root)) == 3


def test_sealed_tampered_blob(sealed: SealedSite, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(sealed.root, root)
    cat = Catalog(root, key=sealed.pem)
    pid = "official/specz-parquet"
    blob_dir = root / "_pz" / "b"
    size = cat.get_product_metadata(pid)["files"][0]["size"]
    # the Parquet file's blob is the one of its size plus header and tags; flip a byte
    blob = next(p for p in blob_dir.iterdir()
                if p.stat().st_size == 20 + size + 16 * -(-size // 4096))
    data = bytearray(blob.read_bytes())
    data[-100] ^= 1
    blob.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch, match="integrity check"):
        cat.get_product(pid)
    save_in = tmp_path / "dl"
    with pytest.raises(ChecksumMismatch):
        cat.download_product(pid, save_in=save_in)
    assert list(save_in.iterdir()) == []


# -- the command line ----------------------------------------------------------------------

def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_list_show_get(site: str, tmp_path: Path) -> None:
    code, out, err = run("list", "--site", site)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "TYPE", "RELEASE", "ROWS", "SIZE", "NAME"]
    assert len(lines) == 6
    code, out, _ = run("list", "--site", site, "--type", "redshift_catalog", "--format", "json")
    assert code == 0 and _ids(json.loads(out)) == ["official/specz-parquet",
                                                    "user/alice/specz-csv"]
    code, out, _ = run("show", "official/objects-fits", "--site", site)
    assert code == 0 and "Objects in FITS  (official/objects-fits)" in out
    assert "roles    id=objectId, ra=coord_ra, dec=coord_dec" in out
    code, out, _ = run("show", "official/objects-fits", "--site", site, "--format", "json")
    assert json.loads(out)["table"] == "OBJECT"
    code, out, _ = run("get", "user/bob/linear-model", "--site", site, "--out",
                       str(tmp_path))
    assert code == 0 and Path(out.strip()) == (tmp_path / "linear-model").resolve()


def test_cli_errors(plain_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run("show", "official/specz")
    assert code == 2 and "PZ_SITE" in err
    monkeypatch.setenv("PZ_SITE", str(plain_site))
    code, _, err = run("show", "official/specz")
    assert code == 1
    assert err.startswith("Error: no product 'official/specz'")
    assert "Traceback" not in err
    code, _, err = run("list", "--format", "xml")
    assert code == 2


# -- the real build ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plain site of a copy of the repository's example catalog, built by the build."""
    try:
        from pzbuild.site.build import build_site  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        pytest.skip("pzbuild.site.build is not there yet")
    from pzbuild.config import load_catalog

    root = copy_example_catalog(tmp_path_factory.mktemp("example") / "catalog")
    out = root.parent / "site"
    result = build_site(load_catalog(root), out, plain=True, jobs=1)
    assert result.ok, result.problems
    return out


def test_against_the_build_of_the_example_catalog(built_site: Path, tmp_path: Path) -> None:
    for served in serve(built_site):
        for where in (str(built_site), served.url):
            cat = Catalog(where)
            ids = sorted(p.parent.relative_to(REPO / "products").as_posix()
                         for p in (REPO / "products").rglob("product.yaml"))
            assert sorted(cat) == ids
            for pid in ids:
                meta = cat.get_product_metadata(pid)
                main_file = next(f for f in meta["files"] if f["role"] == "main")
                if main_file["format"] is None:
                    with pytest.raises(UnsupportedFormat):
                        cat.get_product(pid)
                    continue
                df = cat.get_product(pid)
                rows = ((meta["main"] or {}).get("table") or {}).get("num_rows")
                assert len(df) == rows, pid
                assert set(df.attrs["roles"].values()) <= set(df.columns), pid
                columns = [c["name"] for c in meta["main"]["table"]["columns"]]
                assert list(df.columns) == columns, pid
            for pid in ids:
                folder = cat.download_product(pid, save_in=tmp_path / where[:4])
                for f in cat.get_product_metadata(pid)["files"]:
                    assert (folder / f["path"]).stat().st_size == f["size"]


@pytest.fixture(scope="module")
def sealed_example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sealed site of a copy of the example catalog, as `pzbuild build` makes it, and the
    private key of its one reader."""
    from pzbuild.access import generate_key
    from pzbuild.config import load_catalog
    from pzbuild.publish import publish
    from pzbuild.seal import Reader

    base = tmp_path_factory.mktemp("sealed-example")
    root = copy_example_catalog(base / "catalog")
    key = generate_key(base / "keys" / "reader.pem")
    out = base / "site"
    published = publish(load_catalog(root), out, plain=False, jobs=1,
                        extra_readers=[Reader("reader", key.public_key)])
    assert published.build.ok and published.seal is not None
    return out, key.path


def test_every_method_on_the_sealed_example_catalog(sealed_example: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    site, key = sealed_example
    ids = sorted(p.parent.relative_to(REPO / "products").as_posix()
                 for p in (REPO / "products").rglob("product.yaml"))
    for served in serve(site):
        for where in (str(site), served.url):
            with pytest.raises(KeyRequired):
                Catalog(where).get_products_list()
            other = generate_other_key(tmp_path)
            with pytest.raises(WrongKey):
                Catalog(where, key=other).get_products_list()
            cat = Catalog(where, key=key)
            assert sorted(cat) == ids and len(cat) == len(ids)
            assert {t["name"] for t in cat.get_product_types()} >= {"redshift_catalog"}
            assert isinstance(cat.get_releases(), list)
            official = cat.get_products_list({"official": True})
            assert {e["id"] for e in official} == {i for i in ids if i.startswith("official/")}
            table = cat.display_products_list({"type__in": ["redshift_catalog"]})
            assert len(table) == 2
            df = cat.get_product("official/synth-specz-ecdfs")
            meta = cat.get_product_metadata("official/synth-specz-ecdfs")
            assert len(df) == meta["main"]["table"]["num_rows"] == 8000
            z = cat.column("official/synth-specz-ecdfs", "z")
            assert len(z) == 8000
            folder = cat.download_product("official/synth-specz-ecdfs",
                                          save_in=tmp_path / where[:4])
            for f in meta["files"]:
                data = (folder / f["path"]).read_bytes()
                assert hashlib.sha256(data).hexdigest() == f["sha256"]
                assert data == (REPO / "products" / "official" / "synth-specz-ecdfs"
                                / f["path"]).read_bytes()


def generate_other_key(tmp_path: Path) -> Path:
    from pzbuild.access import generate_key

    path = tmp_path / "other.pem"
    if not path.exists():
        generate_key(path)
    return path
