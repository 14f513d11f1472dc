"""Scaffold a product folder and its product.yaml: the library side of ``pzbuild new``.

Everything is checked and the main file's columns are read before anything is written. Then
the folder is made, the main file copied in (never over another file) and product.yaml
written atomically; if any step fails, what was made is removed again. Values that only a
person can give are written as text starting with ``TODO`` with a comment saying what to
put there, so that ``pzbuild validate`` points at each of them until they are filled in.
"""

from __future__ import annotations

import contextlib
import difflib
import filecmp
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_atomic
from .config import Catalog, ProductType, load_catalog
from .discover import PRODUCT_FILE, SLUG_RE
from .errors import PzBuildError, ScaffoldError, TableError
from .roles import MIN_SCORE, ROLES, RoleGuess, guess_roles
from .yamlload import load_yaml_bytes

#: Values that only a person can give start with this; check R413 (pzbuild.checks.metadata,
#: same constant, kept in step by a test) flags each until it is replaced.
PLACEHOLDER = "TODO"
_LAYOUT = ("a product lives at products/official/<slug> (maintainers) or "
           "products/user/<your-handle>/<slug>")
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\- ]*(?<! )")


@dataclass(frozen=True)
class ScaffoldResult:
    """What :func:`scaffold_product` made and guessed, for the CLI to report."""

    product_id: str  # e.g. "user/jdoe/bpz-run1"
    folder: Path
    yaml_path: Path
    main_file: str  # path of the main file inside the folder
    copied_from: Path | None  # where the main file was copied from, if it was
    files: tuple[tuple[str, str], ...]  # (path, role) as listed in product.yaml
    columns: tuple[str, ...] | None  # the main file's columns; None when it is not a table
    roles: RoleGuess | None
    placeholders: tuple[str, ...]  # JSON pointers of the TODO values left to fill in
    replaced: bool  # an existing product.yaml was overwritten (force)
    notes: tuple[str, ...] = ()  # remarks for the person, e.g. why no roles were guessed


def scaffold_product(catalog_root: Path, product_path: Path, product_type: str,
                     main_file: Path, *, name: str | None = None, force: bool = False,
                     table: str | None = None) -> ScaffoldResult:
    """Create the product folder ``product_path`` with ``main_file`` and a product.yaml.

    Relative paths are taken from the current folder. ``table`` picks the HDF5 group or
    FITS HDU to read. Raises :class:`ScaffoldError` on any input it cannot use, leaving the
    disk as it was.
    """
    catalog = _load(catalog_root)
    spec = _product_type(catalog, product_type)
    folder, product_id, slug = _product_folder(catalog, Path(product_path))
    yaml_path = folder / PRODUCT_FILE
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} exists and is not a folder")
    replaced = yaml_path.exists() or yaml_path.is_symlink()
    if replaced and not force:
        raise ScaffoldError(f"{product_id} already has a {PRODUCT_FILE}; edit it, or pass "
                            "--force to write a new one over it")
    title = _name(name, slug)
    source = _main_source(Path(main_file), catalog)
    rel_main, copy = _main_destination(source, folder)
    columns, notes = _read_columns(source, spec, table)
    roles = guess_roles(columns) if columns is not None else None

    made: list[Path] = []  # files placed and folders created, in order, to undo on failure
    try:
        for parent in reversed((folder, *folder.parents)):
            if not parent.exists():
                parent.mkdir()
                made.append(parent)
        if copy:
            _place(source, folder / rel_main, made)
        files = _list_files(folder, rel_main)
        text, placeholders = _render(
            catalog, spec, product_id, title, files, columns, roles, table)
        write_atomic(yaml_path, text)
    except BaseException as exc:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink()
        if isinstance(exc, OSError):
            raise ScaffoldError(f"cannot write {product_id}: {exc}") from exc
        raise
    return ScaffoldResult(product_id, folder, yaml_path, rel_main, source if copy else None,
                          tuple(files), tuple(columns) if columns is not None else None, roles,
                          tuple(placeholders), replaced, tuple(notes))


def _load(root: Path) -> Catalog:
    try:
        catalog = load_catalog(Path(root))
        catalog.vocabulary  # noqa: B018 - read it now, so a broken vocabulary stops us here
    except PzBuildError as exc:
        raise ScaffoldError(f"cannot use the catalog at {root}: {exc}") from exc
    return catalog


def _product_type(catalog: Catalog, product_type: str) -> ProductType:
    types = catalog.vocabulary.product_types
    if product_type in types:
        return types[product_type]
    close = difflib.get_close_matches(product_type, list(types), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ScaffoldError(f"'{product_type}' is not a product type of this catalog{hint}; "
                        f"one of: {', '.join(types)}")


def _product_folder(catalog: Catalog, path: Path) -> tuple[Path, str, str]:
    """The absolute folder, the product id and the slug; checks the layout and the names."""
    folder = (path if path.is_absolute() else Path.cwd() / path).resolve()
    base = catalog.products_dir.resolve()
    if not folder.is_relative_to(base):
        raise ScaffoldError(f"{path} is not inside {base}: {_LAYOUT}")
    if folder == base:
        raise ScaffoldError(f"{path} is the products folder itself, not a product folder: "
                            f"{_LAYOUT}")
    parts = folder.relative_to(base).parts
    if not ((len(parts) == 2 and parts[0] == "official")
            or (len(parts) == 3 and parts[0] == "user")):
        raise ScaffoldError(f"products/{'/'.join(parts)} is not a product folder: {_LAYOUT}")
    named = [("owner handle", parts[1])] if len(parts) == 3 else []
    for what, value in [*named, ("slug", parts[-1])]:
        if not SLUG_RE.match(value):
            suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:64]
            hint = f", e.g. '{suggestion}'" if suggestion and suggestion != value else ""
            raise ScaffoldError(f"the {what} '{value}' must be lower-case letters, digits and "
                                f"'-', start with a letter or digit and have at most 64 "
                                f"characters{hint}")
    for outer in folder.parents:
        if outer == base:
            break
        if (outer / PRODUCT_FILE).exists():
            raise ScaffoldError(f"{outer.relative_to(base)} is a product already; a product "
                                "folder cannot lie inside another")
    return folder, "/".join(parts), parts[-1]


def _name(name: str | None, slug: str) -> str:
    if name is None:
        name = slug.replace("-", " ")
        return name if len(name) >= 3 else f"{PLACEHOLDER}: name the product"
    name = name.strip()
    if not 3 <= len(name) <= 200 or "\n" in name or "\r" in name:
        raise ScaffoldError("the name must be one line of 3 to 200 characters")
    return name


def _main_source(main: Path, catalog: Catalog) -> Path:
    # resolve the folder, not the file itself, so a symbolic link stays what it is
    absolute = main if main.is_absolute() else Path.cwd() / main
    source = absolute.parent.resolve() / absolute.name
    if not source.exists():
        raise ScaffoldError(f"the main file {main} does not exist")
    if not source.is_file():
        raise ScaffoldError(f"the main file {main} is not a file")
    size = source.stat().st_size
    if size > catalog.limits.file_bytes:
        raise ScaffoldError(f"the main file {main} is {size / 1e6:,.1f} MB; the catalog "
                            f"allows {catalog.limits.file_bytes / 1e6:,.1f} MB per file")
    return source


def _main_destination(source: Path, folder: Path) -> tuple[str, bool]:
    """The main file's path inside the folder, and whether it must be copied there."""
    if source.is_relative_to(folder):
        rel = source.relative_to(folder).as_posix()
        if rel == PRODUCT_FILE:
            raise ScaffoldError(f"{PRODUCT_FILE} cannot be the main file")
        return rel, False
    if source.name == PRODUCT_FILE:
        raise ScaffoldError(f"rename {source.name} first: the main file cannot be called "
                            f"{PRODUCT_FILE}")
    dest = folder / source.name
    if dest.exists() or dest.is_symlink():
        if dest.is_file() and filecmp.cmp(source, dest, shallow=False):
            return source.name, False  # the same file is there already
        raise ScaffoldError(f"{dest} exists and differs from {source}; remove it or give it "
                            f"as the main file")
    return source.name, True


def _read_columns(path: Path, spec: ProductType, table: str | None
                  ) -> tuple[list[str] | None, list[str]]:
    """The column names of the main file (None when it is not a table), and notes."""
    from .tables import is_tabular_format, open_table, sniff_format

    fmt = sniff_format(path)
    if fmt is None or not is_tabular_format(fmt):
        if spec.tabular:
            raise ScaffoldError(f"a {spec.name} needs a table as its main file (Parquet, CSV, "
                                f"FITS, HDF5, VOTable); {path.name} is not one")
        return None, []
    try:
        source = open_table(path, table)
    except TableError as exc:
        if spec.tabular or table is not None:
            raise ScaffoldError(f"cannot read {path.name} as a table: {exc}") from exc
        return None, [f"{path.name} looks like a table but cannot be read, so no column "
                      f"roles were guessed: {exc}"]
    notes = [message for _, message in getattr(source, "warnings", [])]
    return [c.name for c in source.columns], notes


def _place(source: Path, dest: Path, made: list[Path]) -> None:
    """Copy ``source`` to ``dest`` through a temporary file; never replace an existing file."""
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copy2(source, tmp)
        try:
            os.link(tmp, dest)  # fails if dest appeared meanwhile: nothing is overwritten
        except FileExistsError as exc:
            raise ScaffoldError(f"{dest} appeared while copying; nothing was replaced") from exc
        except OSError:  # a file system without hard links
            if dest.exists():
                raise
            os.replace(tmp, dest)
        made.append(dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _list_files(folder: Path, main: str) -> list[tuple[str, str]]:
    """The main file, then a README.md as description, then every other file as auxiliary;
    hidden files and folders are left out, as ``pzbuild validate`` does."""
    others: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fname in sorted(filenames):
            rel = Path(dirpath, fname).relative_to(folder).as_posix()
            if not fname.startswith(".") and rel not in (PRODUCT_FILE, main):
                others.append(rel)
    readme = next((r for r in others if r.lower() == "readme.md"), None)
    return [(main, "main")] + [(r, "description" if r == readme else "auxiliary")
                               for r in others]


def _render(catalog: Catalog, spec: ProductType, product_id: str, title: str,
            files: list[tuple[str, str]], columns: list[str] | None, roles: RoleGuess | None,
            table: str | None = None) -> tuple[str, list[str]]:
    """The text of a new product.yaml, and the JSON pointers of its TODO values."""
    todo: list[str] = []
    releases = ", ".join(catalog.vocabulary.releases)
    out = [f"# product.yaml of {_comment(product_id)}, written by `pzbuild new`.",
           "# Replace every value that starts with TODO, check the guessed column roles,",
           "# then run `pzbuild validate` on this folder.", ""]
    if title.startswith(PLACEHOLDER):
        todo.append("/name")
    out.append(_line("name", _q(title), "display name, 3 to 200 characters"))
    out.append(_line("type", spec.name, _comment(spec.display_name)))
    out.append(_line("release", "null", f"the LSST release it is made for: {releases}, or null"
                     if spec.release else f"a {spec.name} has no release"))
    if spec.pz_code:
        out.append(_line("pz_code", "null", "the code that made the estimates, e.g. BPZ"))
    todo += ["/description", "/authors/0/name", "/license"]
    out += ["# What the product holds, how it was made, its selection and caveats (Markdown).",
            "description: |", f"  {PLACEHOLDER}: describe the product.",
            "authors:  # who made the product, at least one",
            f"  - name: {_q(PLACEHOLDER + ': full name')}",
            "    # orcid: 0000-0002-1825-0097", "    # affiliation: Your institution",
            "# contact: you@example.org",
            "# An SPDX licence identifier, e.g. CC-BY-4.0, CC0-1.0 (https://spdx.org/licenses/)",
            f"license: {_q(PLACEHOLDER + ': an SPDX licence identifier, e.g. CC-BY-4.0')}",
            "# tags: [spectroscopic]", "files:"]
    for path, role in files:
        out += [f"  - path: {_q(path)}", f"    role: {role}"]
    if columns is not None and roles is not None:
        out += ["# Column roles of the main file, guessed from the column names: check each.",
                "# null: the file has no such column.", "columns:"]
        for role in ROLES:
            result = roles.results[role]
            floor = MIN_SCORE if result.column is not None else 0
            others = [c.column for c in result.candidates
                      if c.column != result.column and c.score >= floor][:3]
            seen = f"other candidates: {', '.join(others)}" if others else ""
            if result.column is not None:
                out.append(_line(f"  {role}", _q(result.column),
                                 f"guessed; {seen}" if seen else "guessed"))
            elif role in spec.required_roles:
                todo.append(f"/columns/{role}")
                value = _q(f"{PLACEHOLDER}: the column that holds {role}")
                out.append(_line(f"  {role}", value, f"a {spec.name} needs it; "
                                 f"{seen or 'no column name looked like ' + role}"))
            else:
                out.append(f"  {role}: null" + (f"  # {_comment(seen)}" if seen else ""))
    out.append("# null_values: [-99, 99]  # values that mean 'missing' in the main file")
    if table is not None:
        out.append(_line("table", _q(table), "the table of the main file that is read"))
    out += ["# provenance:", "#   derived_from: [official/another-product]",
            '#   software: {name: rail_bpz, version: "1.0.2"}',
            "#   notes: How the product was made.", "# citation: |", "#   @article{...}", ""]
    text = "\n".join(out)
    _self_check(text, title, files, roles if columns is not None else None)
    return text, todo


def _self_check(text: str, title: str, files: list[tuple[str, str]],
                roles: RoleGuess | None) -> None:
    """Read the text back: a quoting mistake must not reach the disk."""
    loaded = load_yaml_bytes(text.encode("utf-8"), PRODUCT_FILE)
    data = loaded.data if loaded.ok and isinstance(loaded.data, dict) else {}
    expected_columns = {r: c for r, c in roles.as_columns().items() if c} if roles else {}
    got_columns = {r: c for r, c in (data.get("columns") or {}).items()
                   if isinstance(c, str) and not c.startswith(PLACEHOLDER)}
    if (data.get("name") != title or got_columns != expected_columns
            or [(f["path"], f["role"]) for f in data.get("files", [])] != files):
        raise ScaffoldError("internal error: the product.yaml written would not read back "
                            "as meant; please report this with the file's column names")


def _line(key: str, value: str, comment: str) -> str:
    return f"{key}: {value}  # {_comment(comment)}"


def _comment(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _q(value: str) -> str:
    """A YAML scalar for ``value``: plain when that reads back as the same text, else
    double-quoted with every character YAML may not hold raw escaped."""
    if _PLAIN.fullmatch(value):
        from yaml import safe_load

        if safe_load(value) == value:
            return value
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and ch not in "\ufeff\u2028\u2029":
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'
