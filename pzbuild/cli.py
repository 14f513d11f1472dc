"""The command line. It only parses options, calls one library function and maps the result
to output and an exit code: 0 all is well, 1 problems were found, 2 the command was misused."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__

if TYPE_CHECKING:
    from .client import Catalog

ROOT_OPTION = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The catalog repository (default: the folder above the current one holding "
         "catalog.yaml).")


def _fail_usage(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


def _catalog_or_exit(root: Path | None) -> Any:
    """The catalog at ``root`` (or above the current folder); exit 2 when there is none,
    1 when its catalog.yaml is invalid."""
    from .config import load_catalog
    from .errors import CatalogNotFound, ConfigError

    try:
        return load_catalog(root)
    except CatalogNotFound as exc:
        _fail_usage(exc)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


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
@click.option("--changed", is_flag=True,
              help="PATHS are changed files (as a pre-commit hook passes them): validate the "
                   "products holding them, or the whole catalog when one lies outside every "
                   "product (schema/, catalog.yaml, a removed product). Missing paths are "
                   "allowed.")
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, strict: bool,
             changed: bool) -> None:
    """Check products against the schema and the catalog rules.

    PATHS are product folders, product.yaml files or files of products (default: the whole
    catalog). Every problem is printed at once as `path:line:col: CODE message`; the codes
    are listed by `pzbuild codes`. Exit 0 when valid, 1 when there are problems.
    """
    from .errors import CatalogNotFound, ConfigError
    from .validate import validate_catalog

    if changed:
        from .config import find_root
        from .review.changed import products_of_changed

        if not paths:
            click.echo("no changed files: nothing to validate", err=True)
            sys.exit(0)
        try:
            root = find_root(root)
        except CatalogNotFound as exc:
            _fail_usage(exc)
            return
        paths = tuple(products_of_changed(root, paths) or ())
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
@click.argument("product_id")
@click.option("--as", "as_slug", default=None, metavar="SLUG",
              help="The slug of the official product (default: the user product's slug).")
@ROOT_OPTION
def promote(product_id: str, as_slug: str | None, root: Path | None) -> None:
    """Move the user product PRODUCT_ID (user/<owner>/<slug>) into the official section.

    The folder moves with `git mv` to products/official/<slug>, so that it keeps its
    history; its product.yaml records provenance.promoted_from (the old id and today's
    date), and derived_from references to the old id in other products are rewritten. The
    built site keeps the old URL as a redirect. Nothing is committed: the command prints the
    `git commit` to run. Exit 2 when the product cannot be promoted (not a git checkout, no
    such product, the target exists, uncommitted changes in the product folder, a bad id or
    slug), 1 when the product is invalid (its problems are printed).
    """
    from .promote import PromoteError, commit_command
    from .promote import promote as promote_product

    catalog = _catalog_or_exit(root)
    try:
        result = promote_product(catalog, product_id, as_slug=as_slug)
    except PromoteError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1 if exc.problems else 2)
    click.echo(f"moved {result.old_folder} -> {result.new_folder} (git mv)")
    click.echo(f"recorded provenance.promoted_from {{id: {result.old_id}, date: {result.date}}} "
               f"in {result.new_folder}/product.yaml")
    for path in result.rewritten:
        click.echo(f"rewrote derived_from {result.old_id} -> {result.new_id} in {path}")
    click.echo("nothing is committed yet; review the change (git status, git diff --staged, "
               "git diff), then run:")
    click.echo(f"  {commit_command(result, catalog.root)}")


@main.command("inspect")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@ROOT_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: a table, one line per product; json: the full "
              "statistics of every product.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes that read tables missing from the cache.")
@click.option("--no-cache", is_flag=True, help="Read every table again, ignoring the cache.")
def inspect_command(paths: tuple[Path, ...], root: Path | None, fmt: str, jobs: int,
                    no_cache: bool) -> None:
    """Validate, then read each product's tables once: rows, columns, statistics.

    Results are cached in .pzbuild-cache/ by file content, so an unchanged file is never
    read again. Exit 1 when a product is invalid (its problems are printed first).
    """
    from .errors import CatalogNotFound, ConfigError
    from .inspect import InspectCache, inspect_products
    from .overview import format_overview, overview_rows
    from .validate import validate_catalog

    try:
        start = root or (paths[0].resolve() if paths else None)
        report = validate_catalog(start if start is None or start.is_dir() else start.parent,
                                  paths=list(paths) or None)
    except CatalogNotFound as exc:
        _fail_usage(exc)
        return
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for problem in report.problems:
        click.echo(problem.format(), err=True)
    cache = InspectCache.disabled() if no_cache else InspectCache(report.catalog.root)
    with cache:
        summaries = inspect_products(report.products, cache, jobs=jobs)
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in summaries], indent=1))
    else:
        click.echo(format_overview(overview_rows(report.products, summaries)))
        click.echo(f"tables read: {cache.misses}, from the cache: {cache.hits}", err=True)
    sys.exit(0 if report.ok() else 1)


@main.command()
def codes() -> None:
    """List every problem code with its severity and meaning (as docs/codes.md)."""
    from .problems import codes_markdown

    click.echo(codes_markdown(), nl=False)


@main.group()
def access() -> None:
    """Keys and the access list of the sealed site (access/users.yaml).

    A reader makes a key pair on their own machine with `keygen` and sends the public key it
    prints; a maintainer adds it with `add`. Changes take effect at the next build.
    """


def _users_yaml(root: Path | None) -> Path:
    from .access import users_path
    from .config import find_root
    from .errors import CatalogNotFound

    try:
        return users_path(root or find_root())
    except CatalogNotFound as exc:
        _fail_usage(exc)
        raise  # unreachable: _fail_usage exits


@access.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the private key (mode 0600, never overwritten), outside "
                   "the catalog repository, e.g. ~/.pzbuild/catalog.pem.")
@click.option("--inside-repo", is_flag=True,
              help="Allow --out inside the catalog repository (a git-ignored demo folder).")
def keygen(out: Path, inside_repo: bool) -> None:
    """Make a P-256 key pair: the private key to --out, the public key printed.

    Run it on your own machine. Send the printed public key (never the file) to the
    catalog's maintainers; the private key is what opens the sealed site.
    """
    from .access import AccessError, generate_key

    try:
        key = generate_key(out, allow_in_catalog=inside_repo)
    except AccessError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    for warning in key.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"private key written to {key.path} (mode 0600; keep it secret)", err=True)
    click.echo(f"fingerprint {key.fingerprint}", err=True)
    click.echo(key.public_key)


@access.command()
@click.argument("handle")
@click.option("--key", "key", required=True,
              help="The reader's public key, or a file holding it (p256:..., PEM, base64 or "
                   "JWK). A private key is refused.")
@click.option("--name", default=None, help="The reader's name.")
@click.option("--affiliation", default=None, help="The reader's institution.")
@click.option("--groups", default=None,
              help="Comma-separated groups whose restricted products the reader may open.")
@click.option("--expires", default=None, help="Last day of access, YYYY-MM-DD (inclusive).")
@ROOT_OPTION
def add(handle: str, key: str, name: str | None, affiliation: str | None, groups: str | None,
        expires: str | None, root: Path | None) -> None:
    """Add a reader to access/users.yaml (written atomically, comments kept)."""
    from .access import AccessError, add_user

    path = _users_yaml(root)
    group_list = [g.strip() for g in groups.split(",") if g.strip()] if groups else None
    try:
        edit = add_user(path, handle, key, name=name, affiliation=affiliation,
                        groups=group_list, expires=expires)
    except AccessError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"added {edit.user.handle} (fingerprint {edit.user.fingerprint}) to {path}")
    if not edit.comments_kept:
        click.echo("note: the file was written anew; its comments were not kept", err=True)


@access.command()
@click.argument("handle")
@ROOT_OPTION
def remove(handle: str, root: Path | None) -> None:
    """Remove a reader from access/users.yaml; the next build no longer opens for them."""
    from .access import AccessError, remove_user

    path = _users_yaml(root)
    try:
        edit = remove_user(path, handle)
    except AccessError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"removed {edit.user.handle} from {path}; rebuild the site to revoke access")
    if not edit.comments_kept:
        click.echo("note: the file was written anew; its comments were not kept", err=True)


@access.command("list")
@ROOT_OPTION
def list_readers(root: Path | None) -> None:
    """List the readers: handle, fingerprint, groups, expiry, name and affiliation."""
    import datetime as dt

    from .access import load_access_list

    access_list = load_access_list(_users_yaml(root))
    today = dt.date.today()
    for u in access_list.users:
        state = "" if u.current(today) else " (expired)"
        click.echo("\t".join([u.handle, u.fingerprint, ",".join(u.groups) or "-",
                              f"{u.expires or '-'}{state}", u.name or "-",
                              u.affiliation or "-"]))
    for problem in access_list.problems:
        click.echo(problem.format(), err=True)
    sys.exit(1 if access_list.errors else 0)


@access.command()
@ROOT_OPTION
def check(root: Path | None) -> None:
    """Check access/users.yaml: keys, duplicates, dates, unknown fields, expired readers.

    Every problem is printed as `access/users.yaml:line:col: CODE message` (codes A8xx of
    `pzbuild codes`). Exit 1 when there is any problem, expired readers included.
    """
    from .access import load_access_list

    access_list = load_access_list(_users_yaml(root))
    for problem in access_list.problems:
        click.echo(problem.format())
    click.echo(f"{len(access_list.users)} readers: {len(access_list.errors)} errors, "
               f"{len(access_list.problems) - len(access_list.errors)} warnings", err=True)
    sys.exit(1 if access_list.problems else 0)


# -- reading a published catalog (pzbuild.client) ------------------------------------------

def _site_options(fn: Callable[..., None]) -> Callable[..., None]:
    fn = click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path),
                      default=None, help="Your private key file, for a sealed site (default: "
                      "$PZ_KEY, then ~/.config/pzbuild/key.pem).")(fn)
    return click.option("--site", envvar="PZ_SITE", default=None, metavar="URL|DIR",
                        help="The built site: an http(s) URL or a local folder "
                        "(default: $PZ_SITE).")(fn)


def _open_catalog(site: str | None, key_file: Path | None) -> Catalog:
    from .client import Catalog

    if not site:
        _fail_usage(click.UsageError("no site: give --site URL|DIR or set PZ_SITE"))
    return Catalog(site, key=key_file)


def _client_failed(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(1)


@main.command("list")
@_site_options
@click.option("--type", "types", multiple=True, help="Only products of this type (repeatable).")
@click.option("--release", "releases", multiple=True,
              help="Only products of this release (repeatable).")
@click.option("--name", default=None, help="Only products whose name or id contains this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: one line per product; json: the catalog entries.")
def list_products(site: str | None, key_file: Path | None, types: tuple[str, ...],
                  releases: tuple[str, ...], name: str | None, fmt: str) -> None:
    """List the products of a published catalog site (a URL or a built folder)."""
    from .client import ClientError
    from .client.text import products_table

    filters: dict[str, object] = {}
    if types:
        filters["type__in"] = list(types)
    if releases:
        filters["release__in"] = list(releases)
    if name:
        filters["name"] = name
    try:
        entries = _open_catalog(site, key_file).get_products_list(filters)
    except ClientError as exc:
        _client_failed(exc)
        return
    click.echo(json.dumps(entries, indent=2) if fmt == "json" else products_table(entries))


@main.command()
@click.argument("product_id")
@_site_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: a summary; json: the whole product.json record.")
def show(product_id: str, site: str | None, key_file: Path | None, fmt: str) -> None:
    """Show a product of a published catalog: PRODUCT_ID is e.g. official/<slug>."""
    from .client import ClientError
    from .client.text import product_summary

    try:
        meta = _open_catalog(site, key_file).get_product_metadata(product_id)
    except ClientError as exc:
        _client_failed(exc)
        return
    click.echo(json.dumps(meta, indent=2) if fmt == "json" else product_summary(meta))


@main.command()
@click.argument("product_id")
@_site_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder to save into; the files go to OUT/<slug>/.")
def get(product_id: str, site: str | None, key_file: Path | None, out: Path) -> None:
    """Download every file of a product, each checked against its published SHA-256."""
    from .client import ClientError

    try:
        folder = _open_catalog(site, key_file).download_product(product_id, save_in=out)
    except ClientError as exc:
        _client_failed(exc)
        return
    click.echo(str(folder))


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The site folder, replaced as a whole when the build succeeds "
                   "(default: site/ in the catalog root).")
@click.option("--plain", is_flag=True,
              help="Build an unprotected site, for a local preview or a host behind an "
                   "authenticating proxy; every page says so. Without it the site is sealed "
                   "for the readers of access/users.yaml.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes for inspection and pages (default: one per CPU).")
@ROOT_OPTION
def build(out: Path | None, plain: bool, jobs: int | None, root: Path | None) -> None:
    """Build the catalog site: validate, inspect, write every page, record and file.

    Only what changed since the last build is done again. The output folder is replaced
    only when the build succeeds. Exit 1 when the catalog is invalid (its problems are
    printed as by `pzbuild validate`) or the build fails.
    """
    from .errors import PzBuildError
    from .publish import publish
    from .site.errors import OutputNotASite
    from .site.progress import terminal_progress

    catalog = _catalog_or_exit(root)
    target = out if out is not None else catalog.root / "site"
    progress = terminal_progress()
    try:
        published = publish(catalog, target, plain=plain, jobs=jobs, progress=progress)
    except OutputNotASite as exc:
        _fail_usage(exc)
        return
    except PzBuildError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    finally:
        if progress is not None:
            progress.close()
    result = published.build
    for problem in result.problems:
        click.echo(problem.format())
    if not result.ok:
        n_err = sum(p.is_error for p in result.problems)
        click.echo(f"{n_err} errors: the site was not built", err=True)
        sys.exit(1)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    mkdocs = "mkdocs ran" if result.shell_built else "shell unchanged"
    click.echo(f"built {result.out}: {result.products} products ({result.rendered} rendered, "
               f"{result.reused} unchanged), {mkdocs}, in {result.timings['total']:.1f} s",
               err=True)
    if published.seal is not None:
        seal = published.seal
        click.echo(f"sealed for {len(seal.readers)} readers ({', '.join(seal.readers)}); "
                   f"login page SHA-256 {seal.shell_sha256}", err=True)
        if seal.epoch_kept:
            click.echo(f"keys kept from the last build: {seal.reused} of {seal.files} files "
                       f"reused as sealed then ({seal.reused_bytes / 1e6:,.1f} MB)", err=True)
        else:
            click.echo(f"new keys: {seal.epoch_why}; every file sealed", err=True)
        for note in seal.notes:
            click.echo(f"warning: {note}", err=True)
        for handle in seal.expired:
            click.echo(f"warning: the access of {handle} has expired: left out", err=True)


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to serve on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; the site is unprotected, keep it local.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes for inspection and pages (default: one per CPU).")
@click.option("--sealed", is_flag=True,
              help="Seal the site (as `pzbuild build` does) for the access list and a demo "
                   "reader key made on this machine, instead of an unprotected preview.")
@ROOT_OPTION
def serve(port: int, host: str, jobs: int | None, root: Path | None, sealed: bool) -> None:
    """Build the site and serve it on this machine, as an unprotected preview by default.

    With --sealed the site is sealed for the access list plus a demo reader whose key is
    made once in .pzbuild-cache/demo/ (ignored by git): log in with that key. The site is
    built again whenever products/, schema/, docs/site/, site_templates/, mkdocs.yml or
    catalog.yaml change; a build that fails prints why and the previous site stays served.
    Stop with Ctrl-C.
    """
    from .errors import PzBuildError
    from .publish import demo_reader, publish
    from .site.build import BuildResult
    from .site.serve import serve_site

    catalog = _catalog_or_exit(root)

    def report(result: BuildResult | Exception) -> None:
        if isinstance(result, Exception):
            click.echo(f"build failed: {result}", err=True)
            return
        for problem in result.problems:
            click.echo(problem.format(), err=True)
        if not result.ok:
            click.echo("the catalog is invalid: the previous site is still served", err=True)
            return
        click.echo(f"built: {result.products} products ({result.rendered} rendered) in "
                   f"{result.timings['total']:.1f} s", err=True)

    builder = None
    login = ""
    if sealed:
        try:
            reader, key_path = demo_reader(catalog)
        except PzBuildError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

        def builder(cat: Any, folder: Path) -> BuildResult:
            return publish(cat, folder, plain=False, jobs=jobs, extra_readers=[reader]).build

        login = (f"\nThe site is sealed. To log in, paste the private key in\n  {key_path}\n"
                 "into the login page (or pick that file); it is a demo reader key, made on "
                 "this machine and never committed.")

    def ready(url: str) -> None:
        click.echo(f"serving {url} (Ctrl-C to stop){login}")

    try:
        serve_site(catalog, host=host, port=port, jobs=jobs, on_build=report, on_ready=ready,
                   builder=builder)
    except OSError as exc:
        _fail_usage(Exception(f"cannot serve on {host}:{port}: {exc}"))
    except KeyboardInterrupt:
        pass


# -- the pull-request flow ------------------------------------------------------------------

@main.command()
@click.option("--base", required=True, metavar="REF",
              help="The branch the pull request goes into, e.g. origin/main.")
@click.option("--head", default=None, metavar="REF",
              help="The commit to review (default: the working tree, i.e. HEAD with its "
                   "uncommitted and untracked files; in CI, the checked-out pull request).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="markdown: a comment for the pull request; json: for "
                                      "machines.")
@ROOT_OPTION
def review(base: str, head: str | None, fmt: str, root: Path | None) -> None:
    """Report what a pull request changes, for reviewers: products added, changed (field by
    field, files, size and rows) and removed, the validity of each, and the changes that
    need a maintainer (official products, access/, schema/, catalog.yaml, the site's
    templates, .github/, deletions).

    The head is compared with its merge base with --base, as GitHub shows the pull request;
    the whole head catalog is validated, and the access list when it changes. Exit 0 when
    the head is valid, 1 when anything is invalid or .github/CODEOWNERS is missing or out of
    date (`pzbuild codeowners`), 2 when the comparison cannot
    be made (not a git repository, an unknown ref, a shallow clone without the base: fetch
    with `fetch-depth: 0`).
    """
    from .config import find_root
    from .errors import CatalogNotFound
    from .gitrepo import GitError
    from .review import review as review_changes
    from .review import to_json, to_markdown

    try:
        result = review_changes(find_root(root), base, head)
    except (CatalogNotFound, GitError) as exc:
        _fail_usage(exc)
        return
    click.echo(to_json(result) if fmt == "json" else to_markdown(result), nl=fmt == "json")
    counts = {s: len(result.by_status(s)) for s in ("added", "changed", "removed")}
    click.echo(f"{counts['added']} added, {counts['changed']} changed, {counts['removed']} "
               f"removed; {len(result.errors)} errors; flags: "
               f"{', '.join(f.kind for f in result.flags) or 'none'}", err=True)
    sys.exit(0 if result.ok else 1)


@main.command()
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 when .github/CODEOWNERS is missing or out of date.")
@ROOT_OPTION
def codeowners(check: bool, root: Path | None) -> None:
    """Write .github/CODEOWNERS from the maintainers of catalog.yaml.

    Maintainers are listed in catalog.yaml as `maintainers: [{handle, name}]`, a handle
    being a GitHub user or organisation/team. The file makes a maintainer's approval
    necessary for changes to official products, access/, schema/, catalog.yaml, the site's
    templates and pages, and .github/ itself. Exit 1 when the maintainers are invalid
    (codes G9xx) or, with --check, when the file is missing or out of date.
    """
    from .codeowners import CODEOWNERS, check_codeowners, write_codeowners
    from .config import find_root
    from .errors import CatalogNotFound

    try:
        catalog_root = find_root(root)
    except CatalogNotFound as exc:
        _fail_usage(exc)
        return
    if check:
        result = check_codeowners(catalog_root)
        wrote = False
    else:
        result, wrote = write_codeowners(catalog_root)
    for problem in result.problems:
        click.echo(problem.format(), err=True)
    if result.ok:
        owners = ", ".join(f"@{h}" for h in result.maintainers.handles)
        state = "wrote" if wrote else "up to date:"
        click.echo(f"{state} {catalog_root / CODEOWNERS} ({owners})", err=True)
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
