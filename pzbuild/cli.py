"""The command line. It only parses options, calls one library function and maps the result
to output and an exit code: 0 all is well, 1 problems were found, 2 the command was misused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__

ROOT_OPTION = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The catalog repository (default: the folder above the current one holding "
         "catalog.yaml).")


def _fail_usage(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pzbuild")
def main() -> None:
    """pzbuild: validate, inspect and publish a catalog of photo-z data products."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@ROOT_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per problem; json: for machines.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, strict: bool) -> None:
    """Check products against the schema and the catalog rules.

    PATHS are product folders or product.yaml files (default: the whole catalog). Every
    problem is printed at once as `path:line:col: CODE message`; the codes are listed by
    `pzbuild codes`. Exit 0 when valid, 1 when there are problems.
    """
    from .errors import CatalogNotFound, ConfigError
    from .validate import validate_catalog

    for p in paths:
        if not p.exists():
            _fail_usage(click.BadParameter(f"{p} does not exist", param_hint="PATHS"))
    try:
        start = root or (paths[0].resolve() if paths else None)
        report = validate_catalog(start if start and start.is_dir() else
                                  (start.parent if start else None),
                                  paths=list(paths) or None)
    except CatalogNotFound as exc:
        _fail_usage(exc)
        return
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for problem in report.problems:
            click.echo(problem.format())
        n_err, n_warn = len(report.errors), len(report.warnings)
        summary = (f"{len(report.submissions)} products checked: {n_err} errors, "
                   f"{n_warn} warnings")
        click.echo(summary, err=True)
    sys.exit(0 if report.ok(strict) else 1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--type", "product_type", required=True,
              help="A product type of schema/vocabulary.yaml, e.g. redshift_catalog.")
@click.option("--main", "main_file", required=True, type=click.Path(path_type=Path),
              help="The main data file; copied into the product folder if it is elsewhere.")
@click.option("--name", default=None, help="Display name (default: made from the slug).")
@click.option("--table", default=None,
              help="HDF5 group/key or FITS HDU to read when the file holds several tables.")
@click.option("--force", is_flag=True, help="Overwrite an existing product.yaml.")
@ROOT_OPTION
def new(path: Path, product_type: str, main_file: Path, name: str | None, table: str | None,
        force: bool, root: Path | None) -> None:
    """Scaffold a product folder at PATH with a product.yaml to complete.

    PATH is products/official/<slug> or products/user/<handle>/<slug>. Column roles (id, ra,
    dec, z, z_err, z_flag, survey) are guessed from the main file's column names; what
    cannot be guessed is left as a TODO that `pzbuild validate` points at.
    """
    from .config import find_root
    from .errors import PzBuildError
    from .scaffold import scaffold_product

    try:
        catalog_root = root or find_root(path.resolve().parent if not path.exists()
                                         else path.resolve())
        result = scaffold_product(catalog_root, path, product_type, main_file, name=name,
                                  table=table, force=force)
    except PzBuildError as exc:
        _fail_usage(exc)
        return
    click.echo(f"created {result.yaml_path}")
    if result.copied_from is not None:
        click.echo(f"copied {result.copied_from} -> {result.folder / result.main_file}")
    if result.roles is not None:
        for role, col in result.roles.as_columns().items():
            click.echo(f"  {role:7s} {col if col is not None else '(not guessed)'}")
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.placeholders:
        click.echo(f"{len(result.placeholders)} TODO values to fill in: "
                   f"{', '.join(p.lstrip('/').replace('/', '.') for p in result.placeholders)}")
        click.echo(f"then run: pzbuild validate {path}")


@main.command()
def codes() -> None:
    """List every problem code with its severity and meaning (as docs/codes.md)."""
    from .problems import codes_markdown

    click.echo(codes_markdown(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
