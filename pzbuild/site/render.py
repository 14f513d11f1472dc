"""Write the folder of one product: page, product.json, SHA256SUMS and files; in worker
processes when there are many.

A task is plain data (the record as JSON text and the product folder), so that workers need
nothing but the page templates, which they receive once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SiteError
from .files import link_file, sha256sums
from .plaintext import markdown_to_text
from .template import PageTemplate

#: Fewer pages than this are rendered in this process: starting workers costs more.
MIN_PARALLEL = 64
DESCRIPTION_CHARS = 160  # of the page's <meta name="description">


@dataclass(frozen=True)
class RenderContext:
    site: Path  # the site folder being built
    templates: dict[str, PageTemplate]  # by section
    vocabulary_roles: dict[str, dict[str, str]]


@dataclass(frozen=True)
class RenderTask:
    record_json: str  # the product.json text
    folder: str  # the product folder in the repository


def page_root(pid: str) -> str:
    """The relative path from products/<id>/ to the site root."""
    return "../" * (pid.count("/") + 2)


def render_page(ctx: RenderContext, record: dict[str, Any]) -> str:
    """The HTML page of a product record."""
    from .product_page import ProductPage, product_toc, render_product_body

    page = ProductPage.from_record(record, vocabulary_roles=ctx.vocabulary_roles,
                                   root=page_root(record["id"]))
    return ctx.templates[record["section"]].fill(
        title=record["name"],
        description=markdown_to_text(record.get("description"), DESCRIPTION_CHARS),
        body=render_product_body(page), toc=product_toc(page), page_path=record["url"])


def render_product(ctx: RenderContext, task: RenderTask) -> None:
    """Write products/<id>/ of one product into the site folder. Raises SiteError naming
    the product when that fails."""
    record = json.loads(task.record_json)
    try:
        _write_product(ctx, task, record)
    except Exception as exc:
        raise SiteError(f"{record.get('id')}: cannot write its folder: "
                        f"{type(exc).__name__}: {exc}") from exc


def _write_product(ctx: RenderContext, task: RenderTask, record: dict[str, Any]) -> None:
    dest = ctx.site / record["url"]
    files = dest / "files"
    files.mkdir(parents=True)
    folder = Path(task.folder)
    for f in record["files"]:
        target = files / f["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        link_file(folder / f["path"], target)
    (dest / "SHA256SUMS").write_text(
        sha256sums((f["sha256"], f"files/{f['path']}") for f in record["files"]),
        encoding="utf-8", newline="\n")
    (dest / "product.json").write_text(task.record_json, encoding="utf-8")
    (dest / "index.html").write_text(render_page(ctx, record), encoding="utf-8")


def render_all(ctx: RenderContext, tasks: list[RenderTask], jobs: int,
               done: Callable[[int], None] | None = None) -> None:
    """Render every task, in ``jobs`` worker processes when there are enough of them."""
    tick = done or (lambda n: None)
    if jobs <= 1 or len(tasks) < MIN_PARALLEL:
        for i, task in enumerate(tasks, 1):
            render_product(ctx, task)
            tick(i)
        return
    from ..workers import context

    mp = context()  # workers start clean, whatever threads this process (pyarrow) runs
    chunk = max(1, min(32, len(tasks) // (jobs * 8)))
    with ProcessPoolExecutor(jobs, mp_context=mp, initializer=_init, initargs=(ctx,)) as pool:
        n = 0
        for count in pool.map(_work, _chunks(tasks, chunk)):
            n += count
            tick(n)


def _chunks(tasks: list[RenderTask], size: int) -> Iterable[list[RenderTask]]:
    for i in range(0, len(tasks), size):
        yield tasks[i:i + size]


_CTX: RenderContext | None = None


def _init(ctx: RenderContext) -> None:
    global _CTX
    _CTX = ctx


def _work(tasks: list[RenderTask]) -> int:
    assert _CTX is not None
    for task in tasks:
        render_product(_CTX, task)
    return len(tasks)
