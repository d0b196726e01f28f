"""Validate many returns in one vectorised pandera pass and report every failure as a :class:`Failure`.

Steps (see :mod:`schemas.models` for the schemas):

1. stack the returns into one frame (:func:`schemas.frame.stack`);
2. run the shape schema lazily: every S2/S3/S4/S4W/S5 failure of every return comes back in one
   ``SchemaErrors.failure_cases`` table (column = cell, index = row);
3. type the counts of the rows whose 199 count cells all passed S2/S3 and run the identities schema on them;
   a dataframe-wide pandera check names only the failing *row*, so the failing cells, their expected and actual
   values are then computed with numpy for those rows alone;
4. turn the failure rows into records, ordered by return and then by the cell's official order.

The fee and the year do not enter any identity, so a bad fee or year does not stop A/L/P checks on that row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TypedDict

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from schemas import single_row
from schemas.cells import CELL_BY_KEY, CELL_KEYS, COUNT_KEYS, FEE_KEY
from schemas.errors import NianbaoError
from schemas.failures import Failure
from schemas.frame import FEE_NOTE_COLUMN, ID_COLUMNS, stack_with_notes, typed_counts
from schemas.models import (
    IDENTITY_BY_RULE,
    MAX_FEE_DECIMALS,
    NOT_NULLABLE,
    count_problem,
    fee_decimals,
    fee_problem,
    identities_schema,
    shape_schema,
)
from schemas.returns import CanonicalReturn
from schemas.rules import RULES
from schemas.single_row import SINGLE_ROW_COLUMN, SUB_KEYS

_RULE_ORDER = {r.id: i for i, r in enumerate(RULES)}
_COUNT_KEY_SET = frozenset(COUNT_KEYS)


class _Found(TypedDict):
    expected: str
    actual: str
    detail: str
    cells: tuple[str, ...]


# the failures found so far, by (row, rule, cell): what _records turns into Failure objects
Found = dict[tuple[int, str, str], _Found]


class ValidationInternalError(NianbaoError, RuntimeError):
    """A pandera check raised instead of answering; this is a bug in nianbao, not in the return."""


def validate_returns(
    returns: Sequence[CanonicalReturn],
    files: Sequence[str] | None = None,
    year: int | None = None,
    county_level: bool = True,
) -> list[Failure]:
    """ONE vectorised pandera pass over all returns (lazy=True), every failure as a Failure record with rule, unit_id,
    cell, expected, actual, file. Order: by return, then by the cell's official order.

    ``files[i]`` names the file of ``returns[i]``; ``year`` is the consolidation year (S5 is skipped when None);
    ``county_level`` turns on P1 (county-level units make no 规章). Fee notes in ``ret.notes`` become S4W warnings.
    """
    frame, notes = stack_with_notes(returns, files)
    return _validate(frame, notes, year, county_level, single_row.singles_of(returns))


def validate_frame(frame: pd.DataFrame, year: int | None = None, county_level: bool = True) -> list[Failure]:
    """:func:`validate_returns` for a frame built by :func:`schemas.frame.stack`.

    An optional ``fee_note`` column (text, "" for none) carries fee-unit notes for S4W, an optional
    ``other_single_row`` column (schemas.single_row: a 7-tuple, or None) the single (六) row of a return that
    prints (六) as one row (rule S6). Rows are reported in frame order whatever the index; a cell column that is
    absent counts as missing in every row (S2).
    """
    notes = frame[FEE_NOTE_COLUMN] if FEE_NOTE_COLUMN in frame.columns else None
    singles = frame[SINGLE_ROW_COLUMN] if SINGLE_ROW_COLUMN in frame.columns else None
    return _validate(frame, notes, year, county_level, singles)


def _validate(
    frame: pd.DataFrame,
    notes: pd.Series | None,
    year: int | None,
    county_level: bool,
    singles: pd.Series | None = None,
) -> list[Failure]:
    frame = frame.reset_index(drop=True).reindex(columns=[*ID_COLUMNS, *CELL_KEYS])
    found: Found = {}

    shape_cases = _failure_cases(shape_schema(year), frame)
    stand_ins: dict[int, dict[str, int]] = {}
    if singles is not None:  # the few returns whose (六) is one row: S6 instead of S2 on the 21 sub-row cells
        shape_cases, stand_ins, unchecked = _single_rows(found, frame, singles, shape_cases)
    else:
        unchecked = []
    for position, cell, check in shape_cases[["index", "column", "check"]].itertuples(index=False):
        _add_shape_failure(found, frame, int(position), cell, check, year)
    if notes is not None:
        _add_fee_notes(found, frame, pd.Series(notes).reset_index(drop=True))

    blocked = shape_cases.loc[
        shape_cases["column"].isin(_COUNT_KEY_SET) & shape_cases["check"].isin((NOT_NULLABLE, "S3")), "index"
    ]
    eligible = frame.index.difference(pd.Index([*blocked.astype(int).unique(), *unchecked]))
    if len(eligible):
        rows = frame.loc[eligible]
        if stand_ins:  # the single row in place of the three sub-rows (a copy: the frame keeps what was read)
            rows = _with_stand_ins(rows, stand_ins)
        counts = typed_counts(rows)
        _add_identity_failures(found, counts, _failure_cases(identities_schema(county_level), counts), set(stand_ins))

    return _records(found, frame)


def _failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """pandera's failure table for ``frame`` (empty when it passes): columns index, column, check, failure_case."""
    columns = ["index", "column", "check", "failure_case"]
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        broken = cases[cases["index"].isna()]
        if len(broken):
            first = broken.iloc[0]
            raise ValidationInternalError(
                f"pandera check {first['check']!r} on {first['column']!r} raised {first['failure_case']}"
            ) from errors
        return cases[columns].reset_index(drop=True)
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# --- shape failures -----------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _add_shape_failure(
    found: Found, frame: pd.DataFrame, position: int, cell: str, check: str, year: int | None
) -> None:
    value = frame.at[position, cell]  # the value itself, not pandera's rendering of it
    if cell == "year":
        if check == NOT_NULLABLE:
            detail = "missing"
        else:
            detail = ("" if 1 <= value <= 9999 else "out of range") if _is_whole(value) else "not a whole number"
        _put(found, position, "S5", "year", expected="" if year is None else year, actual=_text(value), detail=detail)
    elif check == NOT_NULLABLE:
        _put(found, position, "S2", cell, detail="missing")
    elif check == "S3":
        _put(found, position, "S3", cell, actual=_text(value), detail=count_problem(value))
    elif check == "S4":
        _put(found, position, "S4", cell, actual=_text(value), detail=fee_problem(value))
    elif check == "S4W":
        _put(
            found,
            position,
            "S4W",
            cell,
            actual=_text(value),
            detail=f"{fee_decimals(value)} decimals, more than {MAX_FEE_DECIMALS}",
        )
    else:
        raise ValidationInternalError(f"unexpected pandera check {check!r} on column {cell!r}")


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _add_fee_notes(found: Found, frame: pd.DataFrame, notes: pd.Series) -> None:
    """S4W for every fee whose unit was converted while reading (the note says from what)."""
    noted = notes.fillna("").astype(str).ne("")
    for position in np.flatnonzero(noted.to_numpy()):
        _put(
            found, int(position), "S4W", FEE_KEY, actual=_text(frame.at[position, FEE_KEY]), detail=notes.iat[position]
        )


# --- identity failures --------------------------------------------------------------------------------------------


def _add_identity_failures(
    found: Found, counts: pd.DataFrame, cases: pd.DataFrame, single: AbstractSet[int] = frozenset()
) -> None:
    """From the rows pandera named for each rule, find the failing cells and their expected/actual values.
    On a return in ``single`` ((六) as one row) a failure names the single row's cells, not the sub-rows'."""
    for rule_id, rows in cases.groupby("check")["index"]:
        identity = IDENTITY_BY_RULE[str(rule_id)]
        failing = counts.loc[pd.unique(rows.astype(int))]
        expected, actual = identity.expected(failing), identity.actual(failing)
        for i, j in zip(*np.nonzero(~identity.holds(failing))):
            position, cell, reads = int(failing.index[i]), identity.cells[j], identity.reads[j]
            if position in single:
                cell, reads = single_row.renamed(cell), single_row.renamed_reads(reads)
            _put(
                found,
                position,
                identity.rule,
                cell,
                expected=int(expected[i, j]),
                actual=int(actual[i, j]),
                cells=reads,
            )


# --- (六) printed as one row (schemas.single_row) -------------------------------------------------------------


def _single_rows(
    found: Found, frame: pd.DataFrame, singles: pd.Series, shape_cases: pd.DataFrame
) -> tuple[pd.DataFrame, dict[int, dict[str, int]], list[int]]:
    """S6 (and S1/S2/S3 on the single row) for each return that has one; its 21 sub-row S2 failures dropped.
    Returns the remaining shape cases, the sub-row values A1–A3 use for each such return that can be checked,
    and the positions that cannot (a missing or garbled single-row cell, or sub-rows given as well)."""
    values = pd.Series(singles).reset_index(drop=True)
    positions = [int(p) for p in np.flatnonzero(values.notna().to_numpy())]
    stand_ins: dict[int, dict[str, int]] = {}
    unchecked: list[int] = []
    for position in positions:
        row = values.iat[position]
        findings, checkable = single_row.check_row([frame.at[position, k] for k in SUB_KEYS], row)
        for rule_id, cell, fields in findings:
            _put(found, position, rule_id, cell, **fields)
        if checkable:
            stand_ins[position] = single_row.stand_in(row)
        else:
            unchecked.append(position)
    covered = (
        shape_cases["index"].isin(positions)
        & shape_cases["column"].isin(SUB_KEYS)
        & shape_cases["check"].eq(NOT_NULLABLE)
    )
    return shape_cases[~covered].reset_index(drop=True), stand_ins, unchecked


def _with_stand_ins(rows: pd.DataFrame, stand_ins: dict[int, dict[str, int]]) -> pd.DataFrame:
    """``rows`` with the sub-row cells of the single-row returns among them replaced (single_row.stand_in)."""
    mine = [p for p in stand_ins if p in rows.index]
    if not mine:
        return rows
    rows = rows.copy()
    for key in SUB_KEYS:
        column = rows[key].astype(object)
        for p in mine:
            column.at[p] = stand_ins[p][key]
        rows[key] = column
    return rows


# --- records ------------------------------------------------------------------------------------------------------


def _put(
    found: Found,
    position: int,
    rule_id: str,
    cell: str,
    expected: object = "",
    actual: object = "",
    detail: str = "",
    cells: Iterable[str] = (),
) -> None:
    """Record one failure; a second S4W on the same fee (unit note and precision) adds to the first's detail."""
    key = (position, rule_id, cell)
    if key in found:
        previous = found[key]
        previous["detail"] = "; ".join(d for d in (previous["detail"], detail) if d)
        return
    found[key] = {"expected": _text(expected), "actual": _text(actual), "detail": detail, "cells": tuple(cells)}


def _sort_key(key: tuple[int, str, str]) -> tuple[int, float, int]:
    """Report order: by return (frame position), then the cell's official order, then the rule's catalogue order."""
    position, rule_id, cell = key
    # the year comes before every cell; a single (六) row's cell where (六) stands
    order = CELL_BY_KEY[cell].order if cell in CELL_BY_KEY else single_row.ORDER.get(cell, 0)
    return position, order, _RULE_ORDER[rule_id]


def _records(found: Found, frame: pd.DataFrame) -> list[Failure]:
    unit_ids, files = frame["unit_id"].to_numpy(), frame["file"].to_numpy()
    return [
        Failure(
            rule=rule_id,
            unit_id=_text(unit_ids[position]),
            cell=cell,
            file=_text(files[position]),
            **found[(position, rule_id, cell)],
        )
        for position, rule_id, cell in sorted(found, key=_sort_key)
    ]
