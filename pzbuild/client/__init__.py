"""The Python client of a pzbuild catalog site, with the method names of the pzserver client.

    from pzbuild.client import Catalog
    cat = Catalog("https://example.org/pz-catalog/")     # a URL or a local folder; PZ_SITE
    cat.display_products_list({"type": "redshift_catalog"})
    df = cat.get_product("official/synth-specz-ecdfs")   # pandas DataFrame; astropy=True
    z = by_role(df, "z")                                 # df.attrs["roles"] == {"z": "Z", ...}
    cat.download_product("official/synth-specz-ecdfs", save_in="data")

Importing this package loads no heavy library: pandas, pyarrow, astropy and h5py are
imported when a table of their format is read, ``cryptography`` when a site is sealed.
"""

from __future__ import annotations

from typing import Any

from .catalog import Catalog
from .errors import (
    ChecksumMismatch,
    ClientError,
    ColumnNotFound,
    InvalidFilter,
    KeyRequired,
    NotACatalog,
    ProductMoved,
    ProductNotFound,
    SiteFormatError,
    SiteUnavailable,
    UnsafePath,
    UnsupportedFormat,
    WrongKey,
)


def by_role(table: Any, role: str) -> Any:
    """The column of ``role`` (z, ra, dec, ...) of a table from :meth:`Catalog.get_product`
    (a DataFrame, or an astropy Table)."""
    info = getattr(table, "attrs", None)
    if info is None or "roles" not in info:
        info = getattr(table, "meta", None) or {}
    roles = info.get("roles") or {}
    if role not in roles:
        have = ", ".join(f"{r}={c}" for r, c in roles.items()) or "none"
        raise ColumnNotFound(f"no column with the role {role!r} in this table; its roles: "
                             f"{have}")
    return table[roles[role]]


__all__ = [
    "Catalog",
    "ChecksumMismatch",
    "ClientError",
    "ColumnNotFound",
    "InvalidFilter",
    "KeyRequired",
    "NotACatalog",
    "ProductMoved",
    "ProductNotFound",
    "SiteFormatError",
    "SiteUnavailable",
    "UnsafePath",
    "UnsupportedFormat",
    "WrongKey",
    "by_role",
]
