"""The inspection cache: results remembered by content, so unchanged data is never read again.

The cache lives in ``<catalog root>/.pzbuild-cache/`` (it ignores itself in git):

- ``stat-index.json``: path -> (size, mtime_ns, inode, device, sha256), so an unchanged
  file is not even hashed again (see :meth:`InspectCache.digest` for why that is enough);
- ``<name>.json``: a small named state (:meth:`InspectCache.state`), read once and written
  once per run, for results kept per product rather than per content (validation's);
- ``inspect.sqlite``: what inspecting a file gave, keyed by the SHA-256 of its content and
  a hash of the inspection options (table, roles, null_values, the file's role and
  extension, FORMAT_VERSION and the pzbuild version), as JSON (see :class:`Entries`).

The JSON files are written to a temporary file first and then renamed into place; the
database's writes are transactions. An entry that cannot be read is ignored and written
again; the cache never makes a build fail. Entries are encoded and decoded with orjson
(several times faster than the standard json module, same JSON).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from .. import __version__
from .summary import file_digest

CACHE_DIR = ".pzbuild-cache"
#: Raise when the stored results change meaning; old entries are then simply not found.
FORMAT_VERSION = 1
#: Raise when the stat index's stamps change meaning.
INDEX_FORMAT = 2
#: A file changed less than this long ago may change again within the same mtime tick.
RACY_SECONDS = 2.0
#: The database of inspection results, in the cache folder, and the layout of its table.
ENTRIES_DB = "inspect.sqlite"
ENTRIES_LAYOUT = 1
#: How long a write waits for another process's write to the results to end.
BUSY_SECONDS = 30.0
#: Reads of the results go through a memory map of the database up to this size: no system
#: call per page (a result spans a few pages).
MMAP_BYTES = 1 << 30

_tmp_names = itertools.count()


class InspectCache:
    """The cache of one catalog. ``root=None`` gives a cache that keeps nothing on disk."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.root = Path(root).resolve() if root is not None else None
        self.dir = self.root / CACHE_DIR if self.root is not None else None
        self._prefix = str(self.root).rstrip(os.sep) + os.sep if self.root is not None else ""
        self.entries = Entries(self.dir)
        self._index: dict[str, list[Any]] = {}
        self._index_dirty = False
        self._states: dict[str, dict[str, Any]] = {}
        self._states_dirty: set[str] = set()
        self.hits = 0
        self.misses = 0
        if self.dir is not None:
            self._index = self._load_index()

    @classmethod
    def disabled(cls) -> InspectCache:
        return cls(None)

    def __enter__(self) -> InspectCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.save()
        self.entries.close()

    # -- content digests -------------------------------------------------------------------

    def digest(self, path: str | os.PathLike[str]) -> tuple[int, str]:
        """(size, sha256) of a file; taken from the stat index when the file is unchanged.

        "Unchanged" means the same size, modification time (ns), inode and device. The change
        time (ctime) is left out on purpose: it also moves when nothing in the file changed,
        as when the site build hard-links a data file into a new site (the link count is
        inode metadata), and with it in the key a fresh site would hash every byte of the
        catalog again. What it would add is small: writing a file in place sets its mtime,
        writing it anew (an editor's save, git checkout, cp) also gives a new inode, and a
        file whose mtime changes within the clock tick of the write that the index saw is
        not indexed at all (RACY_SECONDS). Only a deliberate restore of the old mtime after
        rewriting the same bytes count in place (``touch -d``, ``rsync --inplace -t``) goes
        unseen; git, which has the same trade-off, offers ``core.trustctime = false`` for it.
        """
        stamp, sha = self.known_digest(path)
        if sha is not None:
            return stamp[0], sha
        size, sha = file_digest(path)
        self.remember_digest(path, stamp, size, sha)
        return size, sha

    def known_digest(self, path: str | os.PathLike[str]) -> tuple[list[int], str | None]:
        """The file's stat stamp (size first), and its SHA-256 when the index holds it for
        that stamp, else None. Raises OSError when the file cannot be stat'ed."""
        p = os.path.abspath(path)
        stamp = stat_stamp(os.stat(p))
        hit = self._index.get(self._index_key(p))
        if hit is not None and hit[:4] == stamp and isinstance(hit[4], str):
            return stamp, hit[4]
        return stamp, None

    def remember_digest(self, path: str | os.PathLike[str], stamp: list[int], size: int,
                        sha: str) -> None:
        """Index the SHA-256 of a file hashed after its stamp was taken: only when as many
        bytes were hashed as the stamp says and the file had settled (see :func:`settled`)."""
        if size == stamp[0] and time.time() - stamp[1] / 1e9 > RACY_SECONDS:
            self._index[self._index_key(os.path.abspath(path))] = [*stamp, sha]
            self._index_dirty = True

    def _index_key(self, path: str) -> str:
        if self._prefix and path.startswith(self._prefix):
            return path[len(self._prefix):].replace(os.sep, "/")
        return path.replace(os.sep, "/")

    def _load_index(self) -> dict[str, list[Any]]:
        assert self.dir is not None
        try:
            data = orjson.loads((self.dir / "stat-index.json").read_bytes())
        except (OSError, ValueError):
            return {}
        if (not isinstance(data, dict) or data.get("format") != FORMAT_VERSION
                or data.get("index") != INDEX_FORMAT):
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        return {k: v for k, v in files.items() if isinstance(v, list) and len(v) == 5}

    def save(self) -> None:
        """Write the stat index and the changed states (summaries are written as they are
        made)."""
        if self.dir is None:
            return
        for name in sorted(self._states_dirty):
            self._write(self.dir / f"{name}.json", {"format": FORMAT_VERSION, "name": name,
                                                    "state": self._states[name]})
        self._states_dirty.clear()
        if not self._index_dirty:
            return
        # Files that are gone leave the index (their summaries stay, keyed by content).
        files = {k: v for k, v in self._index.items()
                 if os.path.exists(k if os.path.isabs(k) else self._prefix + k)}
        self._write(self.dir / "stat-index.json", {"format": FORMAT_VERSION,
                                                   "index": INDEX_FORMAT, "files": files})
        self._index_dirty = False

    # -- named states ----------------------------------------------------------------------

    def state(self, name: str) -> dict[str, Any]:
        """The state ``name``: a dict read from ``<name>.json`` at first use (empty when
        absent or unreadable). Change it in place, call :meth:`state_changed`, and
        :meth:`save` writes it whole, once, instead of one file per entry."""
        if name not in self._states:
            found: Any = None
            if self.dir is not None:
                try:
                    found = orjson.loads((self.dir / f"{name}.json").read_bytes())
                except (OSError, ValueError):
                    found = None
            ok = (isinstance(found, dict) and found.get("format") == FORMAT_VERSION
                  and found.get("name") == name and isinstance(found.get("state"), dict))
            self._states[name] = found["state"] if ok else {}
        return self._states[name]

    def state_changed(self, name: str) -> None:
        if self.dir is not None:
            self._states_dirty.add(name)

    # -- inspection results ----------------------------------------------------------------

    def get(self, sha: str, options: str) -> dict[str, Any] | None:
        return self.entries.get(sha, options)

    def put(self, sha: str, options: str, result: dict[str, Any]) -> None:
        self.entries.put(sha, options, result)

    def _write(self, path: Path, data: Any) -> None:
        assert self.dir is not None
        _write_json(self.dir, path, data)


class Entries:
    """The inspection results of a cache, in one SQLite database, ``inspect.sqlite`` in
    ``dir`` (None: nothing is kept), keyed by the content's SHA-256 and the options key.

    One database rather than a file per result: a cold inspection of a catalog makes
    thousands of results, and creating that many small files cost a tenth of the inspection
    (file creation on ext4, each one a journal entry), where a row costs tens of
    microseconds. SQLite (the standard library's) also does what the files needed done by
    hand: a write is atomic (a reader never sees half a result), and several processes
    read and write at once (worker processes read, the main process writes many results
    in one transaction; two pzbuild commands on one checkout): WAL mode, and a wait of up
    to BUSY_SECONDS for another writer's lock.

    Each process opens its own connection on first use (a worker gets only ``dir``); a
    database that cannot be opened or read (damaged, locked too long, a read-only folder)
    leaves the cache empty for this process: the cache never makes a build fail.
    """

    def __init__(self, dir: Path | None) -> None:
        self.dir = dir
        self._db: sqlite3.Connection | None = None
        self._pid = 0  # the process that opened _db (a fork must open its own)
        self._off = dir is None  # nothing to keep, or the database failed
        self._lock = threading.Lock()
        self._made = False  # dir is known to exist

    def __reduce__(self) -> tuple[type[Entries], tuple[Path | None]]:
        return Entries, (self.dir,)  # what a worker gets: the folder, no connection

    @property
    def path(self) -> Path | None:
        return self.dir / ENTRIES_DB if self.dir is not None else None

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        """The connection of this process; None when there is no database (and ``create``
        is false) or it cannot be used."""
        if self._off:
            return None
        if self._db is not None and self._pid == os.getpid():
            return self._db
        path = self.path
        assert path is not None
        if not create and not path.is_file():
            return None
        try:
            if create and not self._made:
                assert self.dir is not None
                _make_cache_dir(self.dir)
                self._made = True
            try:
                db = _open_db(path)
            except sqlite3.DatabaseError as exc:
                if _code(exc) not in _DAMAGED:
                    raise
                _remove_db(path)
                db = _open_db(path)
        except (sqlite3.Error, OSError):
            self._off = True
            return None
        self._db, self._pid = db, os.getpid()
        return db

    def get(self, sha: str, options: str) -> dict[str, Any] | None:
        with self._lock:
            db = self._connect(create=False)
            if db is None:
                return None
            try:
                row = db.execute("SELECT result FROM results WHERE sha256=? AND options=?",
                                 (sha, options)).fetchone()
            except sqlite3.Error as exc:
                self._damaged(exc)
                return None
        if row is None:
            return None
        try:
            data = orjson.loads(row[0])
        except (ValueError, TypeError):  # orjson.JSONDecodeError is a ValueError
            return None
        return data if isinstance(data, dict) else None

    def put(self, sha: str, options: str, result: dict[str, Any]) -> None:
        """Store ``result`` (a TypeError for what JSON cannot hold, as json.dumps)."""
        self.put_many([(sha, options, encode_entry(result))])

    def put_many(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Store results already encoded (:func:`encode_entry`): (sha256, options, JSON), in
        one transaction."""
        if self.dir is None or not rows:
            return
        with self._lock:
            db = self._connect(create=True)
            if db is None:
                return
            try:
                with db:  # BEGIN ... COMMIT, or ROLLBACK on an error
                    db.execute("BEGIN")
                    db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)
            except sqlite3.Error as exc:
                self._damaged(exc)  # a cache that cannot be written only costs time

    def _damaged(self, exc: sqlite3.Error) -> None:
        """After a failed read or write: a damaged database is removed, to be made anew by
        the next write (it only held results, which are made again)."""
        if _code(exc) in _DAMAGED and self.path is not None:
            self._close()
            try:
                _remove_db(self.path)
            except OSError:
                self._off = True

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None


#: SQLite's result codes for a file that is not a database or is a damaged one.
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
#: ... and for a database that another connection holds.
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
#: The same, told by their messages (Python 3.10 gives no result code).
_MESSAGES = {"database disk image is malformed": 11, "file is not a database": 26,
             "database is locked": 5, "database table is locked": 6}


def _code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF  # extended codes carry the primary one in their low byte
    return _MESSAGES.get(str(exc))


def _remove_db(path: Path) -> None:
    """Remove a results database that is not one, or a damaged one, with its WAL files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _open_db(path: Path) -> sqlite3.Connection:
    """A connection to the results database at ``path``, made when missing."""
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None,
                         check_same_thread=False)
    try:
        deadline = time.monotonic() + BUSY_SECONDS
        while db.execute("PRAGMA user_version").fetchone()[0] != ENTRIES_LAYOUT:
            try:
                _make_db(db)
            except sqlite3.OperationalError as exc:
                # Another process makes it at the same time: SQLite refuses a change of
                # journal mode at once rather than waiting for it. Wait, then look again.
                if (_code(exc) not in _BUSY
                        or time.monotonic() > deadline):
                    raise
                time.sleep(0.01)
        # No disk flushes: a crash of pzbuild loses nothing (WAL); one of the machine may lose
        # the last results or damage the database, which is then made anew (see _DAMAGED):
        # for a cache, that is cheaper than flushing at every checkpoint of a cold run.
        db.execute("PRAGMA synchronous=OFF")
        db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    except BaseException:
        db.close()
        raise
    return db


def _make_db(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS results (sha256 TEXT NOT NULL, "
               "options TEXT NOT NULL, result BLOB NOT NULL, "
               "PRIMARY KEY (sha256, options)) WITHOUT ROWID")
    db.execute(f"PRAGMA user_version={ENTRIES_LAYOUT}")


def stat_stamp(st: os.stat_result) -> list[int]:
    """What says a file is unchanged: size, mtime (ns), inode, device (no ctime: see
    :meth:`InspectCache.digest`)."""
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]


def settled(st: os.stat_result) -> bool:
    """True when the file was last modified long enough ago that a later change within the
    same mtime tick cannot hide behind its stamp."""
    return time.time() - st.st_mtime_ns / 1e9 > RACY_SECONDS


def _make_cache_dir(dir: Path) -> None:
    """The cache folder, which git ignores, made when missing."""
    if not dir.is_dir():
        dir.mkdir(parents=True, exist_ok=True)
        (dir / ".gitignore").write_text("# made by pzbuild\n*\n", encoding="utf-8")


def _write_json(dir: Path, path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` (inside the cache folder ``dir``) through a
    temporary file."""
    try:
        _make_cache_dir(dir)
        text = encode_entry(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of this process alone (O_EXCL guards against leftovers).
        tmp = f"{path.parent}{os.sep}.tmp-{os.getpid()}-{next(_tmp_names)}.json"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            try:
                view = memoryview(text)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs time


def encode_entry(data: Any) -> bytes:
    """Compact JSON, as the cache stores it (a TypeError for what JSON cannot hold, as
    json.dumps). orjson would write a NaN or an infinity as null; what is cached holds none
    (summaries turn them into text, see :mod:`.preview` and ``ColumnStats.to_dict``)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # what orjson does not take (sets, ...): the standard encoder decides
        return json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8")


def options_key(*, role: str, table: str | None, roles: Mapping[str, str],
                null_values: list[Any], suffix: str) -> str:
    """A short hash of everything besides the content that changes what inspection gives
    (remembered: a catalog's files share a few sets of options)."""
    memo = repr((role, table, sorted(roles.items()), null_values, suffix))
    found = _OPTION_KEYS.get(memo)
    if found is None:
        found = _OPTION_KEYS[memo] = _options_key(role, table, roles, null_values, suffix)
    return found


_OPTION_KEYS: dict[str, str] = {}


def _options_key(role: str, table: str | None, roles: Mapping[str, str],
                 null_values: list[Any], suffix: str) -> str:
    text = json.dumps({"format": FORMAT_VERSION, "pzbuild": __version__, "role": role,
                       "table": table, "roles": dict(sorted(roles.items())),
                       "null_values": null_values, "suffix": suffix.lower()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
