"""What a file holds, judged by its content (magic bytes, then text heuristics).

Only the first bytes are read; nothing is loaded, unpickled or executed.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import TableError
from ._dialect import read_text_sample, sniff_dialect
from ._pickled import is_pickle

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
PARQUET_MAGIC = b"PAR1"
HEAD_BYTES = 4096

#: file extension -> the format it promises
EXTENSIONS = {
    ".parquet": "parquet", ".pq": "parquet", ".parq": "parquet",
    ".csv": "csv", ".tsv": "csv", ".txt": "text", ".dat": "text", ".ascii": "text",
    ".tab": "text", ".ecsv": "text",
    ".fits": "fits", ".fit": "fits", ".fts": "fits",
    ".h5": "hdf5", ".hdf5": "hdf5", ".hdf": "hdf5", ".he5": "hdf5", ".hd5": "hdf5",
    ".xml": "votable", ".vot": "votable", ".votable": "votable",
    ".npy": "npy",
}
NAMES = {
    "parquet": "Parquet", "csv": "CSV text", "text": "text", "fits": "FITS", "hdf5": "HDF5",
    "votable": "VOTable", "npy": "numpy .npy",
}

#: magic bytes of files that are not tables, for clear messages
_OPAQUE = (
    (b"PK\x03\x04", "a zip archive (.zip, .npz, .keras ...)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"(\xb5/\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "a Windows executable"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def _head(path: Path, n: int = HEAD_BYTES) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _is_hdf5(path: Path, head: bytes) -> bool:
    if head.startswith(HDF5_MAGIC):
        return True
    size = path.stat().st_size
    offset = 512
    with open(path, "rb") as fh:  # a user block pushes the signature to 512, 1024, 2048...
        while offset + 8 <= size and offset <= 1 << 24:
            fh.seek(offset)
            if fh.read(8) == HDF5_MAGIC:
                return True
            offset *= 2
    return False


def _is_votable(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and b"VOTABLE" in head.upper() and (
        text.startswith(b"<?xml") or b"<VOTABLE" in head or b":VOTABLE" in head)


def is_parquet_bytes(data: bytes | None) -> bool:
    """Whether ``data`` (a file's bytes, or its first ones) start as a Parquet file does."""
    return data is not None and data[:4] == PARQUET_MAGIC


def sniff_path(path: Path) -> str | None:
    """The format of a file or folder, see :func:`pzbuild.tables.sniff_format`."""
    if path.is_dir():
        from .parquet import is_parquet_folder

        return "parquet" if is_parquet_folder(path) else None
    if not path.is_file():
        return None
    head = _head(path)
    if not head:
        return None
    if is_parquet_bytes(head):
        return "parquet"
    if head.startswith(b"SIMPLE  ="):
        return "fits"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if _is_hdf5(path, head):
        return "hdf5"
    if _is_votable(head):
        return "votable"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return None  # a pickle: never a table, never loaded
    if any(head.startswith(magic) for magic, _ in _OPAQUE):
        return None
    sample = read_text_sample(path)
    if sample is None:
        return None
    text, whole = sample
    if whole and is_pickle(text.encode("latin-1", errors="replace")):
        return None  # a protocol 0 pickle is ASCII text
    try:
        dialect = sniff_dialect(text, path.suffix.lower())
    except TableError:  # a header/row mismatch is still a text table
        return "text" if _looks_whitespace(text) else "csv"
    return dialect.format if dialect is not None else None


def _looks_whitespace(text: str) -> bool:
    return not any(d in text for d in (",", "\t", ";"))


def describe_opaque(path: Path) -> str:
    """What a file that is not a table seems to be, for a message."""
    head = _head(path)
    if not head:
        return "the file is empty (0 bytes)"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return ("the file is a Python pickle; pzbuild never loads pickles, because loading "
                "one can run any code")
    for magic, what in _OPAQUE:
        if head.startswith(magic):
            return f"the file is {what}, not a table"
    sample = read_text_sample(path)
    if sample is None:
        return ("the file holds binary data of no table format pzbuild reads (Parquet, FITS, "
                "HDF5, VOTable, .npy, CSV or text)")
    text, whole = sample
    if whole and is_pickle(text.encode("latin-1", errors="replace")):
        return "the file is a Python pickle (protocol 0); pzbuild never loads pickles"
    return ("the file is text but not a table: no delimiter (comma, tab, semicolon or spaces) "
            "splits its lines into the same number of fields")


def extension_warning(path: Path, fmt: str) -> tuple[str, str] | None:
    """T606 when the extension promises another format than the content holds."""
    suffix = path.suffix.lower()
    promised = EXTENSIONS.get(suffix)
    if promised is None or path.is_dir():
        return None
    family = {"csv": "text"}.get
    if family(promised, promised) == family(fmt, fmt):
        return None
    return ("T606", f"the file is named '{suffix}' but holds {NAMES.get(fmt, fmt)} data; it is "
                    f"read as {NAMES.get(fmt, fmt)}. Rename it to match its content")
