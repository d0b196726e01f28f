"""Cells held column-wise (schemas.cellblock): same values as the reader's dicts, through pickle and stacking."""

from __future__ import annotations

import pickle
from decimal import Decimal

import numpy as np
import pandas as pd

from schemas.cellblock import CellBlock, RowCells, detach, stacked_columns
from schemas.cells import CELL_KEYS, COUNT_KEYS, FEE_KEY
from schemas.frame import stack, typed_counts
from schemas.returns import from_raw_cells
from schemas.validate import validate_frame

ODD_KEY = COUNT_KEYS[5]


def _returns(n: int = 4):
    rets = [from_raw_cells(f"u{i}", f"单位{i}", 2024, {k: i + j for j, k in enumerate(CELL_KEYS)}) for i in range(n)]
    for r in rets:
        r.cells[FEE_KEY] = Decimal("1.25")
    rets[1].cells[ODD_KEY] = "abc"  # garbled: must survive to be reported
    rets[2].cells[COUNT_KEYS[7]] = None  # missing
    rets[3].cells[COUNT_KEYS[9]] = 2**70  # beyond int64
    return rets


def test_rows_read_back_exactly_the_values_given() -> None:
    rets = _returns()
    rows = detach([r.cells for r in rets])
    for ret, row in zip(rets, rows):
        assert dict(row) == ret.cells
        assert all(type(row[k]) is type(ret.cells[k]) for k in CELL_KEYS)  # int stays int, not numpy
    assert rows[1][ODD_KEY] == "abc" and rows[2][COUNT_KEYS[7]] is None and rows[3][COUNT_KEYS[9]] == 2**70
    assert rows[0].get("not.a.cell", "absent") == "absent" and "not.a.cell" not in rows[0]


def test_a_column_is_int64_only_when_every_value_is_a_clean_count() -> None:
    block = CellBlock.from_cells([r.cells for r in _returns()])
    assert block.columns[COUNT_KEYS[0]].dtype == np.int64
    assert block.columns[ODD_KEY].dtype == object
    assert block.columns[COUNT_KEYS[7]].dtype == object  # holds a None
    assert block.columns[COUNT_KEYS[9]].dtype == object  # holds 2**70
    assert block.columns[FEE_KEY].dtype == object


def test_a_batch_pickles_its_block_once_and_keeps_the_values() -> None:
    rets = _returns(50)
    for ret, row in zip(rets, detach([r.cells for r in rets])):
        ret.cells = row
    back = pickle.loads(pickle.dumps(rets))
    assert len({id(r.cells.block) for r in back}) == 1
    assert [dict(r.cells) for r in back] == [dict(r.cells) for r in rets]


def test_stacking_blocks_gives_the_same_frame_as_stacking_dicts_in_any_order() -> None:
    plain = _returns(6)
    expected = stack(plain[::-1], [f"f{i}" for i in range(6)])
    batched = _returns(6)
    for part in (batched[:3], batched[3:]):  # two read batches, two blocks
        for ret, row in zip(part, detach([r.cells for r in part])):
            ret.cells = row
    got = stack(batched[::-1], [f"f{i}" for i in range(6)])
    assert list(got.columns) == list(expected.columns)
    assert got.astype(object).to_numpy().tolist() == expected.astype(object).to_numpy().tolist()
    assert got[COUNT_KEYS[0]].dtype == np.int64 and got[ODD_KEY].dtype == object
    assert got["unit_id"].tolist() == [f"u{i}" for i in range(5, -1, -1)]


def test_validation_reports_the_same_failures_from_blocks() -> None:
    plain = _returns(4)
    batched = _returns(4)
    for ret, row in zip(batched, detach([r.cells for r in batched])):
        ret.cells = row
    files = [f"f{i}.json" for i in range(4)]
    before = validate_frame(stack(plain, files), year=2024)
    after = validate_frame(stack(batched, files), year=2024)
    assert [f.to_dict() for f in after] == [f.to_dict() for f in before]
    assert {(f.rule, f.cell, f.file) for f in after} >= {("S3", ODD_KEY, "f1.json"), ("S2", COUNT_KEYS[7], "f2.json")}


def test_typed_counts_of_int64_columns_are_the_same_numbers() -> None:
    rets = [from_raw_cells(f"u{i}", "", 2024, {k: i for k in CELL_KEYS}) for i in range(3)]
    for ret, row in zip(rets, detach([r.cells for r in rets])):
        ret.cells = row
    counts = typed_counts(stack(rets))
    assert counts.to_numpy().tolist() == [[i] * len(COUNT_KEYS) for i in range(3)]


def test_mixed_rows_fall_back_to_stacking_row_by_row() -> None:
    rets = _returns()[:2]
    rets[0].cells = detach([rets[0].cells])[0]
    assert stacked_columns([r.cells for r in rets]) is None
    frame = stack(rets)
    assert isinstance(frame, pd.DataFrame) and frame.at[1, ODD_KEY] == "abc"
    assert isinstance(rets[0].cells, RowCells)


def test_stacking_rows_in_block_order_a_subset_or_a_repeat_gives_the_rows_asked_for() -> None:
    """stacked_columns skips the reordering copy only when the rows are exactly every block row in order."""
    plain = _returns(6)
    batched = _returns(6)
    for part in (batched[:3], batched[3:]):
        for ret, row in zip(part, detach([r.cells for r in part])):
            ret.cells = row
    for order in ([0, 1, 2, 3, 4, 5], [0, 1, 2, 4, 5], [0, 0, 2, 3, 4, 5], [3, 4, 5, 0, 1, 2]):
        names = [f"f{i}" for i in order]
        got = stack([batched[i] for i in order], names)
        expected = stack([plain[i] for i in order], names)
        assert got.astype(object).to_numpy().tolist() == expected.astype(object).to_numpy().tolist(), order
