"""Errors of the Python client. Each says when it is raised; messages are written for the
scientist at the notebook, and never contain a key, a token or a header value.

All derive from :class:`ClientError`, so ``except ClientError`` catches every failure the
client reports on purpose. The command line turns them into exit code 1.
"""

from __future__ import annotations

from ..errors import PzBuildError


class ClientError(PzBuildError):
    """Base class of every error the client raises on purpose."""


class _Missing(ClientError, KeyError):
    """A KeyError (as a dict lookup would raise) that prints its message unquoted."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ProductNotFound(_Missing):
    """Raised when a product id is not in the catalog (or not open to this key).
    ``suggestions`` holds close ids, best first."""

    def __init__(self, product_id: str, suggestions: list[str] | None = None,
                 site: str | None = None, *, sealed: bool = False) -> None:
        self.product_id = product_id
        self.suggestions = list(suggestions or [])
        where = f" at {site}" if site else ""
        msg = f"no product {product_id!r} in the catalog{where}"
        if sealed:  # the reader cannot tell a restricted product from a missing one
            msg += (", or it is not open to you: a product restricted to groups your key is "
                    "not in is left out of everything your key opens")
        if self.suggestions:
            msg += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        else:
            msg += "; get_products_list() lists the ids"
        super().__init__(msg)


class ProductMoved(UserWarning):
    """Warned (not raised) when a product is asked for by the id it had before ``pzbuild
    promote`` moved it; the client goes on with the new id."""


class ColumnNotFound(_Missing):
    """Raised when a column asked for, or the column of a role, is not in the product."""


class InvalidFilter(ClientError, ValueError):
    """Raised when a filter key of ``get_products_list`` is unknown or its value unusable."""


class KeyRequired(ClientError):
    """Raised when the site is sealed and no private key was given nor found."""


class WrongKey(ClientError):
    """Raised when the private key cannot open the sealed site: not a usable P-256 key, or
    not (or no longer) on the site's access list."""


class ChecksumMismatch(ClientError):
    """Raised when a file's bytes do not match the size or SHA-256 the catalog lists (or, on a
    sealed site, fail their integrity check). Nothing is left at the destination."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SiteUnavailable(ClientError):
    """Raised when the site cannot be reached (after retries), refuses access, or a local
    folder does not exist. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotACatalog(SiteUnavailable):
    """Raised when the site answers but holds no pzbuild catalog (no catalog.json and no
    keystore.json at its root)."""


class SiteFormatError(ClientError):
    """Raised when catalog.json, a product.json or a sealed blob is malformed, or written in a
    newer format version than this client reads."""


class UnsupportedFormat(ClientError):
    """Raised when the main file of a product cannot be read as a table by the client (not
    tabular, or a format it does not read); ``download_product`` still fetches it."""


class UnsafePath(ClientError):
    """Raised when a path given by the site would leave the site or the download folder."""
