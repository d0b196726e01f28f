"""The columns of the frame the checkpoint validates, and how its values are read and printed.

Great Expectations runs a suite against *one* batch per validation, and a checkpoint passes the same
``batch_parameters`` to every validation it holds. So rather than one frame per rule, checkpoint.nodes stacks every
check into a single long frame (``checks``, columns ``CHECK_COLUMNS`` + the node) and each expectation picks its
rows with a ``row_condition`` on ``rule``/``detail``. Every row carries the words a failure needs (unit, cell,
formula cells).

Values are compared exactly: counts as Python ``int``; the fee as an ``int`` of millionths of a 万元
(``Decimal("746.844")`` -> ``746844000``), never as a float. ``None`` means the value could not be known (a blank
cell, a missing row); GX is told to compare such rows too, so a blank never passes as equal.

Pure pandas: no GX, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from schemas.cells import FEE_DECIMALS, FEE_KEY
from schemas.errors import NianbaoError
from schemas.values import fee_text

FEE_SCALE = 10**FEE_DECIMALS  # the fee is compared in millionths of a 万元 (DECIMAL(18,6) is exact at this scale)
MISSING_TEXT = "(missing)"  # how an unknown value is printed in a failure

CHECK_COLUMNS = [
    "check_id",  # unique per row: "G1:<unit_id>", "G3:<cell>", "G4:A1:<cell>"; ties GX's answer back to this row
    "rule",  # G1 | G3 | G4
    "detail",  # "" or the identity checked on the district report: A1 | A2 | A3 | L1
    "unit_id",
    "unit_name",
    "cell",  # the cell whose value is ``actual``
    "formula_cells",  # every cell the check reads, joined by ","
    "accepted_submission_id",  # G1 only: null when the unit has no accepted return
    "expected",  # int | None (fee in millionths)
    "actual",  # int | None
]
INDEX_COLUMNS = ["check_id", "rule", "detail", "unit_id", "cell"]  # what GX reports for each failing row


class CheckpointInputError(NianbaoError, ValueError):
    """The frames handed to the checkpoint are not in the agreed shape (a programming error upstream)."""


# --- reading values ---------------------------------------------------------------------------------------------


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def fee_micro(value: Any, where: str) -> int | None:
    """The fee (万元) as an int of millionths; None when blank. Floats are refused: money is exact."""
    if _is_null(value):
        return None
    if isinstance(value, float):
        raise CheckpointInputError(
            f"{where}: the fee arrived as the float {value!r}; pass it as Decimal or text "
            "(e.g. CAST(value_dec AS VARCHAR) in DuckDB) so that it stays exact"
        )
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise CheckpointInputError(f"{where}: the fee {value!r} is not a decimal number") from exc
    scaled = amount.scaleb(FEE_DECIMALS)
    if not amount.is_finite() or scaled != scaled.to_integral_value():
        raise CheckpointInputError(f"{where}: the fee {value!r} has more than {FEE_DECIMALS} decimal places")
    return int(scaled)


def value_text(cell_key: str, value: int | None) -> str:
    """How a comparable value is printed in a failure: the fee back in 万元, counts as they are."""
    if value is None:
        return MISSING_TEXT
    if cell_key == FEE_KEY:
        return fee_text(Decimal(value).scaleb(-FEE_DECIMALS))
    return str(value)


def _require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CheckpointInputError(
            f"{name} lacks the column(s) {missing}; it has {list(frame.columns)}. See checkpoint.nodes.build_node_checks."
        )


G4_RULES = ("A1", "A2", "A3", "L1")  # the identities re-checked on a consolidated report (SPEC G4)
