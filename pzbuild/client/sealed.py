"""Sealed sites: finding the reader's private key and reading through the seal.

A site is sealed when it has ``keystore.json`` at its root (written by
:func:`pzbuild.seal.seal_site`). The bytes still come from a local folder or HTTP transport;
:mod:`pzbuild.seal.reader` unwraps the content keys with the reader's private key and
decrypts and verifies every chunk. That module needs the ``cryptography`` package, imported
only here and only for a sealed site.

The private key is never printed, logged, kept on the catalog object, or put in a message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import (
    ChecksumMismatch,
    ClientError,
    KeyRequired,
    SiteFormatError,
    WrongKey,
)
from .transport import CHUNK, Missing, Transport, clean_path

KEYSTORE = "keystore.json"
KEY_ENV = "PZ_KEY"
HOW_TO = ("give your private key file as Catalog(site, key='~/path/key.pem') or `--key`, set "
          f"{KEY_ENV} to its path, or save it as {{default}} (`pzbuild access keygen` makes a "
          "key pair; a maintainer adds the public key to access/users.yaml)")


def default_key_path() -> Path:
    """$XDG_CONFIG_HOME/pzbuild/key.pem, by default ~/.config/pzbuild/key.pem."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base).expanduser() if base.strip() else Path.home() / ".config"
    return root / "pzbuild" / "key.pem"


def _looks_inline(text: str) -> bool:
    return "-----BEGIN" in text or text.lstrip().startswith("{")


def _looks_like_path(text: str) -> bool:
    """Whether a text that is not a key may be shown as a file name: a mistyped key must
    not end up in a message."""
    return (("/" in text or "\\" in text or text.startswith("~")
             or text.lower().endswith((".pem", ".key", ".json", ".txt")))
            and len(text) < 1024 and "\n" not in text)


def _is_file(text: str) -> bool:
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _read_key_file(value: str, source: str) -> bytes:
    path = Path(value).expanduser()
    shown = str(path) if _looks_like_path(value) else "(not shown: it is not a file name)"
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise KeyRequired(f"the key file {shown} ({source}) does not exist; "
                          + HOW_TO.format(default=default_key_path())) from None
    except OSError as exc:
        raise KeyRequired(f"cannot read the key file {shown} ({source}): {exc.strerror}"
                          ) from None


def resolve_key(key: Any = None) -> Any:
    """The private key to use: ``key`` (a path, PEM text, bytes or a key object), else the
    environment variable PZ_KEY (a path or PEM text), else the default key file. Raises
    :class:`KeyRequired` when there is none."""
    if key is not None:
        if isinstance(key, bytes) or not isinstance(key, (str, os.PathLike)):
            return key
        text = os.fspath(key)
        if _looks_inline(text):
            return text.encode("utf-8")
        if not _looks_like_path(text) and not _is_file(text):
            raise WrongKey("the key given is neither PEM text nor the path of a key file")
        return _read_key_file(text, "the key given")
    env = os.environ.get(KEY_ENV, "")
    if env.strip():
        if _looks_inline(env):
            return env.encode("utf-8")
        return _read_key_file(env.strip(), KEY_ENV)
    path = default_key_path()
    if path.is_file():
        return _read_key_file(str(path), "the default key file")
    raise KeyRequired("this catalog is sealed and no private key was found: "
                      + HOW_TO.format(default=path))


def is_sealed(transport: Transport) -> bool:
    """Whether the site has a pzbuild keystore at its root."""
    try:
        data = transport.read(KEYSTORE)
    except Missing:
        return False
    try:
        doc = json.loads(data)
    except ValueError:
        return False  # a host answering every path with a page: not a keystore
    return isinstance(doc, dict) and doc.get("format") == "pzbuild-sealed"


class SealedTransport:
    """The plain site's paths, read through the seal of the site under ``inner``."""

    def __init__(self, inner: Transport, key: Any) -> None:
        try:
            from ..seal import format as sf
            from ..seal.reader import open_sealed
        except ImportError as exc:  # cryptography missing
            raise ClientError("this catalog is sealed; reading it needs the `cryptography` "
                              "package: pip install cryptography") from exc
        self._sf = sf
        self.inner = inner
        self.label = inner.label
        fetch = getattr(inner, "open_stream", None) or (lambda p: inner.read(p))
        resolved = resolve_key(key)
        try:
            self._site = open_sealed(fetch, resolved)
        except sf.WrongKey as exc:
            raise WrongKey(f"your key cannot open the catalog at {self.label}: {exc}") from exc
        except Exception as exc:
            new = self._translate(exc, "(keystore)")
            if new is exc:
                raise
            raise new from exc
        finally:
            del resolved

    def _translate(self, exc: Exception, path: str) -> Exception:
        sf = self._sf
        if isinstance(exc, ClientError) and not isinstance(exc, Missing):
            return exc
        if isinstance(exc, sf.NotInSite):
            return Missing(path)
        if isinstance(exc, Missing):
            return SiteFormatError(f"the sealed site at {self.label} is incomplete: a blob "
                                   f"of {path} is missing")
        if isinstance(exc, sf.Tampered):
            return ChecksumMismatch(f"{path} failed its integrity check on the sealed site "
                                    f"{self.label}: it was altered or damaged ({exc})", path)
        if isinstance(exc, sf.SealError):
            return SiteFormatError(f"cannot read the sealed site at {self.label}: {exc}")
        return exc

    def local_path(self, path: str) -> None:
        return None

    def read(self, path: str) -> bytes:
        try:
            return self._site.read(clean_path(path))
        except Exception as exc:
            new = self._translate(exc, path)
            if new is exc:
                raise
            raise new from exc

    def iter_chunks(self, path: str, chunk: int = CHUNK) -> Iterator[bytes]:
        try:
            yield from self._site.iter_chunks(clean_path(path))
        except Exception as exc:
            new = self._translate(exc, path)
            if new is exc:
                raise
            raise new from exc

    def __repr__(self) -> str:
        return f"SealedTransport({self.label!r})"
