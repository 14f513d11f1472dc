"""Parquet files, partitioned Parquet datasets and HATS catalogs, read batch by batch.

A single file is opened once (from its bytes when the caller read them already) and read a
row group at a time when its row groups are small (at most ``WHOLE_GROUP_BYTES``
uncompressed, the usual case), else streamed with
``pyarrow.parquet.ParquetFile.iter_batches`` so that memory stays bounded; a folder (a
partitioned dataset, a HATS catalog or a HATS collection) with ``pyarrow.dataset``, one file
after the other in a stable order. The leftover pandas index column ``__index_level_0__`` is
not a column. An integer column that holds nulls (by the files' statistics) is read as float64
with NaN; strings come out as object arrays of str with None for nulls (see :mod:`._arrow`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._arrow import columns_of, convert, null_columns
from ._common import Source, check_batch_rows, fail
from .base import DEFAULT_BATCH_ROWS, Batch

_HATS_PROPERTIES = ("hats.properties", "properties")
#: Row groups up to this size (uncompressed) are read whole, with their column chunks
#: fetched in one go; larger ones are streamed batch by batch.
WHOLE_GROUP_BYTES = 32 << 20


class ParquetSource(Source):
    """One Parquet file, opened once: from ``content`` (its bytes) when given, else from
    its path."""

    def __init__(self, path: Path, content: bytes | None = None) -> None:
        super().__init__(path=path, format="parquet")
        import pyarrow as pa
        import pyarrow.parquet as pq

        # pre_buffer (pyarrow's default) reads whole row groups ahead: for a file on disk it
        # must be chosen before the footer tells how large they are, and a large one would
        # then be held in memory whole; so a file on disk is read through a buffer of 1 MiB
        # per column instead. Bytes in memory are only sliced by it (a little faster).
        in_memory = content is not None
        source = pa.BufferReader(content) if content is not None else path
        try:
            self._file = pq.ParquetFile(source, pre_buffer=in_memory, buffer_size=1 << 20)
            md = self._file.metadata
            schema = self._file.schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise fail(f"the Parquet file is corrupt or truncated ({exc})") from exc
        elsewhere = next((rg.column(0).file_path for rg in map(md.row_group,
                                                               range(md.num_row_groups))
                          if rg.num_columns and rg.column(0).file_path), None)
        if elsewhere:
            self.close()
            raise fail("the file is the summary (_metadata) of a Parquet dataset: its rows are "
                       f"in other files (e.g. '{elsewhere}'); read the dataset's folder instead")
        self.num_rows = md.num_rows
        self.columns = columns_of(schema, null_columns([md]))
        self._metadata = md

    def close(self) -> None:
        self._file.close()

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        import pyarrow as pa

        check_batch_rows(batch_rows)
        names = [c.name for c in self.columns]
        md = self._metadata
        pf = self._file
        try:
            for i in range(md.num_row_groups):
                if md.row_group(i).total_byte_size <= WHOLE_GROUP_BYTES:
                    group = pf.read_row_group(i, columns=names, use_threads=False)
                    batches = group.to_batches(max_chunksize=batch_rows)
                else:
                    batches = pf.iter_batches(batch_size=batch_rows, row_groups=[i],
                                              columns=names)
                for batch in batches:
                    if batch.num_rows:
                        yield convert(batch, self.columns)
        except (pa.ArrowException, OSError) as exc:
            raise fail(f"the Parquet file cannot be read to the end ({exc})") from exc


def _has_partition(path: str, key: str) -> bool:
    """True when ``path`` gives the hive partition ``key`` a value (not null)."""
    parts = Path(path).parts
    values = [p.split("=", 1)[1] for p in parts if p.startswith(f"{key}=")]
    return bool(values) and values[-1] != "__HIVE_DEFAULT_PARTITION__"


def _natural_key(path: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


def _properties(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            out[key.strip()] = value.strip()
    return out


def is_hats_catalog(folder: Path) -> bool:
    return any((folder / p).is_file() for p in _HATS_PROPERTIES) and (folder / "dataset").is_dir()


def is_parquet_folder(folder: Path) -> bool:
    """A HATS collection or catalog, or a folder holding Parquet files."""
    if (folder / "collection.properties").is_file() or is_hats_catalog(folder):
        return True
    for pattern in ("*.parquet", "*.pq", "_metadata"):
        if next(folder.rglob(pattern), None) is not None:
            return True
    return False


class ParquetDatasetSource(Source):
    """A folder of Parquet files: a partitioned dataset, a HATS catalog or collection."""

    def __init__(self, path: Path, table: str | None = None) -> None:
        super().__init__(path=path, format="parquet")
        import pyarrow as pa
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        folder = self._pick_catalog(path, table)
        try:
            if is_hats_catalog(folder):
                root = folder / "dataset"
                files = sorted((p for p in root.glob("Norder=*/Dir=*/Npix=*")
                                if p.is_file()), key=_natural_key)
                files += sorted(root.glob("Norder=*/Dir=*/Npix=*/*.parquet"), key=_natural_key)
                common = root / "_common_metadata"
                schema = pq.read_schema(common) if common.is_file() else None
                self.dataset = ds.dataset([str(f) for f in files], schema=schema,
                                          format="parquet")
                self.notes.append(f"HATS catalog '{folder.name}': {len(files)} partition "
                                  "files; Norder/Dir/Npix are not read as columns")
            else:
                self.dataset = ds.dataset(str(folder), format="parquet", partitioning="hive",
                                          exclude_invalid_files=True)
            fragments = sorted(self.dataset.get_fragments(), key=lambda f: _natural_key(
                Path(f.path)))
            metadatas = [f.metadata for f in fragments]
        except (pa.ArrowException, OSError) as exc:
            raise fail(f"the Parquet dataset in '{folder.name}' cannot be read ({exc})") from exc
        self.fragments = fragments
        self.num_rows = sum(md.num_rows for md in metadatas)
        nullable = null_columns(metadatas)
        file_columns = {name for md in metadatas for name in md.schema.to_arrow_schema().names}
        for key in set(self.dataset.schema.names) - file_columns:  # hive keys (year=2020/)
            if not all(_has_partition(f.path, key) for f in fragments):
                nullable.add(key)
        self.columns = columns_of(self.dataset.schema, nullable)

    def _pick_catalog(self, path: Path, table: str | None) -> Path:
        props = path / "collection.properties"
        if not props.is_file():
            if table is not None:
                raise fail(f"`table: {table}` does not apply: the folder is one Parquet "
                           "dataset, not a HATS collection", "T603")
            return path
        catalogs = sorted(p.name for p in path.iterdir() if p.is_dir() and is_hats_catalog(p))
        if table is None:
            table = _properties(props).get("hats_primary_table_url") or (
                catalogs[0] if len(catalogs) == 1 else None)
            if table is None:
                raise fail(f"the HATS collection holds {len(catalogs)} catalogs "
                           f"({', '.join(catalogs)}) and names no primary one; set `table` "
                           "to one of them", "T604")
        if table.strip("/") not in catalogs:
            raise fail(f"the HATS collection has no catalog '{table}'; it holds: "
                       f"{', '.join(catalogs) or 'none'}", "T603")
        self.table = table.strip("/")
        return path / self.table

    def iter_batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
        import pyarrow as pa

        check_batch_rows(batch_rows)
        names = [c.name for c in self.columns]
        try:
            for fragment in self.fragments:
                for batch in fragment.to_batches(batch_size=batch_rows, columns=names,
                                                 schema=self.dataset.schema, use_threads=False):
                    if batch.num_rows:
                        yield convert(batch, self.columns)
        except (pa.ArrowException, OSError) as exc:
            raise fail(f"the Parquet dataset cannot be read to the end ({exc})") from exc


def open_parquet(path: Path, table: str | None = None) -> Source:
    """Open a Parquet file or a folder of Parquet files; raises TableError."""
    if path.is_dir():
        return ParquetDatasetSource(path, table)
    if table is not None:
        raise fail(f"`table: {table}` does not apply: a Parquet file holds one table", "T603")
    return ParquetSource(path)
