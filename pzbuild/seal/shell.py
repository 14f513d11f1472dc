"""The public part of a sealed site: the login shell, the service worker, the theme's files.

Nothing here may depend on the catalog's content: a host serving these files to anyone shows
the same login page for every catalog, apart from its title.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

WEB = Path(__file__).parent / "web"
#: Names at the root of a sealed site that belong to the seal (besides the _pz/ folder).
RESERVED = {"sw.js", "keystore.json"}
#: mkdocs-material's own static files; only those byte-identical to the theme's stay public.
THEME_DIRS = ("assets/javascripts/", "assets/stylesheets/", "assets/fonts/", "assets/images/")
#: Files copied to _pz/; the login shell pins each with Subresource Integrity.
WEB_FILES = ("pzseal.js", "login.js", "login.css", "session.js")

_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".json": "application/json", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8", ".tsv": "text/tab-separated-values; charset=utf-8",
    ".yaml": "text/plain; charset=utf-8", ".yml": "text/plain; charset=utf-8",
    ".xml": "application/xml", ".pdf": "application/pdf", ".gz": "application/gzip",
    ".zip": "application/zip", ".fits": "application/fits", ".fit": "application/fits",
    ".parquet": "application/octet-stream", ".webmanifest": "application/manifest+json",
}
_DOWNLOAD = re.compile(r"^products/.+/files/.+")


def content_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name == "SHA256SUMS":
        return "text/plain; charset=utf-8"
    dot = name.rfind(".")
    return _TYPES.get(name[dot:].lower(), "application/octet-stream") if dot > 0 else \
        "application/octet-stream"


def is_download(path: str) -> bool:
    """A product's data file: the service worker serves it sandboxed, active types as
    attachments, so that a submitted HTML or SVG file never runs in the catalog's origin."""
    return bool(_DOWNLOAD.match(path))


def theme_public_files() -> Callable[[str, Path], bool]:
    """``public(rel, path)``: whether a plain-site file is one of mkdocs-material's own static
    files (same path below assets/, same bytes). Without mkdocs-material installed, nothing
    is public: every file is sealed, which is safe, only slower."""
    spec = importlib.util.find_spec("material")
    base = None
    if spec is not None and spec.submodule_search_locations:
        base = Path(next(iter(spec.submodule_search_locations))) / "templates"

    def public(rel: str, path: Path) -> bool:
        if base is None or not rel.startswith(THEME_DIRS):
            return False
        theme = base / rel
        try:
            return (theme.is_file() and theme.stat().st_size == path.stat().st_size
                    and theme.read_bytes() == path.read_bytes())
        except OSError:
            return False

    return public


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def write_shell(out: Path, title: str) -> str:
    """Write the public files: index.html (login), 404.html (finds the login page from a deep
    link), sw.js, _pz/*, .nojekyll and robots.txt. Returns the SHA-256 of index.html."""
    pz = out / "_pz"
    pz.mkdir(parents=True, exist_ok=True)
    sri = {}
    for name in WEB_FILES:
        data = (WEB / name).read_bytes()
        (pz / name).write_bytes(data)
        sri[name] = _sri(data)
    (out / "sw.js").write_bytes((WEB / "sw.js").read_bytes())
    page = (WEB / "login.html").read_text("utf-8")
    for name, value in sri.items():
        page = page.replace("{{sri:" + name + "}}", value)
    page = page.replace("{{title}}", html.escape(title))
    (out / "index.html").write_text(page, encoding="utf-8")
    stub = (WEB / "404.html").read_text("utf-8")
    script = stub.split("<script>", 1)[1].split("</script>", 1)[0]
    stub = stub.replace("{{csp_script_hash}}", _csp_hash(script))
    (out / "404.html").write_text(stub.replace("{{title}}", html.escape(title)), "utf-8")
    (out / ".nojekyll").write_bytes(b"")
    (out / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    return hashlib.sha256(page.encode("utf-8")).hexdigest()
