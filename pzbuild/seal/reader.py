"""Open a sealed site with a reader's private key, from a folder or over HTTP.

Like :mod:`pzbuild.seal.format`, this imports only the standard library and ``cryptography``,
so that the Python client can read a sealed catalog without the build's dependencies.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric import ec

from .format import (
    BLOB_DIR,
    KEYSTORE,
    ClassKey,
    FileEntry,
    Manifest,
    NotInSite,
    SealFormatError,
    Tampered,
    load_private_key,
    merge_json,
    open_bytes,
    open_stream,
    parse_keystore,
    unwrap_for_reader,
)

#: ``fetch(relative_path)`` returns the bytes (or a binary stream) of a file of the site.
Fetcher = Callable[[str], bytes | IO[bytes]]
PrivateKeyLike = ec.EllipticCurvePrivateKey | bytes | str | os.PathLike


class SealedSite:
    """The files of a sealed site that one reader's keys open. Paths are the plain site's
    (``products/official/x/index.html``); ``""`` and folders ending in ``/`` mean their
    index.html."""

    def __init__(self, fetch: Fetcher, keystore: dict, keys: list[ClassKey]) -> None:
        self._fetch = fetch
        self.keystore = keystore
        self.build: str = keystore["build"]
        self.chunk_size: int = int(keystore["chunk_size"])
        self.keys = {k.index: k for k in keys}
        self.files: dict[str, FileEntry] = {}
        self._merge: dict[str, list[dict]] = {}
        self.public: list[str] = []
        for m in keystore["manifests"]:
            key = self.keys.get(int(m["key"]))
            if key is None:
                continue
            # Blob ids are taken as listed, never derived: the keystore names the manifests,
            # and the manifests (sealed, so authentic) name the blobs of the files.
            blob = _blob_name(m["blob"])
            manifest = Manifest.from_bytes(
                open_bytes(_read_all(self._open_blob(blob)), key, bytes.fromhex(blob),
                           int(m["size"]), self.chunk_size, path="(manifest)"), key.index)
            if manifest.build != self.build:
                raise Tampered("(manifest)", 0, "belongs to another build")
            self.files.update(manifest.files)
            for path, part in manifest.merge.items():
                self._merge.setdefault(path, []).append(part)
            self.public.extend(manifest.public)

    def _open_blob(self, name: str) -> IO[bytes]:
        got = self._fetch(f"{BLOB_DIR}/{name}")
        return io.BytesIO(got) if isinstance(got, (bytes, bytearray)) else got

    def paths(self) -> list[str]:
        return sorted(self.files)

    def entry(self, path: str) -> FileEntry:
        p = path.lstrip("/")
        if p == "" or p.endswith("/"):
            p += "index.html"
        try:
            return self.files[p]
        except KeyError:
            raise NotInSite(f"{path!r} is not in this site, or not open to this key") from None

    def iter_chunks(self, path: str) -> Iterator[bytes]:
        """The file's bytes as stored, chunk by chunk, each verified before it is yielded."""
        e = self.entry(path)
        try:
            stream = self._open_blob(e.blob)
        except Tampered as exc:  # name the file, not its blob
            raise Tampered(e.path, 0, exc.detail) from None
        try:
            key = self.keys[e.key]
            yield from open_stream(stream, key, bytes.fromhex(e.blob), e.size,
                                   self.chunk_size, path=e.path)
        finally:
            stream.close()

    def read(self, path: str) -> bytes:
        """The whole file. Shared JSON files (catalog.json, the search index) get back the
        entries of the groups this key opens."""
        data = b"".join(self.iter_chunks(path))
        parts = self._merge.get(self.entry(path).path)
        return merge_json(data, parts) if parts else data


def _blob_name(name: object) -> str:
    if not isinstance(name, str) or len(name) != 64 or name.strip("0123456789abcdef"):
        raise SealFormatError("keystore.json names a blob that is not 64 hex digits")
    return name


def _read_all(stream: IO[bytes]) -> bytes:
    try:
        return stream.read()
    finally:
        stream.close()


def folder_fetcher(root: Path) -> Fetcher:
    root = Path(root)

    def fetch(rel: str) -> IO[bytes]:
        path = root / rel
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise Tampered(rel, 0, "is missing from the site folder") from None

    return fetch


def url_fetcher(base_url: str, timeout: float = 60.0) -> Fetcher:
    """Files under ``base_url`` over HTTP(S) with the standard library."""
    import urllib.error
    import urllib.request

    base = base_url if base_url.endswith("/") else base_url + "/"

    def fetch(rel: str) -> IO[bytes]:
        try:
            return urllib.request.urlopen(base + rel, timeout=timeout)  # noqa: S310
        except urllib.error.HTTPError as exc:
            raise Tampered(rel, 0, f"cannot be fetched (HTTP {exc.code})") from None

    return fetch


def _private_key(key: PrivateKeyLike) -> ec.EllipticCurvePrivateKey:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key
    if isinstance(key, bytes):
        return load_private_key(key)
    if isinstance(key, str) and ("-----BEGIN" in key or key.lstrip().startswith("{")):
        return load_private_key(key)
    return load_private_key(Path(key).read_bytes())


def open_sealed(site: Path | str | Fetcher, private_key: PrivateKeyLike) -> SealedSite:
    """Open a sealed site (a folder, an http(s) URL or a fetcher) with a private key (a key
    object, PEM text or bytes, or the path of a PEM file).

    Raises :class:`~pzbuild.seal.format.WrongKey` (or its subclass ``NotOnAccessList``) when
    the key cannot open it and :class:`~pzbuild.seal.format.Tampered` when a blob fails.
    """
    if callable(site):
        fetch = site
    elif isinstance(site, str) and site.startswith(("http://", "https://")):
        fetch = url_fetcher(site)
    else:
        fetch = folder_fetcher(Path(site))
    try:
        keystore = parse_keystore(_read_all(_as_stream(fetch(KEYSTORE))))
    except Tampered as exc:
        raise SealFormatError(f"no keystore.json: {exc}") from None
    keys = unwrap_for_reader(keystore, _private_key(private_key))
    return SealedSite(fetch, keystore, keys)


def _as_stream(got: bytes | IO[bytes]) -> IO[bytes]:
    return io.BytesIO(got) if isinstance(got, (bytes, bytearray)) else got
