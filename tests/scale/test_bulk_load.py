"""The column-wise cell load (warehouse.store.cells_table) stores exactly what the return-by-return load stores."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd

from sampledata.roster import district_roster
from sampledata.synthetic import returns_for
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.frame import stack
from warehouse.store import Submission, Warehouse


def submissions():
    returns = returns_for(district_roster("320799", "示范区", n_departments=4, n_townships=1), 2024, seed=2)
    odd = dict(returns[0].cells)
    odd["s3.new_received.natural_person"] = "十二"  # text: kept as raw_text
    odd["s3.carried_in.total"] = None  # missing
    odd["s2.normative_docs.issued"] = 2**70  # beyond BIGINT: kept as raw_text
    odd[FEE_KEY] = "七百元"  # not an amount
    returns[0] = replace(returns[0], cells=odd)
    returns[1].cells[FEE_KEY] = Decimal("1234.5678")
    return [
        Submission(f"{i:064x}", f"{r.unit_id}.json", "", 1, "json", r.unit_id, 2024, "accepted", r)
        for i, r in enumerate(returns, start=1)
    ]


def stored(path: Path, subs: list[Submission], frame: pd.DataFrame | None) -> pd.DataFrame:
    with Warehouse(path) as wh:
        wh.load_run("run", "320799", 2024, "roster", subs, [], cells=frame)
        return wh.frame(
            "SELECT sha256, cell_key, value_int, CAST(value_dec AS VARCHAR) AS value_dec, raw_text FROM cells "
            "ORDER BY sha256, cell_key"
        )


def test_the_frame_load_equals_the_return_by_return_load(tmp_path: Path) -> None:
    subs = submissions()
    frame = stack([s.ret for s in subs])
    frame.index = pd.Index([s.sha256 for s in subs], name="sha256")
    by_frame = stored(tmp_path / "a.duckdb", subs, frame)
    one_by_one = stored(tmp_path / "b.duckdb", subs, None)
    assert len(by_frame) == len(subs) * len(CELL_KEYS)
    pd.testing.assert_frame_equal(by_frame, one_by_one)
    first = by_frame[by_frame["sha256"] == subs[0].sha256].set_index("cell_key")
    assert first.at["s3.new_received.natural_person", "raw_text"] == "十二"
    assert pd.isna(first.at["s3.carried_in.total", "value_int"]) and pd.isna(
        first.at["s3.carried_in.total", "raw_text"]
    )
    assert first.at["s2.normative_docs.issued", "raw_text"] == str(2**70)
    assert first.at[FEE_KEY, "raw_text"] == "七百元"
    second = by_frame[by_frame["sha256"] == subs[1].sha256].set_index("cell_key")
    assert second.at[FEE_KEY, "value_dec"] == "1234.567800"


def test_loading_the_same_files_again_adds_no_cells(tmp_path: Path) -> None:
    subs = submissions()
    frame = stack([s.ret for s in subs])
    frame.index = pd.Index([s.sha256 for s in subs], name="sha256")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_run("run1", "320799", 2024, "roster", subs, [], cells=frame)
        before = wh.counts()["cells"]
        wh.load_run("run2", "320799", 2024, "roster", subs, [], cells=frame)
        assert wh.counts()["cells"] == before == len(subs) * len(CELL_KEYS)


def test_a_frame_stacked_from_read_batches_loads_the_same_cells(tmp_path: Path) -> None:
    """Returns read in batches carry int64 columns (schemas.cellblock) next to object ones holding odd values."""
    from schemas.cellblock import detach

    subs = submissions()
    plain = stack([s.ret for s in subs])
    plain.index = pd.Index([s.sha256 for s in subs], name="sha256")
    for s, row in zip(subs, detach([s.ret.cells for s in subs])):
        s.ret.cells = row
    batched = stack([s.ret for s in subs])
    batched.index = plain.index
    assert (batched.dtypes == "int64").sum() > 150 and batched["s3.carried_in.total"].dtype == object
    pd.testing.assert_frame_equal(
        stored(tmp_path / "a.duckdb", subs, batched), stored(tmp_path / "b.duckdb", subs, plain)
    )
