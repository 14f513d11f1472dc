"""Getting the bytes of a site's files: from a local folder or over HTTP(S).

A transport knows nothing of catalogs: it reads a path relative to the site root, whole
(:meth:`read`) or in chunks (:meth:`iter_chunks`). Over HTTP it retries connection errors and
5xx answers with a growing delay, and resumes a broken download with a Range request. The
standard library's urllib does the talking: no dependency to install.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from .. import __version__
from .errors import ClientError, SiteUnavailable, UnsafePath

CHUNK = 1 << 20
USER_AGENT = f"pzbuild-client/{__version__}"


class Missing(ClientError):
    """A path the site does not have (HTTP 404, no such file). The catalog turns it into a
    user-facing error; it never reaches the user as such."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is not in the site")
        self.path = path


class Transport(Protocol):
    """What the catalog needs from a site."""

    label: str

    def read(self, path: str) -> bytes: ...

    def iter_chunks(self, path: str, chunk: int = CHUNK) -> Iterator[bytes]: ...

    def local_path(self, path: str) -> Path | None: ...


def clean_path(path: str) -> str:
    """A site path as the site's own relative path; :class:`UnsafePath` when it would leave
    the site (``..``, absolute, a drive, a scheme, a backslash)."""
    p = str(path)
    while p.startswith("./"):
        p = p[2:]
    parts = p.split("/")
    if (not p or p.startswith("/") or "\\" in p or "\0" in p or ":" in parts[0]
            or any(seg in ("..", ".") for seg in parts)):
        raise UnsafePath(f"refusing the site path {path!r}: it would leave the site")
    return p


class LocalTransport:
    """A built site in a local folder."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        self.label = str(self.root)
        if not self.root.is_dir():
            raise SiteUnavailable(f"the catalog folder {self.root} does not exist")

    def local_path(self, path: str) -> Path:
        full = (self.root / clean_path(path)).resolve()
        if not full.is_relative_to(self.root):
            raise UnsafePath(f"refusing {path!r}: it links outside the site folder")
        return full

    def open_stream(self, path: str) -> IO[bytes]:
        try:
            return self.local_path(path).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise Missing(path) from None
        except OSError as exc:
            raise SiteUnavailable(f"cannot read {path} in {self.root}: {exc.strerror}") from exc

    def read(self, path: str) -> bytes:
        with self.open_stream(path) as fh:
            return fh.read()

    def iter_chunks(self, path: str, chunk: int = CHUNK) -> Iterator[bytes]:
        with self.open_stream(path) as fh:
            while data := fh.read(chunk):
                yield data

    def __repr__(self) -> str:
        return f"LocalTransport({self.label!r})"


def display_url(url: str) -> str:
    """A URL without user info, query or fragment: safe to print."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class HttpTransport:
    """A site served over HTTP(S). ``retries`` more attempts follow a failed one, after
    ``retry_delay``, twice that, four times that... seconds. ``headers`` (a proxy's bearer
    token, say) go with every request and are never shown."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, retries: int = 3,
                 retry_delay: float = 0.5, headers: Mapping[str, str] | None = None) -> None:
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.label = display_url(self.base)
        self.timeout, self.retries, self.retry_delay = timeout, max(0, retries), retry_delay
        self._headers = {"User-Agent": USER_AGENT, **dict(headers or {})}

    def local_path(self, path: str) -> None:
        return None

    def url(self, path: str) -> str:
        from urllib.parse import quote

        return self.base + quote(clean_path(path), safe="/")

    def _open(self, path: str, offset: int = 0) -> Any:
        """The response to a GET of ``path`` (from byte ``offset``), after retries."""
        import http.client
        import ssl
        import urllib.error
        import urllib.request

        headers = dict(self._headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(self.url(path), headers=headers)
        last: BaseException | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.retry_delay * 2 ** (attempt - 1))
            try:
                return urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code in (404, 410):
                    raise Missing(path) from None
                if exc.code in (401, 403):
                    raise SiteUnavailable(
                        f"{self.label} refused access to {path} (HTTP {exc.code}): the site may "
                        "sit behind a login; pass its token with Catalog(..., headers=...)",
                        exc.code) from None
                if exc.code < 500 and exc.code != 429:
                    raise SiteUnavailable(f"{self.label} answered HTTP {exc.code} "
                                          f"({exc.reason}) for {path}", exc.code) from None
                last = exc
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, ssl.SSLCertVerificationError):
                    raise SiteUnavailable(f"cannot reach {self.label}: its TLS certificate "
                                          f"does not verify ({exc.reason.verify_message})"
                                          ) from exc
                last = exc
            except (OSError, http.client.HTTPException) as exc:
                last = exc
        raise SiteUnavailable(f"cannot reach {self.label} (tried {self.retries + 1} times): "
                              f"{_reason(last)}") from last

    def read(self, path: str) -> bytes:
        return b"".join(self.iter_chunks(path))

    def iter_chunks(self, path: str, chunk: int = CHUNK) -> Iterator[bytes]:
        """The bytes of ``path``; a connection that breaks is resumed where it stopped."""
        import http.client

        offset, failures = 0, 0
        while True:
            resp = self._open(path, offset)
            try:
                if offset and resp.status != 206:
                    _skip(resp, offset)  # the server ignored Range: drop what we have
                while True:
                    data = resp.read(chunk)
                    if not data:
                        break
                    offset += len(data)
                    yield data
                if resp.length:  # Content-Length promised more than came
                    raise http.client.IncompleteRead(b"", resp.length)
                return
            except (OSError, http.client.HTTPException) as exc:
                failures += 1
                if failures > self.retries:
                    raise SiteUnavailable(f"the download of {path} from {self.label} broke "
                                          f"off {failures} times: {_reason(exc)}") from exc
                time.sleep(self.retry_delay * 2 ** (failures - 1))
            finally:
                resp.close()

    def open_stream(self, path: str) -> IO[bytes]:
        return io.BufferedReader(ChunkStream(self.iter_chunks(path)), buffer_size=CHUNK)

    def __repr__(self) -> str:
        return f"HttpTransport({self.label!r})"


def _skip(resp: IO[bytes], n: int) -> None:
    while n > 0:
        data = resp.read(min(n, CHUNK))
        if not data:
            raise OSError("the server sent less than before")
        n -= len(data)


def _reason(exc: BaseException | None) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason) if reason is not None else ""
    if not text and exc is not None:
        text = type(exc).__name__
    if hasattr(exc, "code") and getattr(exc, "code", None):
        text = f"HTTP {exc.code} {text}".strip()  # type: ignore[union-attr]
    return text or "no answer"


class ChunkStream(io.RawIOBase):
    """A binary stream over an iterator of chunks (for code that wants ``read(n)``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._left:
            self._left = memoryview(next(self._chunks, b""))
            if not self._left:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


def make_transport(site: str | os.PathLike[str], **http_options: Any) -> Transport:
    """A transport for ``site``: an http(s) URL or a local folder (or ``file://`` URL). A URL
    or path naming catalog.json or index.html means the folder that holds it."""
    text = os.fspath(site)
    if text.startswith(("http://", "https://")):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(text)
        url_path = parts.path
        for name in ("catalog.json", "index.html"):
            if url_path.endswith("/" + name):
                url_path = url_path[: -len(name)]
        return HttpTransport(urlunsplit((parts.scheme, parts.netloc, url_path or "/", "", "")),
                             **http_options)
    if text.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        text = unquote(urlsplit(text).path)
    path = Path(text).expanduser()
    if path.name in ("catalog.json", "index.html") and path.is_file():
        path = path.parent
    return LocalTransport(path)
