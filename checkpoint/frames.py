"""The one frame the checkpoint validates: one row per check (G1 unit, G3 cell, G4 identity).

Great Expectations runs a suite against *one* batch per validation, and a checkpoint passes the same
``batch_parameters`` to every validation it holds. So rather than three frames and three checkpoint runs, the
three inputs are turned here into a single long frame (``checks``) and each expectation picks its rows with a
``row_condition`` on ``rule``/``detail``. Every row carries the words a failure needs (unit, cell, formula cells).

Values are compared exactly: counts as Python ``int``; the fee as an ``int`` of millionths of a 万元
(``Decimal("746.844")`` -> ``746844000``), never as a float. ``None`` means the value could not be known (a blank
cell, a missing row); GX is told to compare such rows too, so a blank never passes as equal.

Pure pandas: no GX, no I/O. Everything the checkpoint decides is decided by GX on this frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from schemas.cells import (
    CELL_BY_KEY,
    CELL_KEYS,
    FEE_DECIMALS,
    FEE_KEY,
)
from schemas.errors import NianbaoError
from schemas.models import IDENTITIES
from schemas.values import fee_text

DISTRICT_KIND = "district"  # the roster row that is the consolidation itself: it sends no return (G1 skips it)
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


def count_value(value: Any, where: str) -> int | None:
    """A count cell as a Python int (None when blank). Floats are accepted only when whole."""
    if _is_null(value):
        return None
    if isinstance(value, bool):
        raise CheckpointInputError(f"{where}: a count must be an integer, found the boolean {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise CheckpointInputError(f"{where}: a count must be an integer, found {value!r}")
        return int(value)
    try:
        return int(value)  # int, numpy integer, Decimal("3"), "3"
    except (TypeError, ValueError) as exc:
        raise CheckpointInputError(f"{where}: a count must be an integer, found {value!r}") from exc


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


def cell_value(cell_key: str, value_int: Any, value_dec: Any, where: str) -> int | None:
    """The comparable value of one long-form row: the fee from value_dec, any other cell from value_int."""
    if cell_key == FEE_KEY:
        return fee_micro(value_dec, where)
    return count_value(value_int, where)


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
            f"{name} lacks the column(s) {missing}; it has {list(frame.columns)}. See checkpoint.run_checkpoint."
        )


# --- the three kinds of rows --------------------------------------------------------------------------------------


def _row(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(CHECK_COLUMNS, "")
    row.update(accepted_submission_id=None, expected=None, actual=None)
    row.update(kw)
    return row


def district_unit(roster: pd.DataFrame) -> tuple[str, str]:
    """(unit_id, unit_name) of the roster's district row, or ("", "") when the roster has none."""
    rows = roster[roster["kind"] == DISTRICT_KIND]
    if rows.empty:
        return "", ""
    return str(rows.iloc[0]["unit_id"]), str(rows.iloc[0]["unit_name"])


def reporting_units(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster rows expected to send a return: every row but the district itself."""
    return roster[roster["kind"] != DISTRICT_KIND]


def g1_rows(roster: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per reporting unit; GX expects ``accepted_submission_id`` not to be null."""
    _require_columns(roster, "roster", ["unit_id", "unit_name", "kind", "accepted_submission_id"])
    duplicated = roster["unit_id"][roster["unit_id"].duplicated()].tolist()
    if duplicated:
        raise CheckpointInputError(f"roster: unit_id(s) {duplicated} appear more than once")
    rows = []
    for unit in reporting_units(roster).itertuples(index=False):
        submission = None if _is_null(unit.accepted_submission_id) else str(unit.accepted_submission_id)
        rows.append(
            _row(
                check_id=f"G1:{unit.unit_id}",
                rule="G1",
                unit_id=str(unit.unit_id),
                unit_name=str(unit.unit_name),
                accepted_submission_id=submission,
            )
        )
    return rows


def unit_sums(roster: pd.DataFrame, unit_cells: pd.DataFrame) -> dict[str, int | None]:
    """Σ over units of every cell, computed here independently of the SQL that built the district report.

    Only reporting roster units count (a row for the district itself is skipped). A unit that has a return but no
    value for a cell makes that cell's sum unknown (None): blank is not zero, so G3 then fails on that cell.
    """
    _require_columns(unit_cells, "unit_cells", ["unit_id", "cell_key", "value_int", "value_dec"])
    reporting = set(reporting_units(roster)["unit_id"].astype(str))
    district_id, _ = district_unit(roster)
    ids = unit_cells["unit_id"].astype(str)
    strangers = sorted(set(ids) - reporting - {district_id})
    if strangers:
        raise CheckpointInputError(f"unit_cells: unit(s) {strangers} are not on the roster")
    cells = unit_cells[ids.isin(reporting)]
    pairs = cells["unit_id"].astype(str) + "|" + cells["cell_key"].astype(str)
    if pairs.duplicated().any():
        raise CheckpointInputError(
            f"unit_cells: more than one value for {pairs[pairs.duplicated()].tolist()[:5]}; "
            "pass only the latest accepted return of each unit"
        )
    values: dict[str, dict[str, int | None]] = {}
    for unit_id, key, v_int, v_dec in cells[["unit_id", "cell_key", "value_int", "value_dec"]].itertuples(index=False):
        key = str(key)
        values.setdefault(str(unit_id), {})[key] = cell_value(key, v_int, v_dec, f"unit_cells[{unit_id}, {key}]")
    sums: dict[str, int | None] = {}
    for key in CELL_KEYS:
        per_unit = [unit_values.get(key) for unit_values in values.values()]
        sums[key] = None if any(v is None for v in per_unit) else sum(per_unit)  # type: ignore[arg-type]
    return sums


def district_values(district_cells: pd.DataFrame) -> dict[str, int | None]:
    """The district report as handed in (cell_key -> comparable value); keys outside the format are kept."""
    _require_columns(district_cells, "district_cells", ["cell_key", "value_int", "value_dec"])
    keys = district_cells["cell_key"].astype(str)
    if keys.duplicated().any():
        raise CheckpointInputError(f"district_cells: cell(s) {keys[keys.duplicated()].tolist()[:5]} appear twice")
    return {
        str(key): cell_value(str(key), v_int, v_dec, f"district_cells[{key}]")
        for key, v_int, v_dec in district_cells[["cell_key", "value_int", "value_dec"]].itertuples(index=False)
    }


def g3_rows(sums: dict[str, int | None], district: dict[str, int | None], unit_id: str) -> list[dict[str, Any]]:
    """One row per cell: expected = Σ units, actual = the district report (a cell it lacks is None)."""
    keys = list(CELL_KEYS) + sorted(k for k in district if k not in CELL_BY_KEY)  # stray keys fail too
    return [
        _row(
            check_id=f"G3:{key}",
            rule="G3",
            unit_id=unit_id,
            cell=key,
            formula_cells=key,
            expected=sums.get(key),
            actual=district.get(key),
        )
        for key in keys
    ]


G4_RULES = ("A1", "A2", "A3", "L1")  # the identities re-checked on a consolidated report (SPEC G4)


def identities(values: dict[str, int | None]) -> list[tuple[str, str, list[str], int | None, int | None]]:
    """The 42 identities of a consolidated report as (detail, cell, formula cells, expected, actual).

    The formulas are the rule catalogue's own (``schemas.models.IDENTITIES``, the ones pandera runs on every
    return), evaluated on a one-row frame: ``cell`` is the cell whose value is ``actual``, ``expected`` what it
    must be. A formula that reads a missing value has no expected value (None), never a guess.
    """
    frame = pd.DataFrame([{k: (values.get(k) or 0) for k in CELL_KEYS if k != FEE_KEY}])
    out: list[tuple[str, str, list[str], int | None, int | None]] = []
    for identity in IDENTITIES:
        if identity.rule not in G4_RULES:
            continue
        expected_row = identity.expected(frame)[0]
        for i, (cell, reads) in enumerate(zip(identity.cells, identity.reads)):
            known = all(values.get(k) is not None for k in reads if k != cell)
            out.append((identity.rule, cell, list(reads), int(expected_row[i]) if known else None, values.get(cell)))
    return out


def g4_rows(district: dict[str, int | None], unit_id: str) -> list[dict[str, Any]]:
    return [
        _row(
            check_id=f"G4:{detail}:{cell}",
            rule="G4",
            detail=detail,
            unit_id=unit_id,
            cell=cell,
            formula_cells=",".join(cells),
            expected=expected,
            actual=actual,
        )
        for detail, cell, cells, expected, actual in identities(district)
    ]


def build_checks(roster: pd.DataFrame, unit_cells: pd.DataFrame, district_cells: pd.DataFrame) -> pd.DataFrame:
    """The frame GX validates (columns ``CHECK_COLUMNS``); expected/actual stay Python ints in object columns."""
    district_id, _ = district_unit(roster)
    district = district_values(district_cells)
    sums = unit_sums(roster, unit_cells)
    rows = g1_rows(roster) + g3_rows(sums, district, district_id) + g4_rows(district, district_id)
    frame = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    for column in ("accepted_submission_id", "expected", "actual"):
        frame[column] = pd.Series([r[column] for r in rows], dtype=object)  # no float, no NaN: exact ints or None
    return frame
