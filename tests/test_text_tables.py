"""Text tables parsed once: the chunks of the first pass are the batches when they will do
(pzbuild/tables/text.py, KEEP_BYTES), and the batches are the same either way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pzbuild.tables import open_table, text
from pzbuild.tables.base import DEFAULT_BATCH_ROWS

from .conftest import shared_data

TEXT_FILES = ["training/tables_io_csv_test.csv", "training/2slaq_small.csv",
              "specz/pzserver_upload_example.csv"]  # (SDSS_MGS.train is refused: T602)


def _batches(path: Path, keep: int, monkeypatch: pytest.MonkeyPatch,
             batch_rows: int = DEFAULT_BATCH_ROWS) -> tuple[list[dict], bool]:
    monkeypatch.setattr(text, "KEEP_BYTES", keep)
    source = open_table(path)
    kept = source._kept is not None
    return list(source.iter_batches(batch_rows)), kept


def _same(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert list(x) == list(y)
        for name in x:
            assert x[name].dtype == y[name].dtype, name
            if x[name].dtype.kind == "f":
                np.testing.assert_array_equal(x[name], y[name])
            else:
                assert x[name].tolist() == y[name].tolist(), name


@pytest.mark.parametrize("rel", TEXT_FILES)
def test_kept_chunks_give_the_batches_a_second_read_gives(rel: str,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    path = shared_data() / rel
    once, kept = _batches(path, text.KEEP_BYTES, monkeypatch)
    assert kept  # these files are small and of one type per column throughout
    twice, kept_again = _batches(path, 0, monkeypatch)
    assert not kept_again
    _same(once, twice)


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_types_that_change_down_the_file_are_read_again(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    n = DEFAULT_BATCH_ROWS + 10  # two chunks
    rows = ["id,z,flag,name"] + [f"{i},{i / 7:.6f},{i % 3},gal{i % 5}" for i in range(n)]
    rows[-3] = f"{n},,x,gal"  # z missing (float64 anyway), flag turns to text in chunk 2
    path = _write(tmp_path / "t.csv", rows)
    batches, kept = _batches(path, text.KEEP_BYTES, monkeypatch)
    assert not kept  # chunk 1 read flag as integers: the file is parsed again as text
    flag = np.concatenate([b["flag"] for b in batches])
    assert flag.dtype == object and flag[0] == "0" and flag[-3] == "x"
    again, _ = _batches(path, 0, monkeypatch)
    _same(batches, again)


def test_a_second_pass_and_other_batch_sizes_read_the_file(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    rows = ["a b c"] + [f"{i} {i * 0.5} s{i}" for i in range(100)]
    path = _write(tmp_path / "t.txt", rows)
    monkeypatch.setattr(text, "KEEP_BYTES", text.KEEP_BYTES)
    source = open_table(path)
    first = list(source.iter_batches())
    second = list(source.iter_batches())  # kept chunks are given once
    _same(first, second)
    small = list(open_table(path).iter_batches(7))
    assert [len(b["a"]) for b in small] == [7] * 14 + [2]
    assert np.concatenate([b["b"] for b in small]).tolist() == [i * 0.5 for i in range(100)]
