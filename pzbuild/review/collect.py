"""Review a pull request: compare the head with the base, validate and inspect the head, and
flag what needs a maintainer. The one function behind ``pzbuild review``."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..codeowners import CODEOWNERS, check_codeowners
from ..gitrepo import Change, GitError, GitRepo
from ..problems import Location, Problem, sort_problems
from .diff import PRODUCT_FILE, GitTree, ProductChange, Tree, WorkTree, diff_products
from .flags import Flag, maintainer_flags

#: What a head commit needs to be validated as a catalog.
CATALOG_PATHS = ("products", "schema", "access", "catalog.yaml", CODEOWNERS)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Side:
    """One end of the comparison: the ref as given, and the commit it names."""

    ref: str | None  # None: the working tree
    commit: str

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "commit": self.commit}


@dataclass
class Review:
    base: Side
    head: Side
    merge_base: str
    products: list[ProductChange] = field(default_factory=list)
    other_changes: list[Change] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    #: problems of the head outside the changed products (unchanged products, CODEOWNERS)
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0  # products validated in the head

    def by_status(self, status: str) -> list[ProductChange]:
        return [p for p in self.products if p.status == status]

    @property
    def errors(self) -> list[Problem]:
        own = [p for c in self.products for p in c.problems or []]
        return [p for p in own + self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION, "ok": self.ok,
            "base": self.base.to_dict(), "head": self.head.to_dict(),
            "merge_base": self.merge_base, "products_checked": self.checked,
            "errors": len(self.errors),
            "added": [p.to_dict() for p in self.by_status("added")],
            "changed": [p.to_dict() for p in self.by_status("changed")],
            "removed": [p.to_dict() for p in self.by_status("removed")],
            "other_changes": [{"status": c.status, "path": c.path} for c in self.other_changes],
            "flags": [f.to_dict() for f in self.flags],
            "problems": [p.to_dict() for p in self.problems],
        }


class CatalogNotAtTop(GitError):
    """Raised when the catalog root is not the top folder of its git repository."""


def review(root: Path, base: str, head: str | None = None) -> Review:
    """Compare ``head`` (a ref; None for the working tree) of the catalog at ``root`` with
    the merge base of ``base`` and the head, as GitHub shows a pull request.

    Raises GitError subclasses when the comparison cannot be made (not a repository, an
    unknown ref, a shallow clone without the base)."""
    root = root.resolve()
    repo = GitRepo(root)
    if repo.top != root:
        raise CatalogNotAtTop(f"the catalog {root} is not the top folder of its git "
                              f"repository {repo.top}; review runs on a catalog repository")
    base_side = Side(base, repo.commit(base))
    head_side = Side(head, repo.commit(head or "HEAD"))
    merge_base = repo.merge_base(base_side.commit, head_side.commit)
    changes = repo.changes(merge_base, head_side.commit if head else None)
    result = Review(base_side, head_side, merge_base)
    with tempfile.TemporaryDirectory(prefix="pzbuild-review-") as tmp:
        head_tree: Tree
        if head is None:
            head_root, head_tree = root, WorkTree(repo)
        else:
            head_root = repo.export(head_side.commit, CATALOG_PATHS, Path(tmp) / "head")
            head_tree = GitTree(repo, head_side.commit)
        base_tree = GitTree(repo, merge_base)
        result.products, result.other_changes = diff_products(changes, base_tree, head_tree)
        valid = _validate(result, head_root, cache_root=root)
        codeowners = check_codeowners(head_root)
        result.problems.extend(codeowners.problems)
        if any(c.path.startswith("access/") for c in result.other_changes):
            from ..access import load_access_list, users_path

            result.problems.extend(load_access_list(users_path(head_root)).problems)
        result.flags = maintainer_flags(result.products, result.other_changes,
                                        codeowners_ok=codeowners.ok)
        _count_rows(result, valid, repo, base_tree, Path(tmp) / "base", root)
    result.problems = sort_problems(result.problems)
    return result


def _validate(result: Review, head_root: Path, cache_root: Path) -> list[Any]:
    """Validate the whole head catalog (a change to one product, the schema or catalog.yaml
    can break another); give each changed product its problems. The valid products."""
    from ..errors import ConfigError
    from ..inspect.cache import InspectCache
    from ..validate import validate_catalog

    # The catalog's own cache: a head exported to a temporary folder still finds what was
    # read before by content. The stat index is not saved for an exported head.
    cache = InspectCache(cache_root)
    try:
        report = validate_catalog(head_root, cache=cache)
    except ConfigError as exc:
        result.problems.append(Problem("C701", str(exc), Location("catalog.yaml")))
        for p in result.products:
            p.problems = None if p.status == "removed" else []
        return []
    finally:
        if head_root == cache_root:
            cache.save()
    result.checked = len(report.submissions)
    mine: dict[str, list[Problem]] = {p.id: [] for p in result.products}
    for problem in report.problems:
        pid = problem.product or _owner(problem.location.path, mine)
        if pid in mine:
            mine[pid].append(problem)
        else:
            result.problems.append(problem)
    for p in result.products:
        p.problems = None if p.status == "removed" else mine[p.id]
    return list(report.products)


def _owner(path: str, ids: Iterable[str]) -> str | None:
    return next((pid for pid in ids if path.startswith(f"products/{pid}/")), None)


def _count_rows(result: Review, valid: list[Any], repo: GitRepo, base_tree: GitTree,
                base_dir: Path, cache_root: Path) -> None:
    """Rows of the main table before and after, from the inspection (cached by content)."""
    from ..inspect import InspectCache, inspect_products
    from ..yamlload import load_yaml_bytes

    by_id = {p.id: p for p in result.products}
    cache = InspectCache(cache_root)  # the stat index is left alone: paths are temporary
    wanted = [p for p in valid if p.id in by_id and by_id[p.id].status != "removed"]
    for summary in inspect_products(wanted, cache):
        by_id[summary.id].rows_after = _rows(summary)
    olds = [p for p in result.products if p.status != "added"]
    if not olds:
        return
    repo.export(result.merge_base, [p.folder for p in olds], base_dir)
    pairs = []
    for p in olds:
        blob = base_tree.read(f"{p.folder}/{PRODUCT_FILE}")
        loaded = load_yaml_bytes(blob, p.folder) if blob is not None else None
        if loaded is not None and loaded.ok and isinstance(loaded.data, dict):
            pairs.append((p, (base_dir / p.folder, loaded.data)))
    summaries = inspect_products([pair for _, pair in pairs], cache)
    for (p, _), summary in zip(pairs, summaries, strict=True):
        p.rows_before = _rows(summary)


def _rows(summary: Any) -> int | None:
    main = summary.main
    return main.table.num_rows if main is not None and main.table is not None else None
