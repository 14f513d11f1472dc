"""The key epoch and the blobs a sealed build keeps for the next (pzbuild/seal/keep.py).

Each test seals a plain site twice (or more) with a keep folder and checks, through the
Python reader, what a reader can open, which blobs were reused, and when the keys change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from pzbuild.seal import NotOnAccessList, Tampered, open_sealed, seal_site
from pzbuild.seal import keep as keep_mod
from pzbuild.seal.format import BLOB_DIR, KEYSTORE, SealFormatError, parse_keystore

from .test_seal_format import SMALL, make_plain_site, new_key, reader, restricted

DAY = dt.date(2026, 11, 25)
DATA = "products/official/zebracorn-deep-fields/files/big.bin"
PAGE = "products/official/zebracorn-deep-fields/index.html"
RESTRICTED_DATA = "products/user/okapi/quokka-restricted-run/files/big.bin"


@pytest.fixture()
def plain(tmp_path: Path):
    return make_plain_site(tmp_path / "plain", big=5 * SMALL + 7)


def _seal(plain, tmp_path: Path, readers, *, today: dt.date = DAY, out: str = "site"):
    return seal_site(plain.root, tmp_path / out, readers, groups_of=restricted,
                     chunk_size=SMALL, today=today, keep=tmp_path / "keep")


def _blobs(site: Path) -> set[str]:
    return set(os.listdir(site / BLOB_DIR))


def _keystore(site: Path) -> dict:
    return json.loads((site / KEYSTORE).read_text())


def _check_all(plain, site: Path, key) -> int:
    """Every plain file the key opens reads back byte for byte; how many it opened."""
    opened = open_sealed(site, key)
    for rel in opened.paths():
        if rel in plain.data_files:
            assert opened.read(rel) == plain.data_files[rel], rel
    return len(opened.paths())


def test_unchanged_files_keep_their_blobs_and_the_keys_go_on(plain, tmp_path: Path) -> None:
    alice, bob = new_key(), new_key()
    readers = [reader("alice", alice, groups=frozenset({"okapi-team"})), reader("bob", bob)]
    first = _seal(plain, tmp_path, readers)
    assert not first.epoch_kept and first.reused == 0
    assert first.epoch_why == "no keys kept from an earlier build"
    names1 = _blobs(tmp_path / "site")
    ks1 = _keystore(tmp_path / "site")

    second = _seal(plain, tmp_path, readers)
    ks2 = _keystore(tmp_path / "site")
    assert second.epoch_kept and second.epoch == first.epoch == ks2["epoch"] == ks1["epoch"]
    assert ks2["build"] != ks1["build"]  # a new build, whose manifests are new blobs
    assert second.reused == second.files  # nothing changed: every blob is the last one's
    assert second.reused_bytes == second.bytes_in
    names2 = _blobs(tmp_path / "site")
    manifests2 = {m["blob"] for m in ks2["manifests"]}
    assert names2 - manifests2 == names1 - {m["blob"] for m in ks1["manifests"]}
    assert not manifests2 & names1
    assert _check_all(plain, tmp_path / "site", alice) > _check_all(plain, tmp_path / "site", bob)
    # the kept blobs are the output's files (hard links), not copies
    entry = open_sealed(tmp_path / "site", bob).entry(DATA)
    kept = tmp_path / "keep" / "blobs" / entry.blob
    assert os.stat(kept).st_ino == os.stat(tmp_path / "site" / BLOB_DIR / entry.blob).st_ino


def test_a_changed_data_file_and_page_are_sealed_again(plain, tmp_path: Path) -> None:
    bob = new_key()
    readers = [reader("bob", bob)]
    _seal(plain, tmp_path, readers)
    before = open_sealed(tmp_path / "site", bob)
    old_data, old_page = before.entry(DATA).blob, before.entry(PAGE).blob

    new = os.urandom(2 * SMALL + 3)
    path = plain.root / DATA
    path.unlink()  # as a checkout does: a new file
    path.write_bytes(new)
    plain.data_files[DATA] = new
    page = plain.root / PAGE
    page.write_text(page.read_text().replace("Spectroscopic zebras", "Spectroscopic okapis"))

    result = _seal(plain, tmp_path, readers)
    after = open_sealed(tmp_path / "site", bob)
    assert result.epoch_kept and result.reused == result.files - 2
    assert after.entry(DATA).blob != old_data and after.entry(PAGE).blob != old_page
    assert after.read(DATA) == new
    assert b"Spectroscopic okapis" in after.read(PAGE)
    assert old_data not in os.listdir(tmp_path / "keep" / "blobs")  # pruned


def test_a_file_rewritten_in_place_is_not_taken_for_the_old_one(plain, tmp_path: Path) -> None:
    bob = new_key()
    _seal(plain, tmp_path, [reader("bob", bob)])
    path = plain.root / DATA
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    st = path.stat()
    with open(path, "r+b") as fh:  # same inode and size
        fh.write(bytes(data[:1]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    _seal(plain, tmp_path, [reader("bob", bob)])
    assert open_sealed(tmp_path / "site", bob).read(DATA) == bytes(data)


def test_an_added_reader_keeps_the_keys_and_opens_the_kept_blobs(plain, tmp_path: Path) -> None:
    bob, carol = new_key(), new_key()
    _seal(plain, tmp_path, [reader("bob", bob)])
    result = _seal(plain, tmp_path, [reader("bob", bob), reader("carol", carol)])
    assert result.epoch_kept and result.reused == result.files
    assert open_sealed(tmp_path / "site", carol).read(DATA) == plain.data_files[DATA]


@pytest.mark.parametrize("change", ["removed", "expired", "left-group"])
def test_a_reader_who_loses_access_ends_the_epoch(plain, tmp_path: Path, change: str) -> None:
    alice, bob = new_key(), new_key()
    okapi = frozenset({"okapi-team"})
    _seal(plain, tmp_path, [reader("alice", alice, groups=okapi), reader("bob", bob)])
    old = _blobs(tmp_path / "site")
    old_epoch = _keystore(tmp_path / "site")["epoch"]
    if change == "removed":
        readers = [reader("bob", bob)]
        why = "no longer on the access list"
    elif change == "expired":
        readers = [reader("alice", alice, groups=okapi, expires=DAY - dt.timedelta(days=1)),
                   reader("bob", bob)]
        why = "no longer on the access list"
    else:
        readers = [reader("alice", alice), reader("bob", bob)]
        why = "left a group"
    result = _seal(plain, tmp_path, readers)
    assert not result.epoch_kept and why in result.epoch_why and result.reused == 0
    assert _keystore(tmp_path / "site")["epoch"] != old_epoch
    assert not _blobs(tmp_path / "site") & old  # every file sealed anew
    if change == "left-group":
        with pytest.raises(KeyError):
            open_sealed(tmp_path / "site", alice).entry(RESTRICTED_DATA)
    else:
        with pytest.raises(NotOnAccessList):
            open_sealed(tmp_path / "site", alice)
    assert open_sealed(tmp_path / "site", bob).read(DATA) == plain.data_files[DATA]
    # and the keep holds the new blobs only
    kept = set(os.listdir(tmp_path / "keep" / "blobs"))
    assert kept and kept <= _blobs(tmp_path / "site")


def test_keys_are_replaced_after_thirty_days(plain, tmp_path: Path) -> None:
    bob = new_key()
    _seal(plain, tmp_path, [reader("bob", bob)])
    later = DAY + dt.timedelta(days=keep_mod.MAX_EPOCH_DAYS - 1)
    assert _seal(plain, tmp_path, [reader("bob", bob)], today=later).epoch_kept
    result = _seal(plain, tmp_path, [reader("bob", bob)],
                   today=DAY + dt.timedelta(days=keep_mod.MAX_EPOCH_DAYS))
    assert not result.epoch_kept and "days old" in result.epoch_why


def test_keys_are_replaced_after_so_many_blobs(plain, tmp_path: Path, monkeypatch) -> None:
    bob = new_key()
    first = _seal(plain, tmp_path, [reader("bob", bob)])
    state = json.loads((tmp_path / "keep" / keep_mod.STATE).read_text())
    assert state["sealed"] == first.files + first.key_classes  # the files and manifests
    monkeypatch.setattr(keep_mod, "MAX_EPOCH_BLOBS", state["sealed"])
    result = _seal(plain, tmp_path, [reader("bob", bob)])
    assert not result.epoch_kept and "blobs were sealed" in result.epoch_why


@pytest.mark.parametrize("damage", ["not json", "short secret", "wrong format", "blob name"])
def test_a_damaged_state_starts_a_new_epoch_with_a_note(plain, tmp_path: Path,
                                                        damage: str) -> None:
    bob = new_key()
    _seal(plain, tmp_path, [reader("bob", bob)])
    opened = _check_all(plain, tmp_path / "site", bob)
    path = tmp_path / "keep" / keep_mod.STATE
    doc = json.loads(path.read_text())
    if damage == "not json":
        path.write_text('{"format": "pzbuild-seal-keep", ')
    else:
        if damage == "short secret":
            doc["classes"][""][1] = "abcd"
        elif damage == "wrong format":
            doc["format"] = "something-else"
        else:
            next(iter(doc["files"].values()))["blob"] = "../../../etc/passwd"
        path.write_text(json.dumps(doc))
    result = _seal(plain, tmp_path, [reader("bob", bob)])
    assert not result.epoch_kept and result.reused == 0
    assert len(result.notes) == 1 and str(path) in result.notes[0]
    assert _check_all(plain, tmp_path / "site", bob) == opened
    # the state is whole again
    assert _seal(plain, tmp_path, [reader("bob", bob)]).epoch_kept


def test_a_missing_kept_blob_is_sealed_again(plain, tmp_path: Path) -> None:
    bob = new_key()
    _seal(plain, tmp_path, [reader("bob", bob)])
    blob = open_sealed(tmp_path / "site", bob).entry(DATA).blob
    (tmp_path / "keep" / "blobs" / blob).unlink()
    result = _seal(plain, tmp_path, [reader("bob", bob)])
    assert result.epoch_kept and result.reused == result.files - 1
    assert open_sealed(tmp_path / "site", bob).read(DATA) == plain.data_files[DATA]


def test_a_damaged_kept_blob_is_caught_by_the_reader(plain, tmp_path: Path) -> None:
    bob = new_key()
    _seal(plain, tmp_path, [reader("bob", bob)])
    blob = open_sealed(tmp_path / "site", bob).entry(DATA).blob
    kept = tmp_path / "keep" / "blobs" / blob
    data = bytearray(kept.read_bytes())
    data[-1] ^= 1
    kept.unlink()
    kept.write_bytes(bytes(data))
    _seal(plain, tmp_path, [reader("bob", bob)], out="site2")
    with pytest.raises(Tampered):
        open_sealed(tmp_path / "site2", bob).read(DATA)


def test_the_state_is_private_to_its_owner(plain, tmp_path: Path) -> None:
    _seal(plain, tmp_path, [reader("bob", new_key())])
    assert stat.S_IMODE((tmp_path / "keep").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "keep" / keep_mod.STATE).stat().st_mode) == 0o600


def test_without_a_keep_every_build_draws_new_keys(plain, tmp_path: Path) -> None:
    bob = new_key()
    first = seal_site(plain.root, tmp_path / "a", [reader("bob", bob)], chunk_size=SMALL)
    second = seal_site(plain.root, tmp_path / "b", [reader("bob", bob)], chunk_size=SMALL)
    assert first.epoch != second.epoch and not second.epoch_kept
    assert not _blobs(tmp_path / "a") & _blobs(tmp_path / "b")


def test_a_version_1_keystore_still_opens(plain, tmp_path: Path) -> None:
    """Format 1 had no epoch: the build id was the salt. Rewrite a site into that form with
    the same secrets and check the reader opens it."""
    from pzbuild.seal.format import (
        canonical_public_key,
        load_public_key,
        unwrap_for_reader,
        wrap_for_reader,
    )

    bob = new_key()
    seal_site(plain.root, tmp_path / "site", [reader("bob", bob)], chunk_size=SMALL)
    ks = _keystore(tmp_path / "site")
    keys = unwrap_for_reader(ks, bob)
    # re-wrap the same secrets for a v1 keystore whose build id is the epoch
    v1 = dict(ks, version=1, build=ks["epoch"])
    del v1["epoch"]
    kid, entry = wrap_for_reader(load_public_key(canonical_public_key(bob.public_key())),
                                 keys, bytes.fromhex(ks["epoch"]))
    v1["readers"] = {kid: entry}
    got = unwrap_for_reader(v1, bob)
    assert [(k.index, k.secret, k.epoch) for k in got] == [
        (k.index, k.secret, k.epoch) for k in keys]
    with pytest.raises(SealFormatError, match="version 3"):
        parse_keystore(json.dumps(dict(ks, version=3)).encode())


def test_pzbuild_build_says_whether_the_keys_were_kept(tmp_path: Path) -> None:
    """Through the CLI on the example catalog: the first sealed build draws keys, the next
    reuses every blob and says so, and removing the reader draws new keys."""
    from click.testing import CliRunner

    from pzbuild.cli import main

    from .test_site_build import copy_catalog

    root = copy_catalog(tmp_path / "catalog")
    runner = CliRunner()
    handles = []
    for name in ("reader1", "reader2"):
        key = tmp_path / "keys" / f"{name}.pem"
        res = runner.invoke(main, ["access", "keygen", "--out", str(key)])
        assert res.exit_code == 0, res.output
        public = next(w for w in res.output.split() if w.startswith("p256:"))
        res = runner.invoke(main, ["access", "add", name, "--key", public, "--root", str(root)])
        assert res.exit_code == 0, res.output
        handles.append(key)
    out = tmp_path / "sealed"
    args = ["build", "--root", str(root), "--out", str(out), "--jobs", "1"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0 and "new keys: no keys kept from an earlier build" in res.output

    def data_blobs() -> dict[str, str]:
        site = open_sealed(out, handles[0].read_text())
        return {p: e.blob for p, e in site.files.items() if e.download}

    before = data_blobs()
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if ln.startswith("keys kept"))
    reused, files = (int(w) for w in line.split(":")[1].split()[:3:2])
    # every data file and page kept its blob; catalog.json says when it was generated
    assert files - 1 <= reused <= files and data_blobs() == before and before
    res = runner.invoke(main, ["access", "remove", "reader2", "--root", str(root)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, args)
    assert res.exit_code == 0
    assert "new keys: a reader of the last build is no longer on the access list" in res.output
    with pytest.raises(NotOnAccessList):
        open_sealed(out, handles[1].read_text())
    assert open_sealed(out, handles[0].read_text()).paths()
