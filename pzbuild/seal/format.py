"""The sealed-site format: keys, chunked blobs, the keystore and the manifests.

Shared by the build (:mod:`pzbuild.seal.build`), the Python client and, in JavaScript, by
``web/pzseal.js``; docs/sealing.md describes it byte by byte. Imports only the standard
library and ``cryptography``, never numpy, pandas or mkdocs.

A *key epoch* is one random 16-byte salt and one random 256-bit secret per *key class*:
class 0 opens what every reader may open, each further class the files of one set of groups.
An epoch lasts while no reader loses access (pzbuild.seal.keep decides), so that a build can
reuse the blobs of unchanged files. From a class secret ``S``::

    enc_key  = HKDF-SHA256(S, salt=epoch, info="pzbuild-sealed/1|enc")    AES-256-GCM
    name_key = HKDF-SHA256(S, salt=epoch, info="pzbuild-sealed/1|names")  HMAC-SHA256
    blob id  = HMAC(name_key, build | "|" | path)   the blob's file name, _pz/b/<hex id>

``build`` is the hex id of the build that sealed the blob (readers take blob ids from the
manifests, never derive them). Format version 1 had no epoch: the build id was the salt.

A blob is a 20-byte header (magic ``PZSEAL``, version, 0, chunk size, 8-byte random nonce
prefix) and then every chunk of the plaintext (``chunk_size`` bytes, the last one shorter,
at least one chunk) sealed with AES-GCM under ``nonce = prefix || index`` and
``AD = header || blob id || index || last``, so that a reordered, truncated, extended or
swapped blob fails its check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from ..errors import PzBuildError

FORMAT = "pzbuild-sealed"
VERSION = 2  # of the keystore and the manifests
READABLE = (1, 2)  # versions a reader opens; 1: the build id is the salt
BLOB_VERSION = 1  # of a blob's header
MAGIC = b"PZSEAL"
CHUNK_SIZE = 1 << 20
MAX_CHUNK_SIZE = 1 << 24
TAG_SIZE = 16
_HEADER = struct.Struct(">6sBBI8s")
HEADER_SIZE = _HEADER.size  # 20
BLOB_DIR = "_pz/b"
KEYSTORE = "keystore.json"
PUBLIC_KEY_PREFIX = "p256:"
_LABEL = b"pzbuild-sealed/1|"


class SealError(PzBuildError):
    """Base class of the errors raised while sealing or opening a sealed site."""


class SealFormatError(SealError):
    """Raised when a keystore, manifest or blob is not in this format (or a newer one)."""


class KeyFormatError(SealError, ValueError):
    """Raised when a text is not a P-256 key in one of the accepted forms."""


class PrivateKeyGiven(KeyFormatError):
    """Raised when a private key is given where only a public key belongs (the message never
    repeats the key)."""


class WrongKey(SealError):
    """Raised when a private key cannot open a sealed site."""


class NotOnAccessList(WrongKey):
    """Raised when the key's fingerprint is not in the keystore: the reader is not (or no
    longer: removed, expired) on the access list of this build."""


class Tampered(SealError):
    """Raised when a chunk of ``path`` fails its integrity check (chunk is 0-based; a chunk
    equal to the count means data is missing or extra at the end)."""

    def __init__(self, path: str, chunk: int, detail: str = "failed its integrity check"):
        super().__init__(f"{path}: chunk {chunk} {detail}; the file was altered or damaged")
        self.path, self.chunk, self.detail = path, chunk, detail


class NotInSite(SealError, KeyError):
    """Raised when a path is not part of the sealed site (or not readable with these keys)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not in the site"


# -- encodings -----------------------------------------------------------------------------

def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64_any(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not; None when it is neither."""
    t = "".join(text.split())
    if not t or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                    "+/-_=" for c in t):
        return None
    try:
        return base64.b64decode(t.replace("-", "+").replace("_", "/").rstrip("=")
                                + "=" * (-len(t.rstrip("=")) % 4), validate=True)
    except ValueError:
        return None


# -- keys ----------------------------------------------------------------------------------

def looks_private(text: str) -> bool:
    """Whether ``text`` holds a private key of a common form (PEM, OpenSSH, JWK with "d")."""
    if "PRIVATE KEY" in text:
        return True
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            jwk = json.loads(stripped)
        except ValueError:
            return False
        return isinstance(jwk, dict) and "d" in jwk
    return False


def load_public_key(text: str | bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its canonical form ``p256:<base64url point>``, a PEM or base64
    SubjectPublicKeyInfo, a base64 or base64url raw point (65 or 33 bytes), or a JWK."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise KeyFormatError("not a public key: the text is not UTF-8") from None
    if looks_private(text):
        raise PrivateKeyGiven("this is a private key: give the public key instead (`pzbuild "
                              "access keygen` prints it); a private key must never be shared")
    s = text.strip()
    try:
        if s.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(s.encode("ascii"))
        elif s.startswith("{"):
            key = _public_from_jwk(json.loads(s))
        else:
            raw = _b64_any(s[len(PUBLIC_KEY_PREFIX):] if s.startswith(PUBLIC_KEY_PREFIX) else s)
            if raw is None:
                raise ValueError("not base64")
            if len(raw) in (33, 65):
                key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            else:
                key = serialization.load_der_public_key(raw)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyFormatError(f"not a P-256 public key ({_short(exc)})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise KeyFormatError("not a P-256 (secp256r1) elliptic-curve public key")
    return key


def _short(exc: Exception) -> str:
    text = str(exc).split("\n")[0]
    return text[:80] if text else type(exc).__name__


def _public_from_jwk(jwk: Any) -> ec.EllipticCurvePublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("a JWK must have kty EC and crv P-256")
    x, y = b64u_decode(str(jwk["x"])), b64u_decode(str(jwk["y"]))
    if len(x) != 32 or len(y) != 32:
        raise ValueError("JWK x and y must be 32 bytes")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)


def load_private_key(data: str | bytes) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM (PKCS#8 or SEC1, not encrypted) or a JWK with "d"."""
    blob = data.encode("utf-8") if isinstance(data, str) else data
    key: Any
    try:
        if blob.lstrip().startswith(b"{"):
            jwk = json.loads(blob)
            pub = _public_from_jwk(jwk)
            key = ec.derive_private_key(int.from_bytes(b64u_decode(jwk["d"]), "big"),
                                        ec.SECP256R1())
            if raw_point(key.public_key()) != raw_point(pub):
                raise ValueError("d does not match x and y")
        else:
            key = serialization.load_pem_private_key(blob, password=None)
    except TypeError:
        raise WrongKey("the private key is protected by a passphrase; this reader needs an "
                       "unencrypted key file (keep it mode 0600)") from None
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise WrongKey(f"not a private key in PEM form ({_short(exc)})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise WrongKey("not a P-256 (secp256r1) elliptic-curve private key")
    return key


def raw_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def canonical_public_key(key: ec.EllipticCurvePublicKey) -> str:
    """``p256:`` + base64url of the 65-byte uncompressed point: one line, as users.yaml has it."""
    return PUBLIC_KEY_PREFIX + b64u(raw_point(key))


def fingerprint(key: ec.EllipticCurvePublicKey) -> str:
    """The key id of the keystore: the first 16 bytes of SHA-256(raw point), as hex."""
    return hashlib.sha256(raw_point(key)).hexdigest()[:32]


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# -- key classes and wrapping --------------------------------------------------------------

def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_LABEL + info
                ).derive(secret)


@dataclass(frozen=True)
class ClassKey:
    """The secret of one key class of one key epoch (``epoch``: the HKDF salt), and what
    derives from it."""

    index: int
    secret: bytes
    epoch: bytes

    @cached_property
    def _enc_key(self) -> bytes:
        return _hkdf(self.secret, self.epoch, b"enc")

    @cached_property
    def aead(self) -> AESGCM:
        return AESGCM(self._enc_key)

    def new_aead(self) -> AESGCM:
        """An AES-GCM object of this key of one's own (one per thread)."""
        return AESGCM(self._enc_key)

    @cached_property
    def _name_key(self) -> bytes:
        return _hkdf(self.secret, self.epoch, b"names")

    def blob_id(self, build: str, path: str) -> bytes:
        """The id of the blob that the build ``build`` (hex) seals for ``path``."""
        return hmac.new(self._name_key, f"{build}|{path}".encode(), hashlib.sha256).digest()

    def manifest_id(self, build: str) -> bytes:
        return self.blob_id(build, "\0manifest")


def _wrap_info(kid: str, index: int) -> bytes:
    return f"wrap|{kid}|{index}".encode("ascii")


def wrap_for_reader(public_key: ec.EllipticCurvePublicKey, keys: list[ClassKey], salt: bytes
                    ) -> tuple[str, dict[str, Any]]:
    """The keystore entry of one reader: (key id, {"epk", "keys": {index: wrapped}})."""
    kid = fingerprint(public_key)
    eph = ec.generate_private_key(ec.SECP256R1())
    shared = eph.exchange(ec.ECDH(), public_key)
    wrapped = {str(k.index): b64u(aes_key_wrap(_hkdf(shared, salt, _wrap_info(kid, k.index)),
                                               k.secret)) for k in keys}
    return kid, {"epk": b64u(raw_point(eph.public_key())), "keys": wrapped}


def unwrap_for_reader(keystore: dict[str, Any], private_key: ec.EllipticCurvePrivateKey
                      ) -> list[ClassKey]:
    """The class keys this private key opens; :class:`NotOnAccessList` if it is not listed."""
    kid = fingerprint(private_key.public_key())
    salt = keystore_salt(keystore)
    entry = keystore.get("readers", {}).get(kid)
    if entry is None:
        raise NotOnAccessList(
            f"this key (fingerprint {kid}) is not on the access list of this build: it was "
            "never added, was removed, or its access expired (changes take effect at the next "
            "build)")
    try:
        epk = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                           b64u_decode(entry["epk"]))
        shared = private_key.exchange(ec.ECDH(), epk)
        return [ClassKey(int(i), aes_key_unwrap(_hkdf(shared, salt, _wrap_info(kid, int(i))),
                                                b64u_decode(w)), salt)
                for i, w in sorted(entry["keys"].items(), key=lambda kv: int(kv[0]))]
    except (InvalidUnwrap, ValueError, KeyError, TypeError) as exc:
        raise WrongKey(f"the keystore entry of this key cannot be opened ({_short(exc)}); "
                       "the keystore may be damaged") from None


# -- blobs ---------------------------------------------------------------------------------

def chunk_count(size: int, chunk_size: int) -> int:
    return max(1, math.ceil(size / chunk_size))


def blob_size(size: int, chunk_size: int = CHUNK_SIZE) -> int:
    return HEADER_SIZE + size + TAG_SIZE * chunk_count(size, chunk_size)


def _ad(header: bytes, blob_id: bytes, index: int, last: bool) -> bytes:
    return header + blob_id + struct.pack(">IB", index, 1 if last else 0)


def seal_stream(src: IO[bytes], dst: IO[bytes], key: ClassKey, blob_id: bytes,
                chunk_size: int = CHUNK_SIZE) -> int:
    """Encrypt ``src`` into ``dst`` as one blob; returns the plaintext size."""
    prefix = os.urandom(8)
    header = _HEADER.pack(MAGIC, BLOB_VERSION, 0, chunk_size, prefix)
    dst.write(header)
    aead, size, index = key.aead, 0, 0
    cur = src.read(chunk_size)
    while True:
        nxt = src.read(chunk_size) if len(cur) == chunk_size else b""
        last = not nxt
        nonce = prefix + struct.pack(">I", index)
        dst.write(aead.encrypt(nonce, cur, _ad(header, blob_id, index, last)))
        size += len(cur)
        if last:
            return size
        cur, index = nxt, index + 1


class BlobSealer:
    """Seals whole files into blob files, the same bytes as :func:`seal_stream` writes,
    without a copy per chunk: each chunk is read into one buffer and encrypted into another
    (``encrypt_into``), and written with the header in one call. One sealer per thread."""

    def __init__(self, chunk_size: int = CHUNK_SIZE) -> None:
        self.chunk_size = chunk_size
        self._in = memoryview(bytearray(chunk_size))
        self._out = memoryview(bytearray(chunk_size + TAG_SIZE))
        self._aeads: dict[tuple[bytes, bytes], AESGCM] = {}

    def seal(self, src: IO[bytes] | bytes, size: int, fd: int, key: ClassKey,
             blob_id: bytes, *, path: str = "") -> int:
        """Write the blob of ``size`` bytes of ``src`` (a raw binary file read from its
        start, or the bytes themselves) to the file descriptor ``fd``; returns the blob's
        size. Raises :class:`SealError` when the file is not ``size`` bytes long."""
        cs = self.chunk_size
        prefix = os.urandom(8)
        header = _HEADER.pack(MAGIC, BLOB_VERSION, 0, cs, prefix)
        n = chunk_count(size, cs)
        aead = self._aeads.get((key.secret, key.epoch))
        if aead is None:
            aead = self._aeads[key.secret, key.epoch] = key.new_aead()
        data = memoryview(src) if isinstance(src, bytes) else None
        if data is not None and len(data) != size:
            raise SealError(f"{path}: {len(data)} bytes, not {size}")
        for index in range(n):
            length = min(cs, size - index * cs)
            if data is not None:
                piece = data[index * cs:index * cs + length]
            else:
                piece = self._in[:length]
                _read_exactly(src, piece, path)  # type: ignore[arg-type]
            sealed = self._out[:length + TAG_SIZE]
            aead.encrypt_into(prefix + struct.pack(">I", index), piece,
                              _ad(header, blob_id, index, index == n - 1), sealed)
            _write_all(fd, [header, sealed] if index == 0 else [sealed])
        if data is None and src.read(1):  # type: ignore[union-attr]
            raise SealError(f"{path}: the file grew while it was sealed")
        return HEADER_SIZE + size + TAG_SIZE * n


def _read_exactly(src: IO[bytes], view: memoryview, path: str) -> None:
    got = 0
    while got < len(view):
        n = src.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise SealError(f"{path}: the file shrank while it was sealed")
        got += n


def _write_all(fd: int, parts: list[bytes | memoryview]) -> None:
    left = sum(len(p) for p in parts)
    while left:
        done = os.writev(fd, parts)
        left -= done
        while parts and done >= len(parts[0]):
            done -= len(parts[0])
            parts = parts[1:]
        if parts and done:
            parts = [memoryview(parts[0])[done:], *parts[1:]]


def seal_bytes(data: bytes, key: ClassKey, blob_id: bytes, chunk_size: int = CHUNK_SIZE
               ) -> bytes:
    import io

    out = io.BytesIO()
    seal_stream(io.BytesIO(data), out, key, blob_id, chunk_size)
    return out.getvalue()


def open_stream(src: IO[bytes], key: ClassKey, blob_id: bytes, size: int, chunk_size: int,
                *, path: str) -> Iterator[bytes]:
    """The plaintext chunks of a blob of ``size`` plaintext bytes, each verified before it is
    yielded; :class:`Tampered` names the first chunk that fails."""
    header = src.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        raise Tampered(path, 0, "is missing (the blob has no header)")
    magic, version, _, cs, prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise Tampered(path, 0, "has no PZSEAL header")
    if version != BLOB_VERSION:
        raise SealFormatError(f"{path}: blob format version {version}; this reader knows "
                              f"{BLOB_VERSION}")
    if cs != chunk_size:
        raise Tampered(path, 0, f"has chunk size {cs}, the manifest says {chunk_size}")
    n = chunk_count(size, chunk_size)
    aead = key.aead
    for index in range(n):
        want = (size - index * chunk_size if index == n - 1 else chunk_size) + TAG_SIZE
        ct = src.read(want)
        if len(ct) < want:
            raise Tampered(path, index, "is cut short")
        try:
            yield aead.decrypt(prefix + struct.pack(">I", index), ct,
                               _ad(header, blob_id, index, index == n - 1))
        except InvalidTag:
            raise Tampered(path, index) from None
    if src.read(1):
        raise Tampered(path, n, "follows the last chunk: the blob has extra data")


def open_bytes(blob: bytes, key: ClassKey, blob_id: bytes, size: int, chunk_size: int, *,
               path: str) -> bytes:
    import io

    return b"".join(open_stream(io.BytesIO(blob), key, blob_id, size, chunk_size, path=path))


# -- manifests -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FileEntry:
    """Where a site path's bytes are: a blob of key class ``key``."""

    path: str
    blob: str
    size: int
    type: str
    key: int
    download: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"blob": self.blob, "size": self.size, "type": self.type,
                "download": self.download}


@dataclass
class Manifest:
    """The encrypted index of one key class: its files, and the entries of shared JSON files
    (catalog.json, the search index) that only this class may see, with their positions."""

    build: str
    key: int
    chunk_size: int = CHUNK_SIZE
    files: dict[str, FileEntry] = field(default_factory=dict)
    merge: dict[str, dict[str, list[list[Any]]]] = field(default_factory=dict)
    public: list[str] = field(default_factory=list)
    not_found: str | None = None

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "version": VERSION, "build": self.build, "key": self.key,
               "chunk_size": self.chunk_size,
               "files": {p: e.to_json() for p, e in sorted(self.files.items())},
               "merge": self.merge, "public": self.public, "not_found": self.not_found}
        return json.dumps(doc, separators=(",", ":"), sort_keys=True,
                          ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, key: int) -> Manifest:
        try:
            doc = json.loads(data)
            if doc.get("format") != FORMAT or doc.get("version") not in READABLE:
                raise SealFormatError("the manifest is not a pzbuild-sealed manifest of a "
                                      "version this reader knows")
            files = {p: FileEntry(p, e["blob"], int(e["size"]), str(e["type"]), key,
                                  bool(e.get("download", False)))
                     for p, e in doc["files"].items()}
            return cls(doc["build"], key, int(doc["chunk_size"]), files,
                       doc.get("merge") or {}, list(doc.get("public") or []),
                       doc.get("not_found"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SealFormatError(f"the manifest is malformed ({_short(exc)})") from None


def merge_json(base: bytes, parts: list[dict[str, list[list[Any]]]]) -> bytes:
    """Put entries held back from a shared JSON file (catalog.json: ``products``; the search
    index: ``docs``) back at their original positions. ``parts`` maps an array's key to
    ``[[position, entry], ...]``; with no parts the bytes are returned unchanged."""
    parts = [p for p in parts if p]
    if not parts:
        return base
    doc = json.loads(base)
    arrays: dict[str, list[list[Any]]] = {}
    for part in parts:
        for name, items in part.items():
            arrays.setdefault(name, []).extend(items)
    for name, items in arrays.items():
        target = doc.setdefault(name, [])
        for pos, item in sorted(items, key=lambda it: int(it[0])):
            target.insert(min(int(pos), len(target)), item)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def keystore_salt(keystore: dict[str, Any]) -> bytes:
    """The HKDF salt of a parsed keystore's keys: its epoch (version 1: its build id)."""
    return bytes.fromhex(keystore["epoch"] if keystore["version"] >= 2 else keystore["build"])


def parse_keystore(data: bytes) -> dict[str, Any]:
    try:
        ks = json.loads(data)
        if not isinstance(ks, dict) or ks.get("format") != FORMAT:
            raise SealFormatError("keystore.json is not a pzbuild-sealed keystore")
        if isinstance(ks.get("version"), bool) or ks.get("version") not in READABLE:
            raise SealFormatError(f"keystore.json is format version {ks.get('version')}; this "
                                  f"reader knows {', '.join(map(str, READABLE))}: update "
                                  "pzbuild")
        if len(bytes.fromhex(ks["build"])) != 16 or (
                ks["version"] >= 2 and len(bytes.fromhex(ks["epoch"])) != 16):
            raise ValueError("the build and epoch ids must be 32 hex digits")
        int(ks["chunk_size"])
        if not isinstance(ks["manifests"], list) or not isinstance(ks["readers"], dict):
            raise TypeError("manifests must be a list and readers a mapping")
    except (ValueError, KeyError, TypeError) as exc:
        raise SealFormatError(f"keystore.json is malformed ({_short(exc)})") from None
    if not 0 < int(ks["chunk_size"]) <= MAX_CHUNK_SIZE:
        raise SealFormatError("keystore.json has an impossible chunk size")
    return ks
