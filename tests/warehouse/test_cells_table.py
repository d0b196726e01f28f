"""warehouse.store.cells_table lays the count cells out return by return, each return's cells in official order, with
blanks as NULL and odd values (text, beyond BIGINT) moved to ``new_odd``: checked row by row against a plain loop."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd

from sampledata.roster import district_roster
from sampledata.synthetic import returns_for
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.frame import stack
from warehouse.store import cells_table


def _frame() -> tuple[pd.DataFrame, list[str]]:
    returns = returns_for(district_roster("320799", "示范区", n_departments=3, n_townships=1), 2024, seed=5)
    odd = dict(returns[1].cells)
    odd["s3.new_received.natural_person"] = "十二"
    odd["s3.carried_in.total"] = None
    odd["s2.normative_docs.issued"] = 2**70
    returns[1] = replace(returns[1], cells=odd)
    returns[2].cells[FEE_KEY] = Decimal("12.5")
    frame = stack(returns)
    shas = [f"{i:064x}" for i in range(1, len(returns) + 1)]
    frame.index = pd.Index(shas, name="sha256")
    return frame, shas


def _expected(frame: pd.DataFrame, shas: list[str]) -> tuple[list[tuple], list[tuple]]:
    counts, odd = [], []
    for sha in shas:
        for key in CELL_KEYS:
            if key == FEE_KEY:
                continue
            v = frame.at[sha, key]
            if v is None or (
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) and -(2**63) <= int(v) < 2**63
            ):
                counts.append((sha, key, None if v is None else int(v)))
            else:
                odd.append((sha, key, str(v)))
    return counts, odd


def test_counts_come_return_by_return_in_cell_order_with_blanks_and_odd_values_apart() -> None:
    frame, shas = _frame()
    wanted = [shas[2], shas[0], shas[1]]  # any order asked for is the order laid out
    tables = cells_table(frame, wanted)
    counts, odd = _expected(frame, wanted)
    got = tables["new_counts"].to_pylist()
    assert [(r["sha256"], r["cell_key"], r["value_int"]) for r in got] == counts
    assert [(r["sha256"], r["cell_key"], r["raw_text"]) for r in tables["new_odd"].to_pylist()] == odd
    assert len(odd) == 2 and any(v is None for _, _, v in counts)
    assert tables["new_fees"].column("sha256").to_pylist() == wanted


def test_a_frame_without_blanks_has_no_null_counts() -> None:
    frame, shas = _frame()
    clean = [shas[0], shas[2]]
    tables = cells_table(frame, clean)
    assert tables["new_counts"].column("value_int").null_count == 0
    assert tables["new_counts"].num_rows == 2 * (len(CELL_KEYS) - 1)
    assert tables["new_odd"].num_rows == 0
