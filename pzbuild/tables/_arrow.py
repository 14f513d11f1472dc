"""Arrow schemas and record batches as ColumnInfo and numpy arrays.

An integer column that may hold nulls (by the row-group statistics; files without
statistics are assumed to) is float64 with NaN; a boolean one is object (True/False/None);
strings and binary values are object arrays of str with None for nulls; fixed-size lists of
numbers are vector columns; other nested types are object arrays of Python values.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa  # this module serves the Parquet reader alone, imported when it is used
import pyarrow.compute as pc

from ._common import as_text
from .base import Batch, ColumnInfo

_PANDAS_INDEX = re.compile(r"^__index_level_\d+__$")


def _numpy_dtype(t: Any, nullable: bool) -> tuple[str, tuple[int, ...]]:
    """The ColumnInfo dtype and per-row shape of an Arrow type (remembered: a catalog's
    tables share a handful of types, and working one out costs tens of microseconds)."""
    key = (t, nullable)
    found = _DTYPES.get(key)
    if found is None:
        found = _DTYPES[key] = _work_out_dtype(t, nullable)
    return found


_DTYPES: dict[tuple[Any, bool], tuple[str, tuple[int, ...]]] = {}


def _work_out_dtype(t: Any, nullable: bool) -> tuple[str, tuple[int, ...]]:
    if pa.types.is_dictionary(t):
        return _numpy_dtype(t.value_type, nullable)
    if pa.types.is_integer(t):
        return ("float64" if nullable else np.dtype(t.to_pandas_dtype()).name), ()
    if pa.types.is_floating(t):
        return np.dtype(t.to_pandas_dtype()).name, ()
    if pa.types.is_boolean(t):
        return ("object" if nullable else "bool"), ()
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) \
            or pa.types.is_large_binary(t) or getattr(pa.types, "is_string_view",
                                                      lambda _t: False)(t):
        return "str", ()
    if pa.types.is_timestamp(t):
        return f"datetime64[{t.unit}]", ()
    if pa.types.is_date32(t) or pa.types.is_date64(t):
        return "datetime64[D]" if pa.types.is_date32(t) else "datetime64[ms]", ()
    if pa.types.is_decimal(t) or pa.types.is_null(t):
        return "float64", ()
    if pa.types.is_fixed_size_list(t):
        inner, shape = _numpy_dtype(t.value_type, nullable=True)
        if inner not in ("str", "object") and not inner.startswith("datetime"):
            inner = "float64" if inner.startswith(("int", "uint")) else inner
            return inner, (t.list_size, *shape)
    return "object", ()


def _to_numpy(arr: Any, col: ColumnInfo) -> np.ndarray:
    """One Arrow array as the numpy array that ``col`` announces."""
    t = arr.type
    if col.dtype == "str":
        value_type = t.value_type if pa.types.is_dictionary(t) else t
        if (pa.types.is_string(value_type) or pa.types.is_large_string(value_type)) and (
                value_type is not t or _few_values(arr)):
            return _text_by_dictionary(arr if value_type is not t else arr.dictionary_encode())
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if col.dtype == "str":
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            return as_text(np.array(arr.to_pylist(), dtype=object))
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    if col.shape and pa.types.is_fixed_size_list(t):
        n = len(arr)
        values = arr.flatten() if arr.null_count == 0 else pc.list_flatten(
            pc.if_else(pc.is_null(arr), pa.scalar([None] * t.list_size, t), arr))
        flat = np.asarray(values.to_numpy(zero_copy_only=False), dtype=col.dtype)
        return flat.reshape((n, *col.shape))
    if col.dtype == "object":
        if pa.types.is_boolean(t):
            return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
        out = np.empty(len(arr), dtype=object)
        out[:] = arr.to_pylist()
        return out
    if pa.types.is_decimal(t) or pa.types.is_null(t):
        arr = arr.cast(pa.float64())
    values = arr.to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=col.dtype)


#: A text column whose first PROBE_ROWS rows hold fewer than PROBE_DISTINCT values is taken
#: for a categorical one (survey names, flags): see _text_by_dictionary.
PROBE_ROWS = 1024
PROBE_DISTINCT = 256


def _few_values(arr: Any) -> bool:
    return len(arr) > PROBE_ROWS and pc.count_distinct(
        arr.slice(0, PROBE_ROWS), mode="all").as_py() < PROBE_DISTINCT


def _text_by_dictionary(arr: Any) -> np.ndarray:
    """A dictionary-encoded text column as an object array (None for nulls) whose cells are
    the few str objects of the dictionary, shared: a str made per row costs far more, and
    counting shared strs is quicker too (their hashes are computed once)."""
    words = np.empty(len(arr.dictionary) + 1, dtype=object)
    words[:-1] = arr.dictionary.to_numpy(zero_copy_only=False)
    words[-1] = None
    indices = arr.indices
    if indices.null_count:
        indices = pc.fill_null(indices, len(arr.dictionary))
    return words[indices.to_numpy()]


def null_columns(metadatas: list[Any]) -> set[str]:
    """Top-level columns that may hold nulls by the row-group statistics (no statistics:
    assumed to)."""
    maybe: set[str] = set()
    for md in metadatas:
        for i in range(md.num_row_groups):
            rg = md.row_group(i)
            for j in range(rg.num_columns):
                cc = rg.column(j)
                stats = cc.statistics
                if stats is None or not stats.has_null_count or stats.null_count > 0:
                    maybe.add(cc.path_in_schema.split(".")[0])
    return maybe


def _units(schema: Any) -> dict[str, tuple[str | None, str | None]]:
    """Units and descriptions from field metadata or astropy's ``table_meta_yaml``."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for f in schema:
        md = f.metadata or {}
        unit = md.get(b"unit") or md.get(b"units")
        desc = md.get(b"description")
        if unit or desc:
            out[f.name] = (unit.decode(errors="replace") if unit else None,
                           desc.decode(errors="replace") if desc else None)
    meta_yaml = (schema.metadata or {}).get(b"table_meta_yaml")
    if meta_yaml:
        import yaml

        try:
            doc = yaml.safe_load(meta_yaml.decode(errors="replace"))
        except yaml.YAMLError:
            doc = None
        for item in (doc or {}).get("datatype", []) if isinstance(doc, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                unit = item.get("unit")
                desc = item.get("description")
                out[item["name"]] = (str(unit) if unit else None, str(desc) if desc else None)
    return out


def columns_of(schema: Any, nullable: set[str]) -> list[ColumnInfo]:
    units = _units(schema)
    cols = []
    for f in schema:
        if _PANDAS_INDEX.match(f.name):
            continue
        dtype, shape = _numpy_dtype(f.type, f.name in nullable)
        unit, desc = units.get(f.name, (None, None))
        cols.append(ColumnInfo(f.name, dtype, unit, desc, shape))
    return cols


def convert(batch: Any, columns: list[ColumnInfo]) -> Batch:
    return {c.name: _to_numpy(batch.column(c.name), c) for c in columns}
