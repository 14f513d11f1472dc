"""Checks of the files a product lists: present, inside the folder, within the limits."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..problems import Location, Problem
from . import ProductContext

IGNORED_NAMES = {"product.yaml"}


def safe_relative(path: str) -> str | None:
    """The path in POSIX form if it is relative and has no '..', else None."""
    if not path or path.startswith(("/", "\\", "~")) or PureWindowsPath(path).drive:
        return None
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if any(p == ".." for p in parts) or not parts:
        return None
    return "/".join(p for p in parts if p != ".")


def check_files(ctx: ProductContext) -> Iterator[Problem]:
    sub = ctx.sub
    folder = sub.folder.resolve()
    files = sub.data.get("files")
    if not isinstance(files, list):
        return
    mains = [i for i, f in enumerate(files) if isinstance(f, dict) and f.get("role") == "main"]
    if len(mains) != 1:
        where = f"/files/{mains[1]}/role" if len(mains) > 1 else "/files"
        yield ctx.problem("R407", f"files: {len(mains)} files have the role main; exactly one "
                          "must (the table the catalog inspects and the client loads)", where)
    seen: dict[str, int] = {}
    total = 0
    limits = ctx.catalog.limits
    for i, entry in enumerate(files):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        raw = entry["path"]
        ptr = f"/files/{i}/path"
        rel = safe_relative(raw)
        if rel is None:
            yield ctx.problem("F502", f"files.{i}.path: '{raw}' leaves the product folder; "
                              "give a path relative to the folder, without '..'", ptr)
            continue
        if rel in seen:
            yield ctx.problem("F506", f"files.{i}.path: '{raw}' is already listed as "
                              f"files.{seen[rel]}", ptr)
            continue
        seen[rel] = i
        target = sub.folder / rel
        if not target.exists() and not target.is_symlink():
            hint = _close_file(sub.folder, rel)
            yield ctx.problem("F501", f"files.{i}.path: '{raw}' does not exist in "
                              f"{sub.rel_folder}{hint}", ptr)
            continue
        resolved = target.resolve()
        if resolved != folder and folder not in resolved.parents:
            yield ctx.problem("F503", f"files.{i}.path: '{raw}' is a symbolic link to "
                              "somewhere outside the product folder", ptr)
            continue
        if not target.exists():
            yield ctx.problem("F501", f"files.{i}.path: '{raw}' is a broken link", ptr)
            continue
        if target.is_dir():
            yield ctx.problem("F508", f"files.{i}.path: '{raw}' is a folder; list its files "
                              "one by one", ptr)
            continue
        size = target.stat().st_size
        total += size
        if size > limits.file_bytes:
            yield ctx.problem("F504", f"files.{i}.path: '{raw}' is {_mb(size)}; the catalog "
                              f"allows {_mb(limits.file_bytes)} per file", ptr)
        ctx.safe_files[rel] = {"index": i, "role": entry.get("role"), "size": size}
    if total > limits.product_bytes:
        yield ctx.problem("F505", f"files: the product's files total {_mb(total)}; the "
                          f"catalog allows {_mb(limits.product_bytes)} per product", "/files")


def check_unlisted(ctx: ProductContext) -> Iterator[Problem]:
    sub = ctx.sub
    listed = set()
    for entry in sub.files():
        rel = safe_relative(entry.get("path", "")) if isinstance(entry.get("path"), str) else None
        if rel:
            listed.add(rel)
    for dirpath, dirnames, filenames in os.walk(sub.folder):
        here = Path(dirpath)
        # hidden folders, folders listed as a whole (F508) and nested products are not ours
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and (here / d).relative_to(sub.folder).as_posix() not in listed
            and not (here / d / "product.yaml").exists())
        for name in sorted(filenames):
            if name.startswith(".") or name in IGNORED_NAMES and here == sub.folder:
                continue
            rel = (here / name).relative_to(sub.folder).as_posix()
            if rel not in listed:
                yield Problem("F507", f"{rel} is in the product folder but not listed in files; "
                              "list it or remove it (unlisted files are not published)",
                              Location(f"{sub.rel_folder}/{rel}"), sub.id)


def check_config_file(ctx: ProductContext) -> Iterator[Problem]:
    prov = ctx.sub.data.get("provenance")
    config = prov.get("config") if isinstance(prov, dict) else None
    if not isinstance(config, str):
        return
    rel = safe_relative(config)
    if rel is None or rel not in ctx.safe_files:
        yield ctx.problem("R412", f"provenance.config: '{config}' is not one of the files "
                          "listed in files", "/provenance/config")


def _close_file(folder: Path, rel: str) -> str:
    import difflib

    try:
        names = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    except OSError:
        return ""
    hint = difflib.get_close_matches(rel, names, n=1)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"
