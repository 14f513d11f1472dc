"""What a sealed build keeps for the next one: the key epoch and the blobs of data files.

Sealing re-encrypts every file, which for a catalog of many gigabytes costs more than the
rest of a build. So the keys of a build (an *epoch*: the HKDF salt and one secret per set of
groups) are kept in the build's cache, with the blobs of the products' data files as hard
links, and the next build reuses both while that is safe:

* the epoch goes on only while **no reader loses anything**: every reader of the last build
  is still current (not removed, not expired) and still in every group they were in. A
  reader added, or a group joined, keeps it: they may read all that the epoch's keys open.
  Otherwise, and after :data:`MAX_EPOCH_DAYS`, the build draws new keys and seals every file
  again, so that revocation still takes effect at the next build;
* a file's blob is reused when the file is the one sealed last time and opens to the same
  groups: a data file when its size, modification time, inode and device are the same (the
  stamp the inspection cache trusts too; it is not read again), any other file when the
  SHA-256 of the bytes to seal is the same;
* a blob's nonces are 8 random bytes and a chunk counter, so the chance that two blobs of
  one key share nonces grows with the square of the blobs sealed under it: an epoch ends
  after :data:`MAX_EPOCH_BLOBS` (below one in 2**33 for a collision), whatever else holds.

The state file holds the epoch's secrets: it is as sensitive as the catalog's data, which
the machine that builds already holds. It is written with mode 0600 in a folder of mode
0700. A state that cannot be read is set aside with a note: the build then starts a new
epoch, it never fails for it. Deleting the folder forces new keys.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE = "state.json"
BLOBS = "blobs"
FORMAT = "pzbuild-seal-keep"
VERSION = 1
#: Keys are replaced at least this often, whatever the access list does.
MAX_EPOCH_DAYS = 30
#: ... and once this many blobs were sealed under them (reused ones are not counted again).
MAX_EPOCH_BLOBS = 1 << 16

GroupKey = str  # "" for every reader, else the sorted groups joined by ","


def group_key(groups: frozenset[str] | None) -> GroupKey:
    return "" if groups is None else ",".join(sorted(groups))


def stamp_of(path: str | os.PathLike[str]) -> str:
    """What tells an unchanged data file without reading it: the inspection cache's stat
    stamp (size, mtime, inode, device), as text."""
    from ..inspect.cache import stat_stamp  # here: importing pzbuild.seal stays light

    return "stat:" + ":".join(map(str, stat_stamp(os.stat(path))))


def digest_of(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class KeptBlob:
    """The blob of a file from an earlier build of the epoch."""

    blob: str      # its hex id (file name)
    size: int      # plaintext bytes
    written: int   # blob bytes
    check: str     # stamp_of or digest_of of what was sealed
    groups: GroupKey


@dataclass
class Epoch:
    """The keys a build seals with: the salt, and per group set its class index and secret.
    ``kept`` says whether they go on from the last build; ``why`` why not."""

    salt: bytes
    created: dt.date
    classes: dict[GroupKey, tuple[int, bytes]] = field(default_factory=dict)
    sealed: int = 0  # blobs sealed under these keys so far
    kept: bool = False
    why: str = ""

    def index_of(self, groups: frozenset[str] | None) -> int:
        """The class index of a group set: the epoch's, or the next free one (0: everyone)."""
        gk = group_key(groups)
        if gk not in self.classes:
            used = {i for i, _ in self.classes.values()}
            index = 0 if gk == "" else max(used | {0}) + 1
            self.classes[gk] = (index, os.urandom(32))
        return self.classes[gk][0]

    def secret_of(self, groups: frozenset[str] | None) -> bytes:
        self.index_of(groups)
        return self.classes[group_key(groups)][1]


class SealKeep:
    """The folder (``.pzbuild-cache/seal``) where a sealed build leaves its epoch and blobs."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.blobs: dict[str, KeptBlob] = {}  # site path -> its blob of the last build
        self.notes: list[str] = []
        self._state: dict[str, Any] | None = None

    # -- reading ----------------------------------------------------------------------------

    def _load(self) -> dict[str, Any] | None:
        path = self.folder / STATE
        try:
            doc = json.loads(path.read_bytes())
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise ValueError("not a state file of this version")
            bytes.fromhex(doc["salt"])
            dt.date.fromisoformat(doc["created"])
            int(doc["chunk_size"])
            int(doc["sealed"])
            for gk, (index, secret) in doc["classes"].items():
                if not isinstance(gk, str) or len(bytes.fromhex(secret)) != 32:
                    raise ValueError("a class secret is not 32 bytes")
                int(index)
            for kid, groups in doc["readers"].items():
                if not isinstance(kid, str) or not all(isinstance(g, str) for g in groups):
                    raise ValueError("a reader entry is malformed")
            blobs = {rel: KeptBlob(str(e["blob"]), int(e["size"]), int(e["written"]),
                                   str(e["check"]), str(e["groups"]))
                     for rel, e in doc["files"].items()}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.notes.append(f"{path} could not be read ({type(exc).__name__}: {exc}); new "
                              "keys were drawn and every file sealed again")
            return None
        if any(len(b.blob) != 64 or b.blob.strip("0123456789abcdef") for b in blobs.values()):
            self.notes.append(f"{path} lists a malformed blob; new keys were drawn")
            return None
        self.blobs = blobs
        return doc

    def epoch(self, readers: Mapping[str, frozenset[str]], chunk_size: int,
              today: dt.date) -> Epoch:
        """The last build's epoch when no reader of it lost access, else a new one.
        ``readers``: key id -> groups, of the readers this build wraps keys for."""
        doc = self._state = self._load()
        why = self._why_new(doc, readers, chunk_size, today)
        if why:
            self.blobs = {}
            return Epoch(os.urandom(16), today, why=why)
        assert doc is not None
        classes = {gk: (int(i), bytes.fromhex(s)) for gk, (i, s) in doc["classes"].items()}
        return Epoch(bytes.fromhex(doc["salt"]), dt.date.fromisoformat(doc["created"]),
                     classes, int(doc["sealed"]), kept=True)

    @staticmethod
    def _why_new(doc: dict[str, Any] | None, readers: Mapping[str, frozenset[str]],
                 chunk_size: int, today: dt.date) -> str:
        if doc is None:
            return "no keys kept from an earlier build"
        if int(doc["chunk_size"]) != chunk_size:
            return "the chunk size changed"
        age = (today - dt.date.fromisoformat(doc["created"])).days
        if not 0 <= age < MAX_EPOCH_DAYS:
            return f"the keys were {age} days old (they are replaced every {MAX_EPOCH_DAYS})"
        if int(doc["sealed"]) >= MAX_EPOCH_BLOBS:
            return f"{doc['sealed']} blobs were sealed with the keys (at most {MAX_EPOCH_BLOBS})"
        for kid, groups in doc["readers"].items():
            if kid not in readers:
                return "a reader of the last build is no longer on the access list"
            if not set(groups) <= readers[kid]:
                return "a reader of the last build left a group"
        return ""

    def reusable(self, rel: str, check: str, groups: GroupKey) -> tuple[KeptBlob, str] | None:
        """The kept blob of ``rel`` and the path of its file (which a damaged keep may have
        lost), when what is sealed is unchanged."""
        kept = self.blobs.get(rel)
        if kept is None or kept.groups != groups or kept.check != check:
            return None
        return kept, os.path.join(self.folder, BLOBS, kept.blob)

    # -- writing ----------------------------------------------------------------------------

    def save(self, epoch: Epoch, readers: Mapping[str, frozenset[str]], chunk_size: int,
             blobs: Mapping[str, KeptBlob], blob_dir: Path) -> None:
        """Keep the epoch and the data files' blobs of the build just made (``blob_dir``:
        its blob folder, linked from). Blobs no longer listed are removed. Failing to link
        (another file system) only means those files are sealed again next time."""
        from ..atomic import write_atomic

        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        store = self.folder / BLOBS
        if not epoch.kept and store.exists():
            shutil.rmtree(store)
        store.mkdir(mode=0o700, exist_ok=True)
        kept: dict[str, KeptBlob] = {}
        for rel, b in blobs.items():
            if self.blobs.get(rel) != b:  # not one reused from the keep
                try:
                    os.link(os.path.join(blob_dir, b.blob), os.path.join(store, b.blob))
                except FileExistsError:
                    pass
                except OSError:
                    continue
            kept[rel] = b
        wanted = {b.blob for b in kept.values()}
        with os.scandir(store) as it:
            for entry in it:
                if entry.name not in wanted:
                    os.unlink(entry.path)
        doc = {"format": FORMAT, "version": VERSION, "salt": epoch.salt.hex(),
               "created": epoch.created.isoformat(), "chunk_size": chunk_size,
               "sealed": epoch.sealed,
               "classes": {gk: [i, s.hex()] for gk, (i, s) in sorted(epoch.classes.items())},
               "readers": {kid: sorted(g) for kid, g in sorted(readers.items())},
               "files": {rel: {"blob": b.blob, "size": b.size, "written": b.written,
                               "check": b.check, "groups": b.groups}
                         for rel, b in sorted(kept.items())}}
        state = self.folder / STATE
        if not state.exists():
            state.touch(mode=0o600)
        os.chmod(state, 0o600)
        write_atomic(state, json.dumps(doc, separators=(",", ":")) + "\n", durable=False)
