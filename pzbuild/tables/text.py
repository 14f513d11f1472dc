"""CSV and whitespace-separated text tables.

The delimiter (comma, tab, semicolon or runs of whitespace) and the header are sniffed from
the first lines (:mod:`._dialect`). A header may be the first line, or the last of the leading
``#`` lines (as in SDSS_MGS.train). A header that names fewer columns than the rows hold is an
error (T602): pandas would otherwise take the extra field as an index and shift every name by
one. A file without a header gets the names col1..colN. In whitespace text, ``#`` starts a
comment anywhere.

Opening reads the file once in chunks to settle each column's type over all rows (an integer
column with a missing value further down becomes float64) and to count the rows; then
:meth:`TextSource.iter_batches` reads it again, chunk by chunk, with those types. A file of
at most :data:`KEEP_BYTES` keeps the chunks of the first pass, and they are the batches when
every chunk already has the types settled (the common case): the file is parsed once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._common import Source, as_text, check_batch_rows, fail
from ._dialect import Dialect, read_text_sample, sniff_dialect
from .base import DEFAULT_BATCH_ROWS, Batch, ColumnInfo

__all__ = ["Dialect", "TextSource", "open_text", "read_text_sample", "sniff_dialect"]

_PARSER_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
#: Files up to this size keep their parsed chunks from the first pass for iter_batches.
KEEP_BYTES = 16 << 20


def _merge_kind(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    pair = {old, new}
    if pair <= {"int64", "float64"}:
        return "float64"
    if pair <= {"int64", "uint64"}:
        return "float64"
    if pair <= {"int64", "uint64", "float64"}:
        return "float64"
    return "str"


def _kind(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind == "i":
        return "int64"
    if kind == "u":
        return "uint64"
    if kind == "f":
        return "float64"
    if kind == "b":
        return "bool"
    return "str"


class TextSource(Source):
    """A CSV or whitespace text table, read in chunks with pandas."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        super().__init__(path=path, format=dialect.format)
        self.dialect = dialect
        self.names = dialect.names or [f"col{i + 1}" for i in range(dialect.n_fields)]
        self.notes.extend(dialect.notes)
        self._dtypes: dict[str, str] = {}
        self._kept: list[Any] | None = None  # the first pass's chunks, when they will do
        self._scan()

    def _reader(self, batch_rows: int, dtypes: dict[str, Any] | None = None) -> Any:
        import pandas as pd

        d = self.dialect
        kwargs: dict[str, Any] = {
            "header": None,
            "names": self.names,
            "index_col": False,
            "skiprows": d.skip_lines,
            "chunksize": batch_rows,
            "encoding": "utf-8-sig",
            "encoding_errors": "replace",
            "skip_blank_lines": True,
            "skipinitialspace": True,
            "low_memory": False,
            "dtype": dtypes,
        }
        if d.delimiter is None:
            kwargs.update(sep=r"\s+", comment="#")
        else:
            kwargs.update(sep=d.delimiter, engine="c")
        return pd.read_csv(self.path, **kwargs)

    def _chunks(self, batch_rows: int, dtypes: dict[str, Any] | None = None) -> Iterator[Any]:
        import pandas as pd

        try:
            with self._reader(batch_rows, dtypes) as reader:
                yield from reader
        except pd.errors.ParserError as exc:
            m = _PARSER_ERROR.search(str(exc))
            if m:
                n, line, saw = m.groups()
                code = "T602" if self.dialect.names else "T601"
                what = "the header names" if self.dialect.names else "the first rows hold"
                raise fail(f"line {line} holds {saw} fields but {what} {n} columns; "
                           "pzbuild does not guess which columns they are", code) from exc
            raise fail(f"the text table cannot be parsed: {exc}") from exc
        except (ValueError, OSError, UnicodeError) as exc:
            raise fail(f"the text table cannot be read: {exc}") from exc

    def _scan(self) -> None:
        """One pass to settle the column types over all rows and to count the rows."""
        kinds: dict[str, str | None] = {name: None for name in self.names}
        rows = 0
        try:
            keep = self.path.stat().st_size <= KEEP_BYTES
        except OSError:
            keep = False
        kept: list[Any] = []
        uniform = True  # every chunk has the same kind of every column
        for chunk in self._chunks(DEFAULT_BATCH_ROWS):
            rows += len(chunk)
            for name in self.names:
                kind = _kind(chunk[name].dtype)
                uniform = uniform and kinds[name] in (None, kind)
                kinds[name] = _merge_kind(kinds[name], kind)
            if keep and uniform:
                kept.append(chunk)
        self._dtypes = {name: kind or "float64" for name, kind in kinds.items()}
        self._kept = kept if keep and uniform and rows else None
        if rows == 0:  # a header and no rows: nothing says what the types are
            self._dtypes = {name: "str" for name in self.names}
        self.num_rows = rows
        self.columns = [ColumnInfo(name, self._dtypes[name]) for name in self.names]

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        check_batch_rows(batch_rows)
        read_as = {n: (object if k == "str" else k) for n, k in self._dtypes.items()}
        chunks: Any = self._kept if batch_rows == DEFAULT_BATCH_ROWS else None
        self._kept = None  # given once; a second pass reads the file again
        if chunks is None:
            chunks = self._chunks(batch_rows, read_as)
        for chunk in chunks:
            if not len(chunk):
                continue
            batch: Batch = {}
            for name in self.names:
                values = chunk[name].to_numpy()
                if self._dtypes[name] == "str":
                    values = as_text(values)
                    values[chunk[name].isna().to_numpy()] = None
                else:
                    values = np.asarray(values, dtype=self._dtypes[name])
                batch[name] = values
            yield batch


def open_text(path: Path, text: str | None = None) -> TextSource:
    """Open a CSV or whitespace text table; raises TableError (T601, T602)."""
    if text is None:
        sample = read_text_sample(path)
        if sample is None:
            raise fail("the file is not text: it holds binary bytes")
        text = sample[0]
    if not text.strip():
        raise fail("the text file holds no rows and no header")
    dialect = sniff_dialect(text, path.suffix.lower())
    if dialect is None:
        raise fail("the text does not look like a table: no delimiter (comma, tab, "
                   "semicolon or spaces) splits its lines into the same number of fields")
    return TextSource(path, dialect)
