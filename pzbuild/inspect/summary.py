"""One pass over a table: row count, columns, statistics, histograms, preview.

The results are dataclasses that turn into plain JSON (``to_dict``) and back (``from_dict``):
the cache stores them, the site and the client read them.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..tables.base import DEFAULT_BATCH_ROWS, ColumnInfo
from .histograms import FineHistogram, Histogram, SkyDensity, SkyGrid
from .numeric import NumericBlock
from .preview import cells, json_safe
from .stats import SEED, Accumulator, ColumnStats, Rows, Sentinels, is_numeric, make_accumulator

PREVIEW_ROWS = 10
CHUNK = 1 << 20


@dataclass(frozen=True)
class Issue:
    """Something a reader or the inspection noticed; ``code`` is a T6xx code when one fits."""

    code: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        return cls(data.get("code"), str(data["message"]))


@dataclass
class ColumnSummary:
    name: str
    dtype: str
    stats: ColumnStats
    unit: str | None = None
    description: str | None = None
    shape: list[int] = field(default_factory=list)  # per-row shape of vector columns
    role: str | None = None  # the column role (z, ra, ...) given in product.yaml

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "stats"}
        d["stats"] = self.stats.to_dict()
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnSummary:
        return cls(name=str(data["name"]), dtype=str(data["dtype"]),
                   stats=ColumnStats.from_dict(data["stats"]), unit=data.get("unit"),
                   description=data.get("description"), shape=list(data.get("shape") or []),
                   role=data.get("role"))


@dataclass
class TableSummary:
    """Everything one pass over a table learns. ``preview`` holds the first rows as lists in
    the order of ``columns``, with JSON-safe cells: NaN as "NaN", infinities as "inf" and
    "-inf", nulls as None, long text clipped, vector cells as a short text."""

    format: str
    table: str | None
    num_rows: int
    columns: list[ColumnSummary]
    z_histogram: Histogram | None = None
    sky_density: SkyDensity | None = None
    preview: list[list[Any]] = field(default_factory=list)
    qp: dict[str, Any] | None = None
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the reader read the file

    def column(self, name: str) -> ColumnSummary | None:
        return next((c for c in self.columns if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "table": self.table, "num_rows": self.num_rows,
            "columns": [c.to_dict() for c in self.columns],
            "z_histogram": self.z_histogram.to_dict() if self.z_histogram else None,
            "sky_density": self.sky_density.to_dict() if self.sky_density else None,
            "preview": self.preview, "qp": self.qp,
            "warnings": [w.to_dict() for w in self.warnings], "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableSummary:
        zh, sky = data.get("z_histogram"), data.get("sky_density")
        return cls(
            format=str(data["format"]), table=data.get("table"), num_rows=int(data["num_rows"]),
            columns=[ColumnSummary.from_dict(c) for c in data["columns"]],
            z_histogram=Histogram.from_dict(zh) if zh else None,
            sky_density=SkyDensity.from_dict(sky) if sky else None,
            preview=list(data.get("preview") or []), qp=data.get("qp"),
            warnings=[Issue.from_dict(w) for w in data.get("warnings") or []],
            notes=[str(n) for n in data.get("notes") or []])


class FileSummary:
    """A file of a product: always its size and SHA-256; its table when it reads as one.

    A summary taken from the cache (:meth:`cached`) keeps its table as the parsed JSON and
    makes the TableSummary only when ``table`` is first read: the site writes the JSON as it
    is (``to_dict``), so a warm build builds none of the thousands of column objects. What
    ``to_dict`` returns may share that JSON: read it, do not change it.
    """

    __slots__ = ("path", "role", "size", "sha256", "format", "error", "_table", "_raw")

    def __init__(self, path: str, role: str, size: int, sha256: str,
                 format: str | None = None, table: TableSummary | None = None,
                 error: Issue | None = None) -> None:
        self.path = path  # relative to the product folder
        self.role = role
        self.size = size
        self.sha256 = sha256
        self.format = format  # the table format when the file reads as a table
        self._table = table
        self._raw: dict[str, Any] | None = None  # the table as cached, until it is needed
        self.error = error  # why the file could not be read as a table

    @classmethod
    def cached(cls, path: str, role: str, size: int, sha256: str, format: str | None,
               table: dict[str, Any] | None, error: Issue | None) -> FileSummary:
        """A summary whose table (``TableSummary.to_dict()`` as cached) is made when read."""
        out = cls(path, role, size, sha256, format, None, error)
        out._raw = table
        return out

    @property
    def table(self) -> TableSummary | None:
        if self._raw is not None:
            self._table, self._raw = TableSummary.from_dict(self._raw), None
        return self._table

    @table.setter
    def table(self, value: TableSummary | None) -> None:
        self._table, self._raw = value, None

    def to_dict(self) -> dict[str, Any]:
        table = self._raw if self._raw is not None else (
            self._table.to_dict() if self._table else None)
        return {"path": self.path, "role": self.role, "size": self.size,
                "sha256": self.sha256, "format": self.format, "table": table,
                "error": self.error.to_dict() if self.error else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileSummary:
        return cls(path=str(data["path"]), role=str(data["role"]), size=int(data["size"]),
                   sha256=str(data["sha256"]), format=data.get("format"),
                   table=TableSummary.from_dict(data["table"]) if data.get("table") else None,
                   error=Issue.from_dict(data["error"]) if data.get("error") else None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileSummary):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"FileSummary(path={self.path!r}, role={self.role!r}, size={self.size}, "
                f"sha256={self.sha256!r}, format={self.format!r}, table={self.table!r}, "
                f"error={self.error!r})")


@dataclass
class ProductSummary:
    id: str
    files: list[FileSummary] = field(default_factory=list)

    @property
    def main(self) -> FileSummary | None:
        return next((f for f in self.files if f.role == "main"), None)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "files": [f.to_dict() for f in self.files]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProductSummary:
        return cls(str(data["id"]), [FileSummary.from_dict(f) for f in data["files"]])


def file_digest(path: str | os.PathLike[str]) -> tuple[int, str]:
    """The size and SHA-256 (hex) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    size = 0
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            digest.update(view[:n])
            size += n
    return size, digest.hexdigest()


def inspect_table(path: str | os.PathLike[str], *, table: str | None = None,
                  roles: dict[str, str] | None = None, null_values: list[Any] | None = None,
                  batch_rows: int = DEFAULT_BATCH_ROWS,
                  content: bytes | None = None) -> TableSummary:
    """Read a table once and summarise it. Raises TableError when it cannot be read.
    ``content``: the file's bytes when they are already in memory (see
    :func:`pzbuild.tables.open_table`)."""
    from .. import tables

    source = tables.open_table(Path(path), table, content=content)
    try:
        return _Pass(source, roles or {}, Sentinels(null_values or ())).run(batch_rows)
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()


class _Pass:
    """One pass over a table: numeric columns go to NumericBlocks (one per set of columns
    first seen together, normally one), the others to an accumulator each."""

    def __init__(self, source: Any, roles: dict[str, str], sentinels: Sentinels) -> None:
        self.source = source
        self.sentinels = sentinels
        self.roles = {r: c for r, c in roles.items() if isinstance(c, str)}
        self.role_of = {c: r for r, c in self.roles.items()}
        self.blocks: list[NumericBlock] = []
        self.block_of: dict[str, NumericBlock] = {}
        self.accs: dict[str, Accumulator] = {}
        self.dtypes: dict[str, str] = {}
        self.rows = 0
        self.head: list[dict[str, np.ndarray]] = []
        self.head_rows = 0
        z = self.roles.get("z")
        self.zhist = FineHistogram(z) if z else None
        ra, dec = self.roles.get("ra"), self.roles.get("dec")
        self.sky = SkyGrid(ra, dec) if ra and dec else None

    def run(self, batch_rows: int) -> TableSummary:
        rng = np.random.default_rng(SEED)
        for batch in self.source.iter_batches(batch_rows):
            if not batch:
                continue
            n = len(next(iter(batch.values())))
            if n == 0:
                continue
            new = [k for k in batch if k not in self.block_of and k not in self.accs]
            if new:
                self._add_columns(batch, new)
            rows = Rows(rng.random(n))
            for block in self.blocks:
                block.update(batch, rows)
            for name, acc in self.accs.items():
                if name in batch:
                    acc.update(batch[name], rows)
            self._histograms(n)
            if self.head_rows < PREVIEW_ROWS:
                take = PREVIEW_ROWS - self.head_rows
                # copies: a view would keep the whole first batch alive
                self.head.append({k: v[:take].copy() for k, v in batch.items()})
                self.head_rows += min(take, n)
            self.rows += n
        return self._result()

    def _add_columns(self, batch: dict[str, np.ndarray], names: list[str]) -> None:
        numeric = {k: batch[k].dtype for k in names if is_numeric(batch[k])}
        if numeric:
            block = NumericBlock(numeric, self.sentinels, self.source.num_rows)
            self.blocks.append(block)
            self.block_of.update(dict.fromkeys(numeric, block))
        for k in names:
            self.dtypes[k] = _dtype_name(batch[k].dtype)
            if k not in numeric:
                self.accs[k] = make_accumulator(batch[k], self.sentinels)

    def _role(self, role: str) -> tuple[np.ndarray, np.ndarray | None] | None:
        """The role's column in the last batch (float64) and its valid rows (None: all)."""
        name = self.roles.get(role)
        block = self.block_of.get(name) if name else None
        return block.last(name) if block is not None and name else None

    def _histograms(self, n: int) -> None:
        if self.zhist is not None and (z := self._role("z")) is not None:
            values, valid = z
            self.zhist.update(values if valid is None else values[valid])
        ra, dec = self._role("ra"), self._role("dec")
        if self.sky is None or ra is None or dec is None:
            return
        if ra[1] is None and dec[1] is None:
            self.sky.update(ra[0], dec[0])
            return
        both = np.ones(n, dtype=bool)
        for _, valid in (ra, dec):
            if valid is not None:
                both &= valid
        self.sky.update(ra[0][both], dec[0][both])

    def _result(self) -> TableSummary:
        src = self.source
        columns = []
        warnings = [_issue(w) for w in getattr(src, "warnings", None) or []]
        infos: list[ColumnInfo] = list(src.columns)
        known = {c.name for c in infos}
        infos += [ColumnInfo(name, dtype) for name, dtype in self.dtypes.items()
                  if name not in known]
        numeric: dict[str, ColumnStats] = {}
        for block in self.blocks:
            numeric.update(block.results())
        for info in infos:
            acc = self.accs.get(info.name)
            if info.name in numeric:
                stats = numeric[info.name]
            else:
                stats = acc.result() if acc is not None else ColumnStats(kind=_kind(info))
            columns.append(ColumnSummary(info.name, info.dtype, stats, info.unit,
                                         info.description, list(info.shape),
                                         self.role_of.get(info.name)))
            if stats.all_missing:
                warnings.append(Issue("T605", f"column {info.name} is entirely missing"))
        if src.num_rows is not None and src.num_rows != self.rows:
            warnings.append(Issue(None, f"the file states {src.num_rows} rows but holds "
                                        f"{self.rows}"))
        qp = json_safe(asdict(src.qp)) if getattr(src, "qp", None) is not None else None
        return TableSummary(
            format=str(src.format), table=src.table, num_rows=self.rows, columns=columns,
            z_histogram=self.zhist.result() if self.zhist else None,
            sky_density=self.sky.result() if self.sky else None,
            preview=self._preview([c.name for c in columns]), qp=qp, warnings=warnings,
            notes=[str(n) for n in getattr(src, "notes", None) or []])

    def _preview(self, names: list[str]) -> list[list[Any]]:
        columns = []
        for name in names:
            parts = [part[name] for part in self.head if name in part]
            if not parts:
                columns.append([None] * self.head_rows)
                continue
            if len(parts) == 1:
                values = parts[0]
            elif any(isinstance(p, np.ma.MaskedArray) for p in parts):
                values = np.ma.concatenate(parts)
            else:
                values = np.concatenate(parts)
            columns.append(cells(values[:PREVIEW_ROWS]))
        return [list(row) for row in zip(*columns, strict=True)]


@functools.lru_cache(maxsize=256)
def _dtype_name(dtype: np.dtype) -> str:
    """str(dtype), remembered: numpy works it out anew each time, in Python."""
    return str(dtype)


def _kind(info: ColumnInfo) -> str:
    if info.shape:
        return "vector"
    try:
        kind = np.dtype(info.dtype).kind
    except TypeError:
        return "text" if info.dtype in ("str", "string") else "other"
    return {"i": "numeric", "u": "numeric", "f": "numeric", "b": "bool",
            "U": "text", "S": "text", "O": "text"}.get(kind, "other")


def _issue(w: Any) -> Issue:
    """An Issue from what a reader reports: (code, message) pairs, or objects or text."""
    if isinstance(w, Issue):
        return w
    if isinstance(w, tuple) and len(w) == 2:
        return Issue(str(w[0]) if w[0] else None, str(w[1]))
    code = getattr(w, "code", None)
    message = getattr(w, "message", None)
    return Issue(str(code) if code else None, str(message if message is not None else w))
