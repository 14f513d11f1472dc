"""The maintainers of catalog.yaml, and the .github/CODEOWNERS file made from them.

GitHub asks a code owner to approve every pull request that touches a path the file assigns
(with branch protection's "Require review from Code Owners"). The file is generated, never
edited by hand: ``pzbuild codeowners`` writes it and ``pzbuild review`` fails when it is
missing or disagrees with catalog.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_atomic
from .problems import Location, Problem
from .yamlload import LoadedYaml, load_yaml_file

CODEOWNERS = ".github/CODEOWNERS"

#: Paths whose changes need a maintainer: (CODEOWNERS pattern, kind, why). ``pzbuild review``
#: flags a change to any of them under its kind.
OWNED_PATHS: tuple[tuple[str, str, str], ...] = (
    ("/products/official/", "official", "products of the PZ Coordination Group"),
    ("/access/", "access", "who may open the sealed site"),
    ("/schema/", "schema", "the product schema and the vocabulary"),
    ("/catalog.yaml", "catalog", "settings and the maintainers themselves"),
    ("/site_templates/", "site", "templates and scripts of every page of the site"),
    ("/mkdocs.yml", "site", "the site's shell"),
    ("/docs/site/", "site", "pages of the site, which may hold HTML"),
    ("/.github/", "ci", "this file and the workflows that build and deploy the site"),
)


def owned_kind(path: str) -> str | None:
    """The kind of owned path ``path`` (relative to the catalog root) falls under."""
    for pattern, kind, _ in OWNED_PATHS:
        rel = pattern.lstrip("/")
        if path == rel.rstrip("/") or (rel.endswith("/") and path.startswith(rel)):
            return kind
    return None


# A GitHub user: letters, digits and single hyphens inside, at most 39 characters. A team:
# organisation/team-slug.
_USER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
HANDLE_RE = re.compile(rf"^{_USER}(?:/[A-Za-z0-9][A-Za-z0-9_-]*)?$")


@dataclass(frozen=True)
class Maintainer:
    handle: str  # a GitHub user, or organisation/team
    name: str | None = None


@dataclass
class Maintainers:
    """The maintainers read from catalog.yaml, and what is wrong with the list."""

    maintainers: list[Maintainer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def handles(self) -> list[str]:
        return [m.handle for m in self.maintainers]


def read_maintainers(root: Path) -> Maintainers:
    """The ``maintainers`` of ``root``/catalog.yaml: a list of ``{handle, name}``."""
    loaded = load_yaml_file(root / "catalog.yaml", "catalog.yaml")
    if not loaded.ok:
        return Maintainers(problems=list(loaded.problems))
    return maintainers_from(loaded)


def maintainers_from(loaded: LoadedYaml) -> Maintainers:
    out = Maintainers()
    data = loaded.data if isinstance(loaded.data, dict) else {}
    entries = data.get("maintainers")
    if not isinstance(entries, list) or not entries:
        where = loaded.locate("/maintainers", key=True) if "maintainers" in data \
            else Location(loaded.path, 1, 1, "/maintainers")
        what = "is empty" if entries in (None, []) else "is not a list"
        out.problems.append(Problem(
            "G901", f"maintainers {what}: list at least one maintainer as "
            "`- {handle: <GitHub handle>, name: <name>}`", where))
        return out
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        pointer = f"/maintainers/{i}"
        handle = entry.get("handle") if isinstance(entry, dict) else None
        if handle is None or handle == "":
            out.problems.append(Problem(
                "G902", f"maintainer {i + 1} has no handle: give their GitHub handle as "
                "`handle: <login>`", loaded.locate(pointer)))
            continue
        where = loaded.locate(f"{pointer}/handle")
        if not isinstance(handle, str) or not HANDLE_RE.match(handle):
            hint = (" (write it without the leading @)" if isinstance(handle, str)
                    and handle.startswith("@") else "")
            out.problems.append(Problem(
                "G903", f"'{handle}' is not a GitHub handle: letters, digits and single "
                f"hyphens, at most 39 characters, or organisation/team{hint}", where))
            continue
        key = handle.lower()
        if key in seen:
            out.problems.append(Problem(
                "G904", f"the maintainer {handle} is listed twice (first as maintainer "
                f"{seen[key] + 1})", where))
            continue
        seen[key] = i
        name = entry.get("name") if isinstance(entry, dict) else None
        out.maintainers.append(Maintainer(handle, str(name) if name is not None else None))
    return out


def codeowners_text(handles: list[str]) -> str:
    """The content of .github/CODEOWNERS for these maintainers."""
    owners = " ".join(f"@{h}" for h in handles)
    width = max(len(p) for p, _, _ in OWNED_PATHS)
    lines = [
        "# Generated by `pzbuild codeowners` from the maintainers of catalog.yaml: edit them",
        "# there, not here (`pzbuild review` fails when the two disagree). With the branch",
        "# protection rule \"Require review from Code Owners\", a pull request that changes",
        "# one of these paths needs a maintainer's approval.",
        "",
    ]
    for path, _, why in OWNED_PATHS:
        lines.append(f"# {why}")
        lines.append(f"{path.ljust(width)} {owners}")
    return "\n".join(lines) + "\n"


@dataclass
class CodeownersCheck:
    """The maintainers and whether .github/CODEOWNERS matches them."""

    maintainers: Maintainers
    expected: str | None  # None when the maintainers are invalid
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def check_codeowners(root: Path, actual: str | None = None) -> CodeownersCheck:
    """Compare ``root``/.github/CODEOWNERS (or the text ``actual``) with what the
    maintainers of catalog.yaml give."""
    found = read_maintainers(root)
    check = CodeownersCheck(found, None, list(found.problems))
    if found.errors:
        return check
    check.expected = codeowners_text(found.handles)
    if actual is None:
        try:
            actual = (root / CODEOWNERS).read_text(encoding="utf-8")
        except FileNotFoundError:
            actual = None
        except (OSError, UnicodeDecodeError) as exc:
            actual = f"unreadable: {exc}"
    if actual is None:
        check.problems.append(Problem(
            "G905", f"{CODEOWNERS} is missing: run `pzbuild codeowners` and commit it, so "
            "that maintainers must approve changes to official products, the access list, "
            "the schema and catalog.yaml", Location(CODEOWNERS)))
    elif actual != check.expected:
        check.problems.append(Problem(
            "G906", f"{CODEOWNERS} does not match the maintainers of catalog.yaml "
            f"({', '.join(found.handles)}): run `pzbuild codeowners` and commit it",
            Location(CODEOWNERS)))
    return check


def write_codeowners(root: Path) -> tuple[CodeownersCheck, bool]:
    """Write .github/CODEOWNERS when the maintainers are valid; (check, whether the file
    changed). Written to a temporary file first, then renamed into place."""
    check = check_codeowners(root)
    if check.expected is None or check.ok:
        return check, False
    write_atomic(root / CODEOWNERS, check.expected)
    return check_codeowners(root), True
