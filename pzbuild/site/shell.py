"""The shell: mkdocs-material run on mkdocs.yml with the pages around the products.

mkdocs builds docs/site plus the generated pages (product types, the two list pages, the
product page templates) from a temporary docs_dir, with site_name, site_description and
site_url from catalog.yaml, pzbuild's assets under ``assets/pzbuild/`` and, for a preview,
a banner on every page. Nothing is written into the repository.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Catalog
from .errors import SiteError
from .shell_pages import LIST_PAGES, list_page_markdown, product_types_markdown
from .template import TEMPLATE_PATHS, PageTemplate, template_markdown

CONFIG = "mkdocs.yml"
#: What the shell is made of, relative to the catalog root: a change re-runs mkdocs.
SHELL_INPUTS = (CONFIG, "docs/site", "docs/notebooks", "schema/vocabulary.yaml",
                "catalog.yaml", "site_templates")
#: The tutorial notebook, shown as a page (its cells) with the .ipynb to download.
NOTEBOOK = "docs/notebooks/intro.ipynb"
TEMPLATES = "site_templates"
ASSETS = "assets/pzbuild"
PREVIEW_BANNER = "Unprotected preview build — do not publish"
_MODULES = ("shell.py", "shell_pages.py", "template.py")
_PACKAGES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "markdown")


def shell_key(catalog: Catalog, banner: str | None) -> str:
    """A hash of everything the shell is made from: its inputs in the catalog, the banner,
    this code and the versions of mkdocs and the theme."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(f"pzbuild {__version__}\0banner {banner}\0".encode())
    for name in _PACKAGES:
        try:
            h.update(f"{name} {version(name)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{name} -\0".encode())
    here = Path(__file__).parent
    for name in _MODULES:
        h.update((here / name).read_bytes())
    for rel in SHELL_INPUTS:
        hash_tree(catalog.root / rel, h)
    return h.hexdigest()


def hash_tree(path: Path, h: Any) -> None:
    """Feed the relative paths and contents of every file at or below ``path`` to ``h``."""
    if path.is_file():
        h.update(b"F" + path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return
    if not path.is_dir():
        h.update(b"-\0")
        return
    for p in sorted(path.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(b"F" + p.relative_to(path).as_posix().encode() + b"\0")
            h.update(p.read_bytes() + b"\0")


def build_shell(catalog: Catalog, dest: Path, work: Path, *, banner: str | None) -> list[str]:
    """Run mkdocs into ``dest`` (a new folder), using ``work`` for the generated docs_dir.
    Returns mkdocs's warnings. Raises SiteError when mkdocs fails."""
    config_file = catalog.root / CONFIG
    if not config_file.is_file():
        raise SiteError(f"{config_file} is missing: the site shell is configured there")
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.utils import yaml_load

    with open(config_file, "rb") as f:
        user = yaml_load(f) or {}
    docs = work / "docs"
    _write_docs(catalog, Path(user.get("docs_dir") or "docs"), docs)
    overrides: dict[str, Any] = {
        "docs_dir": str(docs), "site_dir": str(dest), "site_name": catalog.title,
        "site_description": catalog.description or None, "site_url": catalog.site_url or None,
        "theme": _theme(catalog, user.get("theme"), work / "overrides", banner),
    }
    for key, suffix in (("extra_css", ".css"), ("extra_javascript", ".js")):
        overrides[key] = _assets(catalog, user.get(key) or [], suffix)
    with _captured("mkdocs") as warnings:
        try:
            config = load_config(str(config_file), **overrides)
            build(config)
        except (exceptions.MkDocsException, OSError) as exc:
            raise SiteError(f"mkdocs failed: {exc}") from exc
    prune_theme_assets(dest)
    return warnings


def prune_theme_assets(site: Path) -> list[str]:
    """Remove the theme files that no page of the site loads: source maps (read by a
    browser's developer tools only) and the search's word splitters and stemmers of
    languages the search index does not use (the search worker loads those of its languages
    alone). Some 2 MB of a site. Returns the paths removed, relative to ``site``."""
    import json

    removed = [p for p in (site / "assets").rglob("*.map") if p.is_file()]
    lunr = site / "assets" / "javascripts" / "lunr"
    try:
        langs = json.loads((site / "search" / "search_index.json").read_text(
            encoding="utf-8"))["config"]["lang"]
    except (OSError, ValueError, KeyError, TypeError):
        langs = None  # no search index that says: keep every language
    if isinstance(langs, list) and lunr.is_dir():
        needed = {f"min/lunr.{lang}.min.js" for lang in langs if lang != "en"}
        if needed:
            needed.add("min/lunr.stemmer.support.min.js")
        if len(langs) > 1:
            needed.add("min/lunr.multi.min.js")
        needed |= {"tinyseg.js" for lang in langs if lang == "ja"}
        needed |= {"wordcut.js" for lang in langs if lang in ("hi", "th")}
        removed += [p for p in lunr.rglob("*") if p.is_file()
                    and p.relative_to(lunr).as_posix() not in needed]
    for p in removed:
        p.unlink()
    return [p.relative_to(site).as_posix() for p in removed]


def load_templates(shell: Path) -> dict[str, PageTemplate]:
    """The product page templates of a built shell, by section."""
    out = {}
    for section, path in TEMPLATE_PATHS.items():
        page = shell / path / "index.html"
        try:
            text = page.read_text(encoding="utf-8")
        except OSError as exc:
            raise SiteError(f"the shell has no template page {path}: {exc}") from exc
        out[section] = template = PageTemplate.from_html(text, path)
        for rel, code in template.files:  # named by their content: written once
            target = shell / rel
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(code, encoding="utf-8")
    return out


def _write_docs(catalog: Catalog, docs_dir: Path, docs: Path) -> None:
    source = docs_dir if docs_dir.is_absolute() else catalog.root / docs_dir
    if source.is_dir():
        shutil.copytree(source, docs)
    docs.mkdir(parents=True, exist_ok=True)
    templates = catalog.root / TEMPLATES
    (docs / "product-types.md").write_text(product_types_markdown(catalog.vocabulary),
                                           encoding="utf-8")
    for section in LIST_PAGES:
        (docs / section).mkdir(exist_ok=True)
        (docs / section / "index.md").write_text(list_page_markdown(section, templates),
                                                 encoding="utf-8")
    for path in TEMPLATE_PATHS.values():
        (docs / path).mkdir(parents=True, exist_ok=True)
        (docs / path / "index.md").write_text(template_markdown(), encoding="utf-8")
    assets = templates / "assets"
    if assets.is_dir():
        shutil.copytree(assets, docs / ASSETS, dirs_exist_ok=True)
    notebook = catalog.root / NOTEBOOK
    if notebook.is_file():
        (docs / "notebooks").mkdir(exist_ok=True)
        shutil.copy(notebook, docs / "notebooks" / notebook.name)
        (docs / "tutorial.md").write_text(
            notebook_markdown(notebook, f"notebooks/{notebook.name}"), encoding="utf-8")


def notebook_markdown(path: Path, download: str) -> str:
    """A notebook as a page: Markdown cells as they are, code cells as Python blocks, and a
    button to download the notebook under the title. Outputs are not shown (none are kept)."""
    import json

    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        text = "".join(src) if isinstance(src, list) else str(src)
        if cell.get("cell_type") == "markdown":
            parts.append(text.strip())
        elif cell.get("cell_type") == "code" and text.strip():
            parts.append(f"```python\n{text.rstrip()}\n```")
    if parts and parts[0].startswith("# "):
        title, _, rest = parts[0].partition("\n")
        parts[0] = f"{title}\n\n[Download the notebook]({download}){{: .md-button }}\n{rest}"
    return "\n\n".join(parts) + "\n"


def _assets(catalog: Catalog, listed: list[Any], suffix: str) -> list[Any]:
    """extra_css or extra_javascript: entries of mkdocs.yml (those under assets/pzbuild/ only
    when the file exists), then the other files of site_templates/assets/ of that kind."""
    assets = catalog.root / TEMPLATES / "assets"
    present = {f"{ASSETS}/{p.relative_to(assets).as_posix()}"
               for p in assets.rglob(f"*{suffix}")} if assets.is_dir() else set()
    out: list[Any] = []
    seen = set()
    for entry in listed:
        path = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(path, str) and path.startswith(ASSETS + "/") and path not in present:
            continue
        out.append(entry)
        seen.add(path)
    out += sorted(present - seen)
    return out


def _theme(catalog: Catalog, theme: Any, overrides: Path, banner: str | None) -> Any:
    """The theme of mkdocs.yml, with a custom_dir that adds the banner to every page."""
    if banner is None:
        return theme
    theme = {"name": theme} if isinstance(theme, str) else dict(theme or {})
    base = "base.html"
    own = theme.get("custom_dir")
    if own:
        own_dir = Path(own) if Path(own).is_absolute() else catalog.root / own
        shutil.copytree(own_dir, overrides)
        if (overrides / "main.html").is_file():
            # keep the catalog's main.html: the banner block extends it
            base = "pzbuild-catalog-main.html"
            (overrides / "main.html").rename(overrides / base)
    overrides.mkdir(parents=True, exist_ok=True)
    text = banner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    (overrides / "main.html").write_text(
        f'{{% extends "{base}" %}}\n{{% block announce %}}'
        f'<strong class="pz-preview-banner">{text}</strong>{{% endblock %}}\n',
        encoding="utf-8")
    theme["custom_dir"] = str(overrides)
    return theme


@contextmanager
def _captured(name: str) -> Iterator[list[str]]:
    """Collect the warnings of logger ``name`` (mkdocs logs them) instead of printing them."""
    logger = logging.getLogger(name)
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(logging.WARNING)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
