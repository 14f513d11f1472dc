"""Preview: build the plain site, serve it on localhost and build again when a source changes.

Sources are polled once a second (file sizes and modification times): no file-watching
dependency, and a catalog of 10,000 products is a few tens of thousands of ``stat`` calls.
A build that fails leaves the previous site served.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from ..config import Catalog, load_catalog
from ..errors import PzBuildError
from ..inspect.cache import CACHE_DIR
from .build import BuildResult, build_site

WATCHED = ("products", "schema", "docs/site", "site_templates", "mkdocs.yml", "catalog.yaml")
SERVE_DIR = f"{CACHE_DIR}/site/serve"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser closing a connection early is not worth a traceback


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file of the watched sources."""
    seen: dict[str, tuple[int, int]] = {}
    for rel in WATCHED:
        path = root / rel
        if path.is_file():
            st = path.stat()
            seen[rel] = (st.st_size, st.st_mtime_ns)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in files:
                full = os.path.join(folder, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                seen[full] = (st.st_size, st.st_mtime_ns)
    return seen


def make_server(folder: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server of ``folder`` (by path, so a folder swapped in is served at once).
    Raises OSError when the address is taken."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return _QuietServer((host, port), handler)


@contextlib.contextmanager
def serving(folder: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``folder`` in a background thread while the block runs; yields its URL."""
    server = make_server(folder, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_site(catalog: Catalog, *, host: str = "127.0.0.1", port: int = 8000,
               out: Path | None = None, jobs: int | None = None,
               on_build: Callable[[BuildResult | Exception], None] | None = None,
               on_ready: Callable[[str], None] | None = None, interval: float = 1.0,
               stop: threading.Event | None = None,
               builder: Callable[[Catalog, Path], BuildResult] | None = None) -> None:
    """Build the plain site into ``out`` (default: in the catalog's cache), serve it at
    http://host:port/ and rebuild when a source changes, until ``stop`` is set (or Ctrl-C).
    ``on_build`` gets each build's result or error; ``on_ready`` the URL once serving.
    ``builder(catalog, out)`` replaces the plain build (e.g. a sealed one)."""
    out = (out or catalog.root / SERVE_DIR).resolve()
    report = on_build or (lambda r: None)
    stop = stop or threading.Event()
    state = snapshot(catalog.root)
    build = builder or (lambda cat, folder: build_site(cat, folder, plain=True, jobs=jobs))
    _build(catalog, out, build, report)
    out.mkdir(parents=True, exist_ok=True)
    server = make_server(out, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        shown_host = f"[{host}]" if ":" in host else host
        if on_ready is not None:
            on_ready(f"http://{shown_host}:{server.server_address[1]}/")
        while not stop.wait(interval):
            now = snapshot(catalog.root)
            if now != state:
                state = now
                # catalog.yaml may have changed: read the settings again
                catalog = _reload(catalog, report)
                _build(catalog, out, build, report)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _build(catalog: Catalog, out: Path, build: Callable[[Catalog, Path], BuildResult],
           report: Callable[[BuildResult | Exception], None]) -> None:
    try:
        result = build(catalog, out)
    except Exception as exc:  # noqa: BLE001 - a preview keeps serving the previous site
        report(exc)
        return
    report(result)


def _reload(catalog: Catalog, report: Callable[[BuildResult | Exception], None]) -> Catalog:
    try:
        return load_catalog(catalog.root)
    except PzBuildError as exc:
        report(exc)
        return catalog
