"""Seal a plain site folder: every page and file encrypted, a public login shell in front.

``seal_site`` is the last stage of a build. It reads the plain site (docs/design/site-format.md)
and writes a folder that any static host may serve to anyone: the login shell, the service
worker, mkdocs-material's own theme files, ``keystore.json`` and opaque blobs. The format is
in :mod:`pzbuild.seal.format`; the browser side in ``web/``; the threat model in
docs/sealing.md.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .format import (
    BLOB_DIR,
    CHUNK_SIZE,
    FORMAT,
    KEYSTORE,
    MAX_CHUNK_SIZE,
    VERSION,
    BlobSealer,
    ClassKey,
    FileEntry,
    Manifest,
    SealError,
    fingerprint,
    load_public_key,
    seal_bytes,
    wrap_for_reader,
)
from .keep import Epoch, KeptBlob, SealKeep, digest_of, group_key, stamp_of
from .shell import RESERVED, content_type, is_download, theme_public_files, write_shell

GroupsOf = Callable[[str], "set[str] | frozenset[str] | None"]

#: The build marker of pzbuild/site/output.py: not sealed; the sealed folder gets its own,
#: so that either kind of build may replace the other's output.
MARKER = ".pzbuild-site"
#: Shared JSON files whose entries may belong to restricted products: array, link field.
AGGREGATES = {"catalog.json": ("products", "url"), "search/search_index.json": ("docs", "location")}
#: The sitemaps list every page: restricted pages are left out of the shared copy.
SITEMAPS = ("sitemap.xml", "sitemap.xml.gz")
_URL_BLOCK = re.compile(rb"\s*<url>.*?</url>", re.S)
_LOC = re.compile(rb"<loc>\s*([^<]*?)\s*</loc>")
#: Threads that seal files at once: the work is reading, encrypting and writing, and
#: AES-GCM and file I/O release the GIL.
WORKERS = min(8, 2 * (os.cpu_count() or 1))
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
#: What stands for the site's root path in the sealed 404 page (sw.js knows it too).
ROOT_MARK = b"/_pz_site_root_/"
#: The path mkdocs puts before the theme's assets in its 404 page: that of site_url.
_ROOT_OF_404 = re.compile(rb'(?:href|src)="(/[^"]*?)assets/(?:stylesheets|javascripts)/')
_TAG = re.compile(rb"<(script|link)\b[^>]*>", re.IGNORECASE)
_EXTERNAL_URL = re.compile(rb"""\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Reader:
    """One reader of the access list: a handle, a P-256 public key (any accepted form), the
    groups they belong to and the last day (inclusive) of their access."""

    handle: str
    public_key: str
    groups: frozenset[str] = frozenset()
    expires: dt.date | None = None

    def current(self, today: dt.date) -> bool:
        return self.expires is None or self.expires >= today


@dataclass
class SealResult:
    """What :func:`seal_site` wrote."""

    out_dir: Path
    build: str
    files: int = 0                      # pages and files sealed into blobs
    public: list[str] = field(default_factory=list)   # theme files served in clear
    bytes_in: int = 0
    bytes_out: int = 0
    readers: list[str] = field(default_factory=list)  # handles the keys were wrapped for
    expired: list[str] = field(default_factory=list)  # handles skipped: access has expired
    key_classes: int = 1
    unopened: list[list[str]] = field(default_factory=list)  # group sets no reader can open
    shell_sha256: str = ""              # of the public index.html: publish it, pin it
    seconds: float = 0.0
    epoch: str = ""                     # hex id of the key epoch (the HKDF salt)
    epoch_kept: bool = False            # the keys of the last build were kept
    epoch_why: str = ""                 # why new keys were drawn
    reused: int = 0                     # files whose blob of an earlier build was reused
    reused_bytes: int = 0
    notes: list[str] = field(default_factory=list)
    #: pages that load scripts or styles from another origin: the service worker's page
    #: policy blocks them, as such code could use the readers' keys
    external: dict[str, list[str]] = field(default_factory=dict)


def seal_site(plain_dir: Path, out_dir: Path, readers: list[Reader], *,
              groups_of: GroupsOf | None = None, chunk_size: int = CHUNK_SIZE,
              title: str = "Photo-z catalog", today: dt.date | None = None,
              keep: str | os.PathLike[str] | None = None) -> SealResult:
    """Seal the plain site ``plain_dir`` into ``out_dir`` for the current ``readers``.

    ``groups_of(path)`` gives the groups that may open a site path (``None``: every reader);
    entries of catalog.json and the search index follow ``groups_of`` of the page they link
    to (``products/<id>/index.html``). ``out_dir`` is replaced as a whole, and only when it is
    absent, empty or a site pzbuild built (sealed or plain). ``title`` is shown on the login
    page. With ``keep`` (a folder of the build's cache, see :mod:`pzbuild.seal.keep`) the
    keys and blobs of the last build are reused while no reader lost access. Raises
    :class:`SealError` on any problem; the plain site is only read.
    """
    start = time.perf_counter()
    plain_dir, out_dir = Path(plain_dir).resolve(), Path(out_dir).resolve()
    _check_folders(plain_dir, out_dir)
    if not 4096 <= chunk_size <= MAX_CHUNK_SIZE:
        raise SealError(f"chunk size {chunk_size} is out of range")
    today = today or dt.date.today()
    current = _reader_keys(r for r in readers if r.current(today))
    kids = {fingerprint(load_public_key(r.public_key)): groups for r, groups in current}
    keeper = SealKeep(keep) if keep is not None else None
    epoch = (keeper.epoch(kids, chunk_size, today) if keeper is not None
             else Epoch(os.urandom(16), today))
    build = os.urandom(16)
    bid = build.hex()
    result = SealResult(out_dir, bid, epoch=epoch.salt.hex(), epoch_kept=epoch.kept,
                        epoch_why=epoch.why)
    result.expired = sorted(r.handle for r in readers if not r.current(today))

    plan: dict[str, frozenset[str] | None] = {}
    public_ok = theme_public_files()
    for rel in _walk(plain_dir):
        # sitemap.xml is sealed like the rest: mkdocs-material's instant navigation reads it
        if rel == MARKER:
            continue
        if public_ok(rel, plain_dir / rel):
            result.public.append(rel)
        else:
            plan[rel] = _groups(groups_of, rel)
    held_back = _split_aggregates(plain_dir, plan, groups_of)
    group_sets = sorted({g for g in plan.values() if g is not None}
                        | {g for parts in held_back.values() for g in parts}, key=sorted)
    klass: dict[frozenset[str] | None, int] = {None: epoch.index_of(None)}
    klass.update({g: epoch.index_of(g) for g in group_sets})
    keys = {i: ClassKey(i, epoch.secret_of(g), epoch.salt) for g, i in klass.items()}
    manifests = {i: Manifest(bid, i, chunk_size) for i in keys}
    manifests[0].public = sorted(result.public)
    manifests[0].not_found = "404.html" if "404.html" in plan else None
    for rel, parts in held_back.items():
        for group_set, items in parts.items():
            manifests[klass[group_set]].merge[rel] = {AGGREGATES[rel][0]: items}
    result.key_classes = len(keys)
    result.files = len(plan)

    for stale in (*out_dir.parent.glob(f".{out_dir.name}.sealing-*"),
                  *out_dir.parent.glob(f".{out_dir.name}.old-*")):
        shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
    tmp = out_dir.with_name(f".{out_dir.name}.sealing-{build.hex()[:8]}")
    try:
        (tmp / BLOB_DIR).mkdir(parents=True)
        for rel in result.public:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(plain_dir / rel, tmp / rel)
        hidden = _restricted_pages(plan)
        blobs = str(tmp / BLOB_DIR)
        plain_root = str(plain_dir)

        def prepare(rel: str) -> tuple[bytes | None, set[str], str | None]:
            """What to seal for ``rel`` (None: the file, read by the sealer), the external
            scripts of a page, and what tells it unchanged (with a keep only)."""
            src = os.path.join(plain_root, rel)  # strings: this runs for every file
            download = is_download(rel)
            data = _page_bytes(rel, src, held_back, hidden)
            external: set[str] = set()
            if rel.endswith(".html") and not download:
                data = data if data is not None else _read(src)
                external = _external(data)
            if keeper is None:
                return data, external, None
            if download and data is None:
                return data, external, stamp_of(src)  # a data file: not read when unchanged
            data = data if data is not None else _read(src)
            return data, external, digest_of(data)

        def seal_one(rel: str, sealer: BlobSealer
                     ) -> tuple[FileEntry, int, set[str], KeptBlob | None]:
            got = prepared.pop(rel, None)  # what the pass over kept blobs already read
            data, external, check = got if got is not None else prepare(rel)
            src = os.path.join(plain_root, rel)
            entry, written = _seal_file(blobs, bid, rel, src, data, keys[klass[plan[rel]]],
                                        sealer)
            if check is None or (check.startswith("stat:") and stamp_of(src) != check):
                return entry, written, external, None  # no keep, or it changed while sealed
            return entry, written, external, KeptBlob(entry.blob, entry.size, written, check,
                                                      group_key(plan[rel]))

        kept_now: dict[str, KeptBlob] = {}

        def take(rel: str, entry: FileEntry, written: int, external: set[str],
                 kept: KeptBlob | None) -> None:
            manifests[entry.key].files[rel] = entry
            result.bytes_in += entry.size
            result.bytes_out += written
            if kept is not None:
                kept_now[rel] = kept
            for url in external:
                result.external.setdefault(url, []).append(rel)

        todo = list(plan)
        prepared: dict[str, tuple[bytes | None, set[str], str | None]] = {}
        if keeper is not None and epoch.kept:
            # Unchanged files take the blob of the last build, here: the threads below
            # would spend more on handing out such small tasks than the tasks take.
            todo = []
            for rel in plan:
                data, external, check = prepare(rel)
                hit = keeper.reusable(rel, check or "", group_key(plan[rel]))
                if hit is not None:
                    kept, path = hit
                    try:
                        _link_or_copy(path, os.path.join(blobs, kept.blob))
                    except FileNotFoundError:  # gone from the keep: seal it again
                        hit = None
                if hit is None:
                    todo.append(rel)
                    prepared[rel] = (data, external, check)
                    continue
                entry = FileEntry(rel, kept.blob, kept.size, content_type(rel),
                                  klass[plan[rel]], is_download(rel))
                take(rel, entry, kept.written, external, kept)
                result.reused += 1
                result.reused_bytes += entry.size
        # the largest first (data files), so that no thread is left with a big one at the end
        order = sorted(todo, key=lambda r: not is_download(r))
        for rel, (entry, written, external, kept) in _in_threads(order, seal_one, chunk_size):
            take(rel, entry, written, external, kept)
        epoch.sealed += len(plan) - result.reused + len(manifests)
        keystore = _keystore(tmp, build, epoch.salt, keys, klass, manifests, current, result)
        (tmp / KEYSTORE).write_text(json.dumps(keystore, indent=1) + "\n", encoding="utf-8")
        result.shell_sha256 = write_shell(tmp, title)
        (tmp / MARKER).write_text(json.dumps({"build": build.hex(), "generator":
                                              f"pzbuild {__version__} (sealed)"}) + "\n",
                                  encoding="utf-8")
        result.bytes_out += _size_outside(tmp, BLOB_DIR)
        _replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if keeper is not None:
        try:
            keeper.save(epoch, kids, chunk_size, kept_now, out_dir / BLOB_DIR)
        except OSError as exc:  # the site is whole; the next build seals everything again
            keeper.notes.append(f"the keys and blobs of this build could not be kept in "
                                f"{keeper.folder} ({exc}); the next build seals every file")
        result.notes = keeper.notes
    result.public.sort()
    result.seconds = time.perf_counter() - start
    return result


def _keystore(out: Path, build: bytes, salt: bytes, keys: dict[int, ClassKey],
              klass: dict[frozenset[str] | None, int], manifests: dict[int, Manifest],
              readers: list[tuple[Reader, frozenset[str]]], result: SealResult
              ) -> dict[str, Any]:
    """Seal the manifests and wrap the class keys for every reader: the keystore."""
    sealed = []
    for i, manifest in manifests.items():
        data = manifest.to_bytes()
        blob_id = keys[i].manifest_id(build.hex())
        blob = seal_bytes(data, keys[i], blob_id, manifest.chunk_size)
        (out / BLOB_DIR / blob_id.hex()).write_bytes(blob)
        result.bytes_out += len(blob)
        sealed.append({"key": i, "blob": blob_id.hex(), "size": len(data)})
    wrapped: dict[str, Any] = {}
    held_by_someone = {0} if readers else set()
    for reader, groups in readers:
        held = [0] + [i for g, i in klass.items() if g is not None and g & groups]
        kid, entry = wrap_for_reader(load_public_key(reader.public_key),
                                     [keys[i] for i in held], salt)
        wrapped[kid] = entry
        held_by_someone.update(held)
        result.readers.append(reader.handle)
    result.unopened = [sorted(g) for g, i in klass.items()
                       if g is not None and i not in held_by_someone]
    return {"format": FORMAT, "version": VERSION, "build": build.hex(), "epoch": salt.hex(),
            "chunk_size": manifests[0].chunk_size,
            "alg": {"kem": "ECDH-P256", "kdf": "HKDF-SHA256", "wrap": "AES-KW",
                    "aead": "AES-256-GCM"},
            "manifests": sealed, "readers": dict(sorted(wrapped.items()))}


def _check_folders(plain_dir: Path, out_dir: Path) -> None:
    if not plain_dir.is_dir():
        raise SealError(f"{plain_dir} is not a folder")
    if not (plain_dir / "index.html").is_file():
        raise SealError(f"{plain_dir} has no index.html: is it a built site?")
    if out_dir == plain_dir or plain_dir in out_dir.parents or out_dir in plain_dir.parents:
        raise SealError("the sealed folder and the plain site must not contain one another")
    if out_dir.exists():
        if not out_dir.is_dir():
            raise SealError(f"{out_dir} exists and is not a folder")
        if any(out_dir.iterdir()) and not (_is_sealed(out_dir) or (out_dir / MARKER).is_file()):
            raise SealError(f"{out_dir} is not empty and holds no site pzbuild built: not "
                            "replacing it")


def _is_sealed(folder: Path) -> bool:
    try:
        return json.loads((folder / KEYSTORE).read_text("utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _replace(tmp: Path, out_dir: Path) -> None:
    """Put the new folder in place of the old one with two renames."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _walk(root: Path) -> list[str]:
    """Every file of the plain site, sorted by folder; linked folders are followed, but not
    into a folder that holds them (a cycle)."""
    out: list[str] = []

    def visit(folder: str, rel: str) -> None:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        subdirs = []
        for e in entries:
            if e.is_dir():  # follows a link, as is_file does
                if not e.is_symlink() or not _holds(os.path.realpath(e.path),
                                                    os.path.realpath(folder)):
                    subdirs.append(e)
            elif e.is_file():
                out.append(rel + e.name)
        for e in subdirs:
            visit(e.path, f"{rel}{e.name}/")

    visit(str(root), "")
    for rel in out:
        if rel in RESERVED or rel.startswith("_pz/"):
            raise SealError(f"the plain site has {rel}, a name the sealed site needs for itself")
    return out


def _holds(folder: str, path: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _groups(groups_of: GroupsOf | None, path: str) -> frozenset[str] | None:
    if groups_of is None:
        return None
    got = groups_of(path)
    if got is None:
        return None
    groups = frozenset(str(g) for g in got)
    if not groups:
        raise SealError(f"groups_of({path!r}) is empty: nobody could open it (use None for "
                        "every reader)")
    return groups


def _reader_keys(readers: Iterable[Reader]) -> list[tuple[Reader, frozenset[str]]]:
    seen_handles: set[str] = set()
    seen_keys: set[str] = set()
    out = []
    for r in readers:
        key = load_public_key(r.public_key)
        raw = key.public_numbers()
        ident = f"{raw.x}:{raw.y}"
        if r.handle in seen_handles or ident in seen_keys:
            raise SealError(f"reader {r.handle!r}: the handle or the key is listed twice")
        seen_handles.add(r.handle)
        seen_keys.add(ident)
        out.append((r, frozenset(r.groups)))
    return out


def _page_of(link: Any) -> str | None:
    if not isinstance(link, str):
        return None
    page = link.split("#", 1)[0].split("?", 1)[0].lstrip("/")
    return page + "index.html" if page == "" or page.endswith("/") else page


def _split_aggregates(plain_dir: Path, plan: dict[str, frozenset[str] | None],
                      groups_of: GroupsOf | None
                      ) -> dict[str, dict[frozenset[str], list[list[Any]]]]:
    """Entries of catalog.json and the search index that link to restricted pages, by group
    set, with their positions; the shared copy is sealed without them."""
    held: dict[str, dict[frozenset[str], list[list[Any]]]] = {}
    if groups_of is None:
        return held
    for rel, (array, link) in AGGREGATES.items():
        if rel not in plan or plan[rel] is not None:
            continue
        try:
            doc = json.loads((plain_dir / rel).read_bytes())
            items = doc[array]
            assert isinstance(items, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            continue  # not in the documented form: sealed as a whole, for everyone
        for pos, item in enumerate(items):
            page = _page_of(item.get(link)) if isinstance(item, dict) else None
            groups = _groups(groups_of, page) if page else None
            if groups is not None:
                held.setdefault(rel, {}).setdefault(groups, []).append([pos, item])
    return held


def _external(html: bytes) -> set[str]:
    """Scripts and style sheets of another origin that a page loads (<script src>, <link>)."""
    found = set()
    for tag in _TAG.finditer(html):
        text = tag.group(0).lower()
        url = _EXTERNAL_URL.search(tag.group(0))
        if url and (text.startswith(b"<script") or b"stylesheet" in text
                    or b"preload" in text):
            found.add(url.group(1).decode("utf-8", "replace"))
    return found


def _restricted_pages(plan: dict[str, frozenset[str] | None]) -> set[str]:
    """The URLs (folder form, ``products/x/``) of the restricted pages."""
    return {rel[:-len("index.html")] for rel, groups in plan.items()
            if groups is not None and rel.endswith("index.html")}


def _without_pages(sitemap: bytes, hidden: AbstractSet[str]) -> bytes:
    """The sitemap without the <url> entries of the pages in ``hidden``."""
    def keep(block: re.Match[bytes]) -> bytes:
        loc = _LOC.search(block.group(0))
        url = loc.group(1).decode("utf-8", "replace") if loc else ""
        return b"" if any(url == h or url.endswith("/" + h) for h in hidden) else block.group(0)

    return _URL_BLOCK.sub(keep, sitemap)


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _page_bytes(rel: str, path: str, held_back: dict[str, Any],
                hidden: AbstractSet[str] = frozenset()) -> bytes | None:
    """The bytes to seal when they differ from the file's: a shared JSON file without its
    restricted entries, a sitemap without the restricted pages, or a page with the log-out
    script. None: seal the file as it is."""
    if hidden and rel in SITEMAPS:
        data = _read(path)
        if rel.endswith(".gz"):
            try:
                return gzip.compress(_without_pages(gzip.decompress(data), hidden), mtime=0)
            except (OSError, EOFError):
                raise SealError(f"{rel} is not a gzip file; the sealed site cannot leave the "
                                "restricted pages out of it") from None
        return _without_pages(data, hidden)
    if rel in held_back:
        array = AGGREGATES[rel][0]
        doc = json.loads(_read(path))
        drop = {pos for items in held_back[rel].values() for pos, _ in items}
        doc[array] = [it for i, it in enumerate(doc[array]) if i not in drop]
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if rel == "404.html":
        return _anywhere_404(_read(path))
    if rel.endswith(".html") and not is_download(rel):
        html = _read(path)
        tag = (f'<script src="{"../" * rel.count("/")}_pz/session.js" defer></script>'
               ).encode("ascii")
        ends = list(_BODY_END.finditer(html))
        if ends:
            at = ends[-1].start()
            return html[:at] + tag + html[at:]
        return html + tag
    return None


def _anywhere_404(html: bytes) -> bytes:
    """The site's 404 page with the site's root path as :data:`ROOT_MARK`: mkdocs writes its
    links from the path of ``site_url`` (``/pz-catalog/assets/...``), which breaks the page
    where the site is served from another path (a local server, a moved site). The service
    worker puts the path of its scope in place of the mark when it serves the page."""
    found = _ROOT_OF_404.search(html)
    if found is None:
        return html
    root = found.group(1)  # "/pz-catalog/", or "/"
    out = html.replace(b'"' + root, b'"' + ROOT_MARK)  # links, scripts, the theme's config
    if root != b"/":
        out = out.replace(b'"' + root.rstrip(b"/") + b'"', b'"' + ROOT_MARK.rstrip(b"/") + b'"')
    return out


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copyfile(src, dst)


def _seal_file(blobs: str, build: str, rel: str, src: str, data: bytes | None,
               key: ClassKey, sealer: BlobSealer) -> tuple[FileEntry, int]:
    """Seal one file (or ``data`` in its place) into the folder ``blobs``: its manifest
    entry and the size of its blob. The source is read once, straight into the sealer."""
    blob_id = key.blob_id(build, rel)
    fd = os.open(os.path.join(blobs, blob_id.hex()),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        if data is not None:
            size = len(data)
            written = sealer.seal(data, size, fd, key, blob_id, path=rel)
        else:
            with open(src, "rb", buffering=0) as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > sealer.chunk_size and hasattr(os, "posix_fadvise"):
                    # the kernel reads the rest ahead while the first chunks are sealed
                    os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)
                written = sealer.seal(fh, size, fd, key, blob_id, path=rel)
    finally:
        os.close(fd)
    entry = FileEntry(rel, blob_id.hex(), size, content_type(rel), key.index, is_download(rel))
    return entry, written


def _in_threads(items: list[str], work: Callable[[str, BlobSealer], Any], chunk_size: int
                ) -> Iterator[tuple[str, Any]]:
    """``(item, work(item, sealer))`` for every item, in order, computed by :data:`WORKERS`
    threads, each with a sealer (and its buffers) of its own; the first error cancels what
    has not started and is raised."""
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()

    def run(item: str) -> Any:
        sealer = getattr(local, "sealer", None)
        if sealer is None:
            sealer = local.sealer = BlobSealer(chunk_size)
        return work(item, sealer)

    with ThreadPoolExecutor(max(1, min(WORKERS, len(items))), "seal") as pool:
        futures = [pool.submit(run, item) for item in items]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    yield from zip(items, results, strict=True)


def _size_outside(root: Path, skip: str) -> int:
    """The bytes of the files below ``root``, but for those of its folder ``skip``."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if os.path.relpath(dirpath, root).replace(os.sep, "/") == skip:
            dirnames[:] = []
            continue
        total += sum(os.lstat(os.path.join(dirpath, f)).st_size for f in filenames)
    return total
