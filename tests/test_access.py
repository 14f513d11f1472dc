"""Keys and the access list: `pzbuild access keygen/add/remove/list/check` and pzbuild.access.

The bad access lists are a labelled collection (CASES below): each gives exactly the located
problems it lists, and together they exercise every A8xx code.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pzbuild.access import (
    AccessError,
    add_user,
    generate_key,
    load_access_list,
    readers_for_build,
    remove_user,
)
from pzbuild.cli import main
from pzbuild.problems import CODES
from pzbuild.seal.format import (
    b64u,
    canonical_public_key,
    fingerprint,
    load_private_key,
    load_public_key,
    private_key_pem,
    raw_point,
)

TODAY = dt.date(2026, 6, 1)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


K1, K2 = _key(), _key()
PUB1, PUB2 = canonical_public_key(K1.public_key()), canonical_public_key(K2.public_key())
PEM1 = K1.public_key().public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()
PEM2 = K2.public_key().public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()
PRIVATE1 = private_key_pem(K1).decode()


def _indent(text: str, n: int) -> str:
    return "\n".join(" " * n + line for line in text.strip().splitlines())


# name -> (users.yaml text, [(code, line, col)])
CASES: dict[str, tuple[str, list[tuple[str, int, int]]]] = {
    "valid": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n"
              f"  - handle: bo\n    public_key: |\n{_indent(PEM2, 6)}\n"
              "    groups: [desi, lsst-dp1]\n    expires: 2027-01-01\n", []),
    "malformed-yaml": ("users:\n  - handle: [ann\n", [("A801", 3, 1)]),
    "tab-indent": (f"users:\n\t- handle: ann\n\t  public_key: {PUB1}\n",
                   [("A801", 2, 1), ("A801", 3, 1)]),
    "duplicate-yaml-key": (f"users:\n  - handle: ann\n    handle: bo\n    public_key: {PUB1}\n",
                           [("A801", 3, 5)]),
    "not-a-mapping": ("- handle: ann\n", [("A801", 1, 1)]),
    "users-not-a-list": ("users: ann\n", [("A802", 1, 8)]),
    "entry-not-a-mapping": (f"users:\n  - ann\n  - handle: bo\n    public_key: {PUB1}\n",
                            [("A802", 2, 5)]),
    "unknown-field": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n    email: a@b\n",
                      [("A803", 4, 5)]),
    "unknown-top-level": (f"readers: 1\nusers:\n  - handle: ann\n    public_key: {PUB1}\n",
                          [("A803", 1, 1)]),
    "missing-key": ("users:\n  - handle: ann\n    name: Ann\n", [("A804", 2, 5)]),
    "missing-handle": (f"users:\n  - public_key: {PUB1}\n", [("A804", 2, 5)]),
    "name-not-text": (f"users:\n  - handle: ann\n    name: 12\n    public_key: {PUB1}\n",
                      [("A804", 3, 11)]),
    "groups-not-a-list": (f"users:\n  - handle: ann\n    groups: desi\n    public_key: {PUB1}\n",
                          [("A804", 3, 13)]),
    "bad-handle": (f"users:\n  - handle: Ann Smith\n    public_key: {PUB1}\n",
                   [("A805", 2, 13)]),
    "bad-group": (f"users:\n  - handle: ann\n    groups: [DESI]\n    public_key: {PUB1}\n",
                  [("A805", 3, 14)]),
    "duplicate-handle": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n"
                         f"  - handle: ann\n    public_key: {PUB2}\n", [("A806", 4, 13)]),
    "bad-pem": ("users:\n  - handle: ann\n    public_key: |\n      -----BEGIN PUBLIC KEY-----\n"
                "      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n      -----END PUBLIC KEY-----\n",
                [("A807", 3, 17)]),
    "not-base64": ("users:\n  - handle: ann\n    public_key: hello world\n", [("A807", 3, 17)]),
    "private-key": (f"users:\n  - handle: ann\n    public_key: |\n{_indent(PRIVATE1, 6)}\n",
                    [("A808", 3, 17)]),
    "duplicate-key-two-forms": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n"
                                f"  - handle: bo\n    public_key: |\n{_indent(PEM1, 6)}\n",
                                [("A809", 5, 17)]),
    "bad-date": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n    expires: 31/12/2026\n"
                 f"  - handle: bo\n    public_key: {PUB2}\n    expires: 2026-02-30\n",
                 [("A810", 4, 14), ("A810", 7, 14)]),
    "expired": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n    expires: 2026-05-31\n"
                f"  - handle: bo\n    public_key: {PUB2}\n    expires: '2026-06-01'\n",
                [("A811", 4, 14)]),
    "nobody-current": (f"users:\n  - handle: ann\n    public_key: {PUB1}\n"
                       "    expires: 2020-01-01\n", [("A811", 4, 14), ("A812", 1, 1)]),
    "empty-list": ("users: []\n", [("A812", 1, 1)]),
}


def _write_case(root: Path, text: str) -> Path:
    path = root / "access" / "users.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_access_lists_give_located_codes(tmp_path: Path, name: str) -> None:
    text, expected = CASES[name]
    path = _write_case(tmp_path, text)
    got = load_access_list(path, today=TODAY).problems
    assert sorted((p.code, p.location.line, p.location.col) for p in got) == sorted(expected), \
        [p.format() for p in got]
    for p in got:
        assert p.format().startswith(f"access/users.yaml:{p.location.line}:")


def test_every_access_code_has_a_case() -> None:
    used = {code for _, expected in CASES.values() for code, _, _ in expected}
    assert used == {c for c in CODES if c.startswith("A")}


def test_a_private_key_in_the_list_is_never_echoed(tmp_path: Path) -> None:
    path = _write_case(tmp_path, CASES["private-key"][0])
    text = "\n".join(p.format() for p in load_access_list(path, today=TODAY).problems)
    body = PRIVATE1.splitlines()[1]
    assert body[:16] not in text and "PRIVATE" in text


def test_valid_list_gives_readers(tmp_path: Path) -> None:
    _write_case(tmp_path, CASES["valid"][0])
    readers = readers_for_build(tmp_path, today=TODAY)
    assert [(r.handle, sorted(r.groups), r.expires) for r in readers] == [
        ("ann", [], None), ("bo", ["desi", "lsst-dp1"], dt.date(2027, 1, 1))]
    assert readers[1].public_key == PUB2  # the PEM was read into the canonical form
    _write_case(tmp_path, CASES["duplicate-handle"][0])
    with pytest.raises(AccessError, match="A806"):
        readers_for_build(tmp_path, today=TODAY)


# -- keygen --------------------------------------------------------------------------------

def test_keygen_writes_a_private_key_0600_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "keys" / "me.pem"
    key = generate_key(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    private = load_private_key(out.read_bytes())
    assert canonical_public_key(private.public_key()) == key.public_key
    assert fingerprint(load_public_key(key.public_key)) == key.fingerprint
    before = out.read_bytes()
    with pytest.raises(AccessError, match="not overwriting"):
        generate_key(out)
    assert out.read_bytes() == before


def test_keygen_refuses_the_catalog_repository_and_warns_in_git(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "catalog")
    with pytest.raises(AccessError, match="inside the catalog repository"):
        generate_key(catalog / "demo-keys" / "k.pem")
    assert not (catalog / "demo-keys" / "k.pem").exists()
    assert generate_key(catalog / "demo-keys" / "k.pem", allow_in_catalog=True)
    repo = tmp_path / "elsewhere"
    (repo / ".git").mkdir(parents=True)
    assert "git" in generate_key(repo / "k.pem").warnings[0]


def test_keygen_command(tmp_path: Path) -> None:
    out = tmp_path / "k.pem"
    result = CliRunner().invoke(main, ["access", "keygen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("p256:")
    assert load_public_key(result.stdout.strip())
    assert "PRIVATE" not in result.stdout and "mode 0600" in result.stderr
    again = CliRunner().invoke(main, ["access", "keygen", "--out", str(out)])
    assert again.exit_code == 1 and "not overwriting" in again.stderr


# -- add, remove, list, check --------------------------------------------------------------

def _catalog(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "catalog.yaml").write_text("title: t\n")
    return tmp_path


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["access", *args, "--root", str(root)])
    return result.exit_code, result.stdout, result.stderr


def test_add_list_remove_check_round_trip(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    code, out, err = run(root, "add", "jdoe", "--key", PUB1, "--name", "Jane: Doe",
                         "--affiliation", "LIneA", "--groups", "desi, lsst", "--expires",
                         "2099-12-31")
    assert code == 0, err
    assert fingerprint(K1.public_key()) in out
    key_file = tmp_path / "bo.pub"
    key_file.write_text(PEM2)  # a PEM file is read into the canonical form
    assert run(root, "add", "bo", "--key", str(key_file))[0] == 0
    code, out, _ = run(root, "list")
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert lines == [["jdoe", fingerprint(K1.public_key()), "desi,lsst", "2099-12-31",
                      "Jane: Doe", "LIneA"],
                     ["bo", fingerprint(K2.public_key()), "-", "-", "-", "-"]]
    assert run(root, "check")[0] == 0
    code, out, _ = run(root, "remove", "jdoe")
    assert code == 0 and "rebuild" in out
    assert [u.handle for u in load_access_list(root / "access/users.yaml").users] == ["bo"]
    code, _, err = run(root, "remove", "jdoe")
    assert code == 1 and "not on the access list" in err


def test_check_exits_1_with_located_lines(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    _write_case(root, CASES["duplicate-handle"][0])
    code, out, err = run(root, "check")
    assert code == 1
    assert out.startswith("access/users.yaml:4:13: A806 ")
    assert "1 errors" in err
    _write_case(root, f"users:\n  - handle: ann\n    public_key: {PUB1}\n"
                "    expires: 2001-01-01\n  - handle: bo\n"
                f"    public_key: {PUB2}\n")
    code, out, _ = run(root, "check")
    assert code == 1 and "A811 (warning)" in out  # expired entries fail the check too
    code, out, _ = run(root, "list")
    assert code == 0 and "2001-01-01 (expired)" in out


def test_add_refuses_a_private_key_without_printing_it(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    secret_file = tmp_path / "id.pem"
    secret_file.write_text(PRIVATE1)
    body = PRIVATE1.splitlines()[1]
    jwk = json.dumps({"kty": "EC", "crv": "P-256",
                      "d": b64u(K1.private_numbers().private_value.to_bytes(32, "big")),
                      "x": b64u(raw_point(K1.public_key())[1:33]),
                      "y": b64u(raw_point(K1.public_key())[33:])})
    for given in (str(secret_file), PRIVATE1, jwk):
        code, out, err = run(root, "add", "jdoe", "--key", given)
        assert code == 1 and "PRIVATE key" in err
        assert body[:16] not in out + err and "\"d\"" not in out + err
    assert not (root / "access" / "users.yaml").exists()


@pytest.mark.parametrize("args, message", [
    (["add", "jdoe", "--key", "not a key"], "not a P-256 public key"),
    (["add", "jdoe", "--key", PUB1, "--expires", "2026-13-01"], "not a date"),
    (["add", "jdoe", "--key", PUB1, "--expires", "1 May 2026"], "not a date"),
    (["add", "J Doe", "--key", PUB1], "handle"),
    (["add", "jdoe", "--key", PUB1, "--groups", "Bad Group"], "group"),
])
def test_add_refuses_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = run(_catalog(tmp_path), *args)
    assert code == 1 and message in err


def test_add_refuses_duplicates(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    assert run(root, "add", "jdoe", "--key", PUB1)[0] == 0
    code, _, err = run(root, "add", "jdoe", "--key", PUB2)
    assert code == 1 and "already on the access list" in err
    code, _, err = run(root, "add", "other", "--key", PEM1)  # same key, another form
    assert code == 1 and "already the key of 'jdoe'" in err


def test_add_refuses_to_edit_a_broken_list(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    path = _write_case(root, CASES["malformed-yaml"][0])
    code, _, err = run(root, "add", "jdoe", "--key", PUB1)
    assert code == 1 and "A801" in err
    assert path.read_text() == CASES["malformed-yaml"][0]


def test_comments_are_kept(tmp_path: Path) -> None:
    path = _write_case(tmp_path, "# The readers of the catalog.\nusers:\n"
                       "  # Ann, from LIneA\n"
                       f"  - handle: ann   # until the end of the project\n    public_key: {PUB1}\n"
                       "  # Bo, DESI liaison\n"
                       f"  - handle: bo\n    public_key: {PUB2}\n")
    third = canonical_public_key(_key().public_key())
    assert add_user(path, "cy", third, name="Cy", groups=["desi"], today=TODAY).comments_kept
    text = path.read_text()
    assert "# until the end of the project" in text and "# Bo, DESI liaison" in text
    assert text.endswith(f"  - handle: cy\n    name: Cy\n    public_key: {third}\n"
                         "    groups: [desi]\n")
    assert remove_user(path, "ann", today=TODAY).comments_kept
    text = path.read_text()
    assert "Ann, from LIneA" not in text and "until the end" not in text
    assert text.startswith("# The readers of the catalog.\nusers:\n  # Bo, DESI liaison\n")
    assert [u.handle for u in load_access_list(path, today=TODAY).users] == ["bo", "cy"]


def test_an_unusual_layout_is_written_anew(tmp_path: Path) -> None:
    path = _write_case(tmp_path, f"# note\nusers: [{{handle: ann, public_key: '{PUB1}'}}]\n")
    edit = add_user(path, "bo", PUB2, today=TODAY)
    assert not edit.comments_kept
    access = load_access_list(path, today=TODAY)
    assert not access.problems and [u.handle for u in access.users] == ["ann", "bo"]
    path2 = _write_case(tmp_path / "b", f"users:\n- handle: ann\n  public_key: {PUB1}\n")
    assert add_user(path2, "bo", PUB2, today=TODAY).comments_kept  # a dash at column 1
    assert [u.handle for u in load_access_list(path2, today=TODAY).users] == ["ann", "bo"]


def test_writes_are_atomic_and_keep_the_mode(tmp_path: Path) -> None:
    path = _write_case(tmp_path, f"users:\n  - handle: ann\n    public_key: {PUB1}\n")
    path.chmod(0o640)
    add_user(path, "bo", PUB2, today=TODAY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["users.yaml"]


def test_commands_need_a_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["access", "list"])
    assert result.exit_code == 2 and "catalog.yaml" in result.stderr
