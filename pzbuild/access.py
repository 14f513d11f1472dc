"""The access list of the sealed site: access/users.yaml, and the readers' keys.

``access/users.yaml`` holds public keys only::

    users:
      - handle: jdoe                      # required, the form of an owner handle
        name: Jane Doe                    # optional
        affiliation: LIneA                # optional
        public_key: p256:BPq3...          # required, printed by `pzbuild access keygen`
        groups: [desi]                    # optional: restricted products they may open
        expires: 2026-12-31               # optional, the last day of access (inclusive)

Every check returns :class:`~pzbuild.problems.Problem` objects (codes A8xx). ``add_user`` and
``remove_user`` edit the file as text, so that comments stay, and check the result by reading
it back; when that cannot be done they write the file anew, and say so.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .atomic import write_atomic
from .discover import SLUG_RE
from .errors import PzBuildError
from .problems import Location, Problem
from .seal.build import Reader
from .seal.format import (
    KeyFormatError,
    PrivateKeyGiven,
    canonical_public_key,
    fingerprint,
    load_public_key,
    looks_private,
    private_key_pem,
)
from .yamlload import LoadedYaml, load_yaml_file

USERS_FILE = "access/users.yaml"
FIELDS = ("handle", "name", "affiliation", "public_key", "groups", "expires")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEADER = ("# Who may open the sealed site: public keys only, never a private key.\n"
           "# Edit with `pzbuild access add/remove`; check with `pzbuild access check`.\n")


class AccessError(PzBuildError):
    """Raised when an access command cannot do what it was asked (the message says why)."""


@dataclass(frozen=True)
class User:
    """One entry of the access list, as read (the key in its canonical form)."""

    handle: str
    public_key: str
    fingerprint: str
    name: str | None = None
    affiliation: str | None = None
    groups: tuple[str, ...] = ()
    expires: dt.date | None = None
    line: int = 0

    def current(self, today: dt.date) -> bool:
        return self.expires is None or self.expires >= today

    def reader(self) -> Reader:
        return Reader(self.handle, self.public_key, frozenset(self.groups), self.expires)


@dataclass
class AccessList:
    path: Path
    users: list[User] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    loaded: LoadedYaml | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def users_path(root: Path) -> Path:
    return root / USERS_FILE


# -- reading and checking ------------------------------------------------------------------

def load_access_list(path: Path, *, today: dt.date | None = None,
                     display: str = USERS_FILE) -> AccessList:
    """Read and check the access list; a missing file is an empty list with a problem."""
    today = today or dt.date.today()
    out = AccessList(path)
    if not path.exists():
        out.problems.append(Problem("A812", "there is no access list yet: nobody can open the "
                                    "sealed site (add readers with `pzbuild access add`)",
                                    Location(display)))
        return out
    loaded = load_yaml_file(path, display, max_bytes=4 * 1024 * 1024)
    out.loaded = loaded
    if not loaded.ok:
        out.problems += [Problem("A801", p.message, p.location) for p in loaded.problems]
        return out
    data = loaded.data
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(entries, (list, type(None))):
        out.problems.append(Problem("A802", "the file must be a mapping with a `users:` list",
                                    loaded.locate("/users")))
        return out
    for key in data:
        if key != "users":
            out.problems.append(Problem("A803", f"unknown top-level field '{key}'; the file "
                                        "holds only `users:`", loaded.locate(f"/{key}", key=True)))
    handles: dict[str, int] = {}
    keys: dict[str, str] = {}
    for i, entry in enumerate(entries or []):
        user = _check_entry(loaded, i, entry, out.problems, today)
        if user is None:
            continue
        where = loaded.locate(f"/users/{i}/handle")
        if user.handle in handles:
            out.problems.append(Problem("A806", f"handle '{user.handle}' is listed twice "
                                        f"(first on line {handles[user.handle]})", where))
        else:
            handles[user.handle] = user.line
        if user.fingerprint in keys:
            out.problems.append(Problem(
                "A809", f"this public key is also the key of '{keys[user.fingerprint]}'",
                loaded.locate(f"/users/{i}/public_key")))
        else:
            keys[user.fingerprint] = user.handle
        out.users.append(user)
    if not any(u.current(today) for u in out.users) and not out.errors:
        out.problems.append(Problem("A812", "no current reader: nobody can open the sealed "
                                    "site", loaded.locate("/users")))
    return out


def _check_entry(loaded: LoadedYaml, i: int, entry: Any, problems: list[Problem],
                 today: dt.date) -> User | None:
    base = f"/users/{i}"
    here = loaded.locate(base)
    if not isinstance(entry, dict):
        problems.append(Problem("A802", "an entry must be a mapping (handle: ..., "
                                "public_key: ...)", here))
        return None
    n_before = len(problems)
    for key in entry:
        if key not in FIELDS:
            problems.append(Problem("A803", f"unknown field '{key}' (allowed: "
                                    f"{', '.join(FIELDS)})", loaded.locate(f"{base}/{key}",
                                                                           key=True)))

    def text(name: str, required: bool = False) -> str | None:
        value = entry.get(name)
        if value is None:
            if required:
                problems.append(Problem("A804", f"'{name}' is required", here))
            return None
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem("A804", f"'{name}' must be a non-empty text",
                                    loaded.locate(f"{base}/{name}")))
            return None
        return value

    handle = text("handle", True)
    if handle is not None and not SLUG_RE.match(handle):
        problems.append(Problem("A805", f"handle '{handle}' must be lower-case letters, digits "
                                "and '-' (at most 64)", loaded.locate(f"{base}/handle")))
    name, affiliation = text("name"), text("affiliation")
    groups = _check_groups(loaded, base, entry.get("groups"), problems)
    expires = _check_expires(loaded, base, entry.get("expires"), handle, problems, today)
    key_text = text("public_key", True)
    canonical = fp = None
    if key_text is not None:
        where = loaded.locate(f"{base}/public_key")
        try:
            key = load_public_key(key_text)
            canonical, fp = canonical_public_key(key), fingerprint(key)
        except PrivateKeyGiven:
            problems.append(Problem("A808", "this is a PRIVATE key: it is now exposed; remove "
                                    "it from the file and its history, and make a new key "
                                    "pair", where))
        except KeyFormatError as exc:
            problems.append(Problem("A807", str(exc), where))
    if len(problems) > n_before and not all(p.code == "A811" for p in problems[n_before:]):
        return None
    assert handle is not None and canonical is not None and fp is not None
    return User(handle, canonical, fp, name, affiliation, groups, expires, here.line or 0)


def _check_groups(loaded: LoadedYaml, base: str, value: Any, problems: list[Problem]
                  ) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(Problem("A804", "'groups' must be a list of group names",
                                loaded.locate(f"{base}/groups")))
        return ()
    for j, g in enumerate(value):
        if not isinstance(g, str) or not SLUG_RE.match(g):
            problems.append(Problem("A805", f"group {g!r} must be lower-case letters, digits "
                                    "and '-'", loaded.locate(f"{base}/groups/{j}")))
    return tuple(sorted({g for g in value if isinstance(g, str)}))


def _check_expires(loaded: LoadedYaml, base: str, value: Any, handle: str | None,
                   problems: list[Problem], today: dt.date) -> dt.date | None:
    if value is None:
        return None
    where = loaded.locate(f"{base}/expires")
    try:
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem("A810", f"expires {value!r} is not a date YYYY-MM-DD", where))
        return None
    if day < today:
        problems.append(Problem("A811", f"access of '{handle}' expired on {day}: the build "
                                "does not open the site for this key", where))
    return day


def readers_for_build(root: Path, *, today: dt.date | None = None) -> list[Reader]:
    """The readers to seal for; raises :class:`AccessError` when the list has errors."""
    access = load_access_list(users_path(root), today=today)
    if access.errors:
        raise AccessError("access/users.yaml has problems; run `pzbuild access check`:\n"
                          + "\n".join(p.format() for p in access.errors))
    return [u.reader() for u in access.users]


# -- keys ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewKey:
    path: Path
    public_key: str
    fingerprint: str
    warnings: tuple[str, ...] = ()


def generate_key(out: Path, *, allow_in_catalog: bool = False) -> NewKey:
    """Make a P-256 key pair; write the private key to ``out`` (PKCS#8 PEM, mode 0600, never
    over an existing file) and return the public key in its canonical form."""
    from cryptography.hazmat.primitives.asymmetric import ec

    out = Path(out).expanduser()
    warnings = []
    repo = _enclosing(out.resolve().parent, ("catalog.yaml",))
    if repo is not None and not allow_in_catalog:
        raise AccessError(f"{out} is inside the catalog repository {repo}: a private key must "
                          "never be committed; keep it in your home folder "
                          "(e.g. ~/.pzbuild/catalog.pem)")
    git = _enclosing(out.resolve().parent, (".git",))
    if git is not None:
        warnings.append(f"{out} is inside the git work tree {git}: make sure it is never "
                        "committed")
    out.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AccessError(f"{out} exists: not overwriting a key (choose another --out)") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_key_pem(key))
    os.chmod(out, 0o600)
    pub = key.public_key()
    return NewKey(out, canonical_public_key(pub), fingerprint(pub), tuple(warnings))


def _enclosing(folder: Path, markers: tuple[str, ...]) -> Path | None:
    for f in (folder, *folder.parents):
        if any((f / m).exists() for m in markers):
            return f
    return None


def read_public_key_arg(value: str) -> str:
    """The canonical public key of ``--key``: a file holding a public key, or the key itself.
    A private key is refused, and its text is never repeated."""
    path = Path(value).expanduser()
    source = "the key"
    try:
        if len(value) < 4096 and path.is_file():
            value, source = path.read_text("utf-8", errors="replace"), str(path)
    except OSError:
        pass
    if looks_private(value):
        raise AccessError(f"{source} is a PRIVATE key: give the public key instead (`pzbuild "
                          "access keygen` printed it). Never send or commit a private key.")
    try:
        return canonical_public_key(load_public_key(value))
    except KeyFormatError as exc:
        raise AccessError(f"{source}: {exc}") from None


# -- editing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edit:
    user: User
    comments_kept: bool


def add_user(path: Path, handle: str, key: str, *, name: str | None = None,
             affiliation: str | None = None, groups: list[str] | None = None,
             expires: str | None = None, today: dt.date | None = None) -> Edit:
    """Add a reader; ``key`` is a public key or a file holding one."""
    if not SLUG_RE.match(handle):
        raise AccessError(f"handle '{handle}' must be lower-case letters, digits and '-'")
    for g in groups or []:
        if not SLUG_RE.match(g):
            raise AccessError(f"group '{g}' must be lower-case letters, digits and '-'")
    day = None
    if expires is not None:
        try:
            if not _DATE.match(expires):
                raise ValueError
            day = dt.date.fromisoformat(expires)
        except ValueError:
            raise AccessError(f"--expires {expires!r} is not a date YYYY-MM-DD") from None
    canonical = read_public_key_arg(key)
    access = _editable(path, today)
    fp = fingerprint(load_public_key(canonical))
    for u in access.users:
        if u.handle == handle:
            raise AccessError(f"'{handle}' is already on the access list (line {u.line}); "
                              "remove it first to change it")
        if u.fingerprint == fp:
            raise AccessError(f"this public key is already the key of '{u.handle}'")
    entry: dict[str, Any] = {"handle": handle}
    for k, v in (("name", name), ("affiliation", affiliation), ("public_key", canonical),
                 ("groups", sorted(set(groups)) if groups else None), ("expires", day)):
        if v is not None:
            entry[k] = v
    user = User(handle, canonical, fp, name, affiliation, tuple(entry.get("groups", ())), day)
    old_text = path.read_text("utf-8") if path.exists() else _HEADER + "users:\n"
    want = [_entry_of(u) for u in access.users] + [entry]
    new_text = _appended(old_text, entry)
    kept = new_text is not None and _reads_as(new_text, want)
    _write_checked(path, new_text if kept and new_text is not None else None, want)
    return Edit(user, kept)


def remove_user(path: Path, handle: str, *, today: dt.date | None = None) -> Edit:
    access = _editable(path, today)
    index = next((i for i, u in enumerate(access.users) if u.handle == handle), None)
    if index is None:
        raise AccessError(f"'{handle}' is not on the access list")
    text = path.read_text("utf-8")
    want = [_entry_of(u) for i, u in enumerate(access.users) if i != index]
    new_text = _without(text, index)
    kept = new_text is not None and _reads_as(new_text, want)
    _write_checked(path, new_text if kept and new_text is not None else None, want)
    return Edit(access.users[index], kept)


def _editable(path: Path, today: dt.date | None) -> AccessList:
    if not path.exists():
        return AccessList(path)
    access = load_access_list(path, today=today)
    if access.errors:
        raise AccessError(f"{path} has problems; fix them first (pzbuild access check):\n"
                          + "\n".join(p.format() for p in access.errors))
    return access


def _entry_of(u: User) -> dict[str, Any]:
    out: dict[str, Any] = {"handle": u.handle}
    for k, v in (("name", u.name), ("affiliation", u.affiliation),
                 ("public_key", u.public_key), ("groups", list(u.groups) or None),
                 ("expires", u.expires)):
        if v is not None:
            out[k] = v
    return out


def _dump_entry(entry: dict[str, Any], indent: int) -> str:
    """One reader as a block mapping in a block list; a list of groups stays on one line."""
    lines = []
    for k, v in entry.items():
        flow = isinstance(v, list)  # groups: [a, b]
        text = yaml.safe_dump({k: v}, allow_unicode=True, width=1000, default_flow_style=flow)
        lines += text[1:-2].splitlines() if flow else text.splitlines()
    pad = " " * indent
    return "".join(f"{pad}{'- ' if i == 0 else '  '}{line}\n" for i, line in enumerate(lines))


def _regenerate(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return _HEADER + "users: []\n"
    return _HEADER + "users:\n" + "".join(_dump_entry(e, 2) for e in entries)


def _users_node(text: str) -> tuple[yaml.MappingNode, yaml.Node] | None:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for k, v in root.value:
        if k.value == "users":
            return root, v
    return None


def _appended(text: str, entry: dict[str, Any]) -> str | None:
    """``text`` with ``entry`` written after the last reader, or None if that is not simple:
    ``users`` must be the last field and a block list (or empty)."""
    found = _users_node(text)
    if found is None:
        return None
    root, users = found
    if root.value[-1][1] is not users:
        return None
    if isinstance(users, yaml.SequenceNode) and users.value and not users.flow_style:
        first = users.value[0].start_mark
        line = text.splitlines()[first.line]
        dash = line.rfind("-", 0, first.column)
        indent = dash if dash >= 0 else 2
    elif isinstance(users, yaml.ScalarNode) and users.value == "":
        indent = 2
    else:
        return None
    body = text if text.endswith("\n") else text + "\n"
    return body + _dump_entry(entry, indent)


def _without(text: str, index: int) -> str | None:
    """``text`` without the ``index``-th reader and the comment lines just above it."""
    found = _users_node(text)
    if found is None or not isinstance(found[1], yaml.SequenceNode) or found[1].flow_style:
        return None
    root, users = found
    lines = text.splitlines(keepends=True)
    items = users.value
    start = items[index].start_mark.line
    if index + 1 < len(items):
        end = items[index + 1].start_mark.line
    else:
        after = [k.start_mark.line for k, _ in root.value if k.start_mark.line > start]
        end = min(after) if after else len(lines)
    indent = len(lines[start]) - len(lines[start].lstrip(" "))

    def is_comment(i: int) -> bool:
        s = lines[i].lstrip(" ")
        return s.startswith("#") and len(lines[i]) - len(s) >= indent

    while end - 1 > start and (is_comment(end - 1) or not lines[end - 1].strip()):
        end -= 1  # these belong to the next entry
    while start - 1 >= 0 and is_comment(start - 1):
        start -= 1
    return "".join(lines[:start] + lines[end:])


def _reads_as(text: str, entries: list[dict[str, Any]]) -> bool:
    """Whether ``text`` holds exactly these readers (keys compared by fingerprint)."""
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, dict) or set(data) != {"users"}:
            return False
        return [_norm(e) for e in data["users"] or []] == [_norm(e) for e in entries]
    except (yaml.YAMLError, KeyFormatError, TypeError, AttributeError):
        return False


def _norm(entry: dict[str, Any]) -> dict[str, Any]:
    out = {k: (str(v) if k == "expires" else v) for k, v in entry.items() if v is not None}
    out["public_key"] = fingerprint(load_public_key(str(entry["public_key"])))
    if "groups" in out:
        out["groups"] = sorted(out["groups"])
    return out


def _write_checked(path: Path, edited: str | None, want: list[dict[str, Any]]) -> None:
    """Write the edited text, or the file anew; never a text that does not read back."""
    text = edited if edited is not None else _regenerate(want)
    if not _reads_as(text, want):  # pragma: no cover - a bug, not an input
        raise AccessError(f"internal error: the new {path.name} would not read back; "
                          "nothing was written")
    write_atomic(path, text)
