"""The catalog of a built pzbuild site, with the method names of the pzserver client.

    >>> from pzbuild.client import Catalog
    >>> cat = Catalog("https://example.org/pz-catalog/")          # or a local folder
    >>> cat.get_products_list({"type": "redshift_catalog", "release__in": ["dp1", None]})
    >>> df = cat.get_product("official/synth-specz-ecdfs")         # a pandas DataFrame
    >>> df.attrs["roles"]["z"], cat.column("official/synth-specz-ecdfs", "z")

The site's catalog.json is read once when the catalog is opened (``refresh()`` reads it
again); each product.json when it is first needed. A sealed site (one with keystore.json)
is opened with the reader's private key: see :mod:`pzbuild.client.sealed`.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..site.skygrid import expand as expand_sky
from . import readers
from .errors import (
    ClientError,
    ColumnNotFound,
    NotACatalog,
    ProductMoved,
    ProductNotFound,
    SiteFormatError,
    SiteUnavailable,
    UnsupportedFormat,
)
from .fetch import Progress, check_local, human_size, to_tempfile
from .filters import compile_filters
from .sealed import SealedTransport, is_sealed
from .transport import Missing, Transport, make_transport

FORMAT_VERSION = 1
SITE_ENV = "PZ_SITE"
#: The form of a product id: official/<slug> or user/<owner>/<slug>.
_ID = re.compile(r"(official/[a-z0-9][a-z0-9._-]*|user/[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9._-]*)")


def _normalise_id(product_id: str) -> str:
    """``official/x`` from what a reader may paste: ``/products/official/x/``,
    ``official/x/index.html``, ``.../official/x/product.json``."""
    pid = str(product_id).strip().strip("/")
    for tail in ("/index.html", "/product.json"):
        if pid.endswith(tail):
            pid = pid[: -len(tail)]
    if "products/" in pid and not pid.startswith(("official/", "user/")):
        pid = pid.split("products/", 1)[1]
    return pid.strip("/")


def _vocabulary(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]] | None:
    """``catalog.json`` ``vocabulary.<kind>`` as name → record; None when absent."""
    vocab = doc.get("vocabulary")
    if not isinstance(vocab, dict) or kind not in vocab:
        return None
    raw = vocab[kind]
    if isinstance(raw, dict):
        return {str(k): dict(v or {}) for k, v in raw.items()}
    if isinstance(raw, list):
        return {str(r["name"]): dict(r) for r in raw if isinstance(r, dict) and "name" in r}
    return None


class Catalog:
    """The products of a pzbuild site.

    ``site`` is an ``http(s)://`` URL or a local folder of a built site (default: the
    environment variable PZ_SITE). ``key`` is the reader's private key (a file path or PEM
    text) for a sealed site; without it PZ_KEY, then ``~/.config/pzbuild/key.pem`` are tried.
    ``headers`` go with every HTTP request (e.g. a proxy's token). Over HTTP, a request that
    fails to connect or gets a 5xx answer is tried ``retries`` more times, ``retry_delay``
    seconds later, then twice that, and so on.

    ``len(cat)``, ``"official/x" in cat`` and ``for product_id in cat`` work as on a dict of
    products; ``cat["official/x"]`` is the product's catalog entry.
    """

    def __init__(self, site: str | os.PathLike[str] | None = None, key: Any = None, *,
                 timeout: float = 30.0, retries: int = 3, retry_delay: float = 0.5,
                 headers: Mapping[str, str] | None = None) -> None:
        if site is None:
            site = os.environ.get(SITE_ENV) or None
            if site is None:
                raise ClientError(f"no site given: pass Catalog('https://...') or a folder, "
                                  f"or set {SITE_ENV}")
        text = os.fspath(site)
        options = ({"timeout": timeout, "retries": retries, "retry_delay": retry_delay,
                    "headers": headers} if text.startswith(("http://", "https://")) else {})
        inner = make_transport(text, **options)
        self.site: str = inner.label
        self.sealed = False
        self._transport: Transport = inner
        doc = self._first_catalog(inner, key)
        self._set_catalog(doc)

    # -- loading ------------------------------------------------------------------------------

    def _first_catalog(self, inner: Transport, key: Any) -> dict[str, Any]:
        """catalog.json in clear; else, when the site has a keystore, through the seal."""
        try:
            return self._read_json("catalog.json")
        except (Missing, SiteFormatError) as exc:
            first: ClientError = exc
        except SiteUnavailable as exc:
            if exc.status != 403:  # S3 answers 403 for a missing file
                raise
            first = exc
        if not is_sealed(inner):
            if isinstance(first, Missing):
                raise NotACatalog(f"no pzbuild catalog at {self.site}: it has neither "
                                  "catalog.json nor keystore.json (is it the root of a site "
                                  "built by `pzbuild build`?)") from None
            raise first
        self._transport = SealedTransport(inner, key)
        self.sealed = True
        try:
            return self._read_json("catalog.json")
        except Missing:
            raise SiteFormatError(f"the sealed site at {self.site} opens with your key but "
                                  "has no catalog.json inside") from None

    def _read_json(self, path: str) -> Any:
        data = self._transport.read(path)
        try:
            doc = json.loads(data)
        except ValueError:
            raise SiteFormatError(f"{path} at {self.site} is not JSON") from None
        if not isinstance(doc, dict):
            raise SiteFormatError(f"{path} at {self.site} is not a JSON object")
        version = doc.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise SiteFormatError(f"{path} at {self.site} is format version {version}; this "
                                  f"client reads version {FORMAT_VERSION}: update pzbuild")
        return doc

    def _set_catalog(self, doc: dict[str, Any]) -> None:
        products = doc.get("products")
        if not isinstance(products, list):
            raise SiteFormatError(f"catalog.json at {self.site} has no products list")
        self.title: str = str(doc.get("title") or "")
        self.generated: str | None = doc.get("generated")
        self._doc = doc
        self._entries: dict[str, dict[str, Any]] = {
            str(e["id"]): e for e in products if isinstance(e, dict) and "id" in e}
        self._meta: dict[str, dict[str, Any]] = {}
        self._moved: dict[str, str | None] = {}  # old id -> new id of promoted products

    def refresh(self) -> None:
        """Read catalog.json again (after the site was rebuilt)."""
        self._set_catalog(self._read_json("catalog.json"))

    # -- the collection -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __contains__(self, product_id: object) -> bool:
        return isinstance(product_id, str) and _normalise_id(product_id) in self._entries

    def __getitem__(self, product_id: str) -> dict[str, Any]:
        return copy.deepcopy(self._entry(product_id))

    def __repr__(self) -> str:
        sealed = ", sealed" if self.sealed else ""
        n = len(self._entries)
        return f"<Catalog {self.site} ({n} product{'s' if n != 1 else ''}{sealed})>"

    def _resolve(self, product_id: str) -> str:
        pid = _normalise_id(product_id)
        if pid in self._entries:
            return pid
        moved = self._moved.get(pid) if pid in self._moved else self._promoted(pid)
        if moved is not None:
            warnings.warn(f"product {pid!r} was promoted and is now {moved!r}: use the new id",
                          ProductMoved, stacklevel=4)
            return moved
        ids = list(self._entries)
        tail = [i for i in ids if i.rsplit("/", 1)[-1] == pid.rsplit("/", 1)[-1]]
        close = difflib.get_close_matches(pid, ids, n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(tail + close))[:3]
        raise ProductNotFound(str(product_id), suggestions, self.site, sealed=self.sealed)

    def _promoted(self, pid: str) -> str | None:
        """The new id of a product promoted from ``pid``: the site keeps its record at the
        old URL (docs/design/site-format.md). Looked up once per id."""
        new = None
        if _ID.fullmatch(pid):
            try:
                doc = self._read_json(f"products/{pid}/product.json")
            except (Missing, SiteFormatError):
                doc = {}
            prov = doc.get("provenance")
            old = prov.get("promoted_from") if isinstance(prov, dict) else None
            if (isinstance(old, dict) and old.get("id") == pid
                    and doc.get("id") in self._entries):
                new = str(doc["id"])
        self._moved[pid] = new
        return new

    def _entry(self, product_id: str) -> dict[str, Any]:
        return self._entries[self._resolve(product_id)]

    # -- vocabulary ---------------------------------------------------------------------------

    def _names(self, kind: str, field: str) -> dict[str, dict[str, Any]]:
        vocab = _vocabulary(self._doc, kind)
        if vocab is not None:
            return vocab
        derived: dict[str, dict[str, Any]] = {}
        for e in self._entries.values():
            name = e.get(field)
            if name is not None and name not in derived:
                derived[str(name)] = {"display_name": e.get(f"{field}_name") or name}
        return dict(sorted(derived.items()))

    def _counts(self, field: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self._entries.values():
            counts[str(e.get(field))] = counts.get(str(e.get(field)), 0) + 1
        return counts

    def get_product_types(self) -> list[dict[str, Any]]:
        """The product types: ``name``, ``display_name``, ``description`` (when the site
        publishes its vocabulary) and ``count``, the number of products of that type."""
        counts = self._counts("type")
        return [{"name": name, "display_name": rec.get("display_name") or name,
                 "description": rec.get("description"), "count": counts.get(name, 0)}
                for name, rec in self._names("product_types", "type").items()]

    def get_releases(self) -> list[dict[str, Any]]:
        """The data releases: ``name``, ``display_name`` and ``count`` of products."""
        counts = self._counts("release")
        return [{"name": name, "display_name": rec.get("display_name") or name,
                 "count": counts.get(name, 0)}
                for name, rec in self._names("releases", "release").items()]

    # -- lists --------------------------------------------------------------------------------

    def get_products_list(self, filters: Mapping[str, Any] | None = None
                          ) -> list[dict[str, Any]]:
        """The catalog entries that match every filter (all of them without filters).

        Filters: ``type``, ``release``, ``official``, ``section``, ``owner``, ``tag``,
        ``name`` (a substring of the name or id, any case), and ``type__in``,
        ``release__in``, ``section__in``, ``owner__in``, ``tag__in`` with a list of values.
        A type or release is its name (``dp1``) or display name (``LSST DP1``).
        """
        types = releases = None
        if _vocabulary(self._doc, "product_types") is not None:
            types = {k: str(v.get("display_name") or k)
                     for k, v in self._names("product_types", "type").items()}
        if _vocabulary(self._doc, "releases") is not None:
            releases = {k: str(v.get("display_name") or k)
                        for k, v in self._names("releases", "release").items()}
        keep = compile_filters(filters, types=types, releases=releases)
        return [copy.deepcopy(e) for e in self._entries.values() if keep(e)]

    def display_products_list(self, filters: Mapping[str, Any] | None = None) -> Any:
        """The matching products as a pandas DataFrame for reading (in Jupyter, say): id,
        name, type, release, owner, rows, size and last update."""
        import pandas as pd

        rows = [{"id": e.get("id"), "name": e.get("name"),
                 "type": e.get("type_name") or e.get("type"),
                 "release": e.get("release_name") or e.get("release") or "",
                 "official": bool(e.get("official")), "owner": e.get("owner") or "",
                 "rows": e.get("rows"), "size": human_size(e.get("size")),
                 "updated": e.get("updated") or ""}
                for e in self.get_products_list(filters)]
        columns = ["id", "name", "type", "release", "official", "owner", "rows", "size",
                   "updated"]
        df = pd.DataFrame(rows, columns=columns)
        df["rows"] = df["rows"].astype("Int64")
        return df

    # -- one product --------------------------------------------------------------------------

    def get_product_metadata(self, product_id: str) -> dict[str, Any]:
        """The product's record (its product.json) as a dict. Its sky density is packed
        (docs/design/site-format.md): :meth:`get_sky_density` gives it as lists."""
        return copy.deepcopy(self._metadata(product_id))

    def _metadata(self, product_id: str) -> dict[str, Any]:
        pid = self._resolve(product_id)
        if pid not in self._meta:
            try:
                meta = self._read_json(f"products/{pid}/product.json")
            except Missing:
                raise SiteFormatError(f"the catalog at {self.site} lists {pid} but its "
                                      "product.json is missing: the site is incomplete"
                                      ) from None
            if not isinstance(meta.get("files"), list):
                raise SiteFormatError(f"products/{pid}/product.json has no files list")
            self._meta[pid] = meta
        return self._meta[pid]

    def get_sky_density(self, product_id: str) -> dict[str, Any] | None:
        """The sky density of the product's main table with its counts and edges as lists
        (``counts[i][j]`` between ``dec_edges[i:i+2]`` and ``ra_edges[j:j+2]``, degrees), as
        the inspection made them; None when the product has none. Raises SiteFormatError
        when the packed form in product.json does not decode."""
        pid = self._resolve(product_id)
        main = self._metadata(pid).get("main")
        table = main.get("table") if isinstance(main, dict) else None
        sky = table.get("sky_density") if isinstance(table, dict) else None
        if sky is None:
            return None
        try:
            out: dict[str, Any] = expand_sky(copy.deepcopy(sky))
        except ValueError as exc:
            raise SiteFormatError(f"products/{pid}/product.json: main.table.sky_density: "
                                  f"{exc}") from None
        if not isinstance(out, dict):
            raise SiteFormatError(f"products/{pid}/product.json: main.table.sky_density is "
                                  "not an object")
        return out

    def _main_file(self, pid: str) -> dict[str, Any]:
        meta = self._metadata(pid)
        main = next((f for f in meta["files"] if f.get("role") == "main"), None)
        if main is None:
            raise UnsupportedFormat(f"{pid} has no main file")
        return main

    def get_product(self, product_id: str, *, astropy: bool = False,
                    columns: Sequence[str] | None = None, table: str | None = None,
                    progress: bool | None = None) -> Any:
        """The product's main table as a pandas DataFrame (an astropy Table when
        ``astropy``), checked against its published SHA-256.

        ``columns`` reads only those columns (cheaply for Parquet and CSV); ``table`` picks
        another HDF5 group, FITS HDU or VOTable TABLE than the product names. The column
        roles of the product (``{"z": "Z", "ra": ...}``) are in ``df.attrs["roles"]``
        (``table.meta["roles"]``); :func:`pzbuild.client.by_role` gets a column by role.
        """
        pid = self._resolve(product_id)
        main = self._main_file(pid)
        meta = self._metadata(pid)
        name = str(main.get("path"))
        what = f"the main file of {pid} ({name})"
        fmt = readers.check_format(main.get("format"), what)
        result = self._read_main(pid, main, fmt, what, astropy=astropy, columns=columns,
                                 table=table if table is not None else meta.get("table"),
                                 progress=progress)
        roles = {r: c for r, c in (meta.get("columns") or {}).items()
                 if c is not None and c in (result.colnames if astropy else result.columns)}
        info = result.meta if astropy else result.attrs
        info["roles"] = roles
        info["product"] = pid
        return result

    def _read_main(self, pid: str, main: dict[str, Any], fmt: str, what: str, **kw: Any
                   ) -> Any:
        rel = f"products/{pid}/files/{main['path']}"
        size, sha = int(main["size"]), str(main["sha256"])
        suffix = Path(str(main["path"])).suffix
        options = {"table": kw["table"], "columns": kw["columns"], "astropy": kw["astropy"],
                   "suffix": suffix, "what": what}
        try:
            local = self._transport.local_path(rel)
            if local is not None:
                check_local(local, size, sha, what)
                return readers.read(local, fmt, **options)
            # One pass into a temporary file: parsing from a file keeps only the table in
            # memory (an in-memory copy of a Parquet file would add its size to the peak).
            with Progress(size, pid.rsplit("/", 1)[-1], kw["progress"]) as bar:
                tmp = to_tempfile(self._transport.iter_chunks(rel), size, sha, what, suffix,
                                  bar)
            try:
                return readers.read(tmp, fmt, **options)
            finally:
                tmp.unlink(missing_ok=True)
        except (Missing, FileNotFoundError):
            raise SiteFormatError(f"{what} is listed but missing from the site at "
                                  f"{self.site}") from None

    def column(self, product_id: str, role: str) -> Any:
        """The column of ``role`` (``z``, ``ra``, ``dec``, ``z_err``, ``id``...) of the
        product's main table, as a pandas Series; only that column is read where the
        format allows."""
        pid = self._resolve(product_id)
        roles = {r: c for r, c in (self._metadata(pid).get("columns") or {}).items() if c}
        if role not in roles:
            have = ", ".join(f"{r}={c}" for r, c in roles.items()) or "none"
            raise ColumnNotFound(f"{pid} has no column with the role {role!r}; its roles: "
                                 f"{have}")
        df = self.get_product(pid, columns=[roles[role]])
        series = df[roles[role]]
        series.attrs = {"role": role, "product": pid}
        return series

    def download_product(self, product_id: str, save_in: str | os.PathLike[str] = ".", *,
                         progress: bool | None = None) -> Path:
        """Download every file of the product into ``save_in/<slug>/``, each checked against
        its SHA-256 and put in place only when all match; returns that folder. Files already
        there and intact are not fetched again."""
        from .download import download_files

        pid = self._resolve(product_id)
        return download_files(self._transport, pid, self._metadata(pid)["files"], save_in,
                              progress=progress)
