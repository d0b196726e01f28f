"""(六)其他处理 printed as ONE row instead of its three sub-rows: the keys, labels and per-return checks (rule S6).

Some real 2021-format reports print (六) as a single row. The reader then keeps that row's 7 values in
``CanonicalReturn.other_single_row`` (columns of ``S3_COL_KEYS``) and leaves the 21 cells of the three sub-rows
missing. Only a few returns do this, so the checks here run return by return beside the stacked pandera pass
(schemas.validate), which then runs A1–A3 with the single row in place of the sub-rows (:func:`stand_in`).

The single row's cells are named ``s3.other_single.<col>``: not cells of the 200-cell form (the warehouse keeps
them apart, in ``cell_deviations``), but named like one so that a failure can point at them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from schemas.cells import CELL_BY_KEY, G6_OTHER, S3_COL_KEYS, S3_COLS, s3
from schemas.values import CellValue, normalize_count

SINGLE_ROW = "other_single"  # row key of the single (六) row
SINGLE_ROW_COLUMN = "other_single_row"  # optional column of a stacked frame: the 7-tuple, or None
SINGLE_ROW_DEVIATION = "other_single_row"  # the warehouse's name for this deviation (cell_deviations.deviation)
SUB_ROWS: tuple[str, ...] = ("other_no_correction", "other_fee_unpaid", "other_other")
COUNTED_ROW = "other_other"  # where the single row is counted once waived: 3.其他, the only "other" of the form
SINGLE_KEYS: tuple[str, ...] = tuple(s3(SINGLE_ROW, c) for c in S3_COL_KEYS)
SUB_KEYS: tuple[str, ...] = tuple(s3(r, c) for r in SUB_ROWS for c in S3_COL_KEYS)
SINGLE_TOTAL = s3(SINGLE_ROW, "total")
# the single row sorts where (六) stands in the form, just before its first sub-row
ORDER: dict[str, float] = {
    key: CELL_BY_KEY[s3(SUB_ROWS[0], c)].order - 0.5 + i / 100
    for i, (key, c) in enumerate(zip(SINGLE_KEYS, S3_COL_KEYS))
}
LABEL_ZH = f"{G6_OTHER.zh}（按一行填报）"
COL_LABELS: dict[str, str] = {s3(SINGLE_ROW, c.key): c.label.zh for c in S3_COLS}
# what the annex and the audit say of a unit whose single row was waived and counted under 3.其他
WAIVED_NOTE = "（六）其他处理按一行填报，经豁免计入“3.其他”"


def normalize_row(raw: Any) -> tuple[CellValue, ...]:
    """The single row from a mapping ``{col_key: value}`` (canonical JSON) or a sequence of 7 values, each value
    normalised like a count cell (absent = None = missing). Raises ValueError naming an unknown column or a
    sequence of the wrong length."""
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in S3_COL_KEYS]
        if unknown:
            raise ValueError(f"unknown column {unknown[0]!r}; the columns are {', '.join(S3_COL_KEYS)}")
        values = [raw.get(c) for c in S3_COL_KEYS]
    else:
        values = list(raw)
        if len(values) != len(S3_COL_KEYS):
            raise ValueError(f"{len(values)} values; the row has {len(S3_COL_KEYS)} columns ({', '.join(S3_COL_KEYS)})")
    return tuple(v if type(v) is int else normalize_count(v) for v in values)


def as_dict(row: Sequence[CellValue]) -> dict[str, CellValue]:
    return dict(zip(S3_COL_KEYS, row))


def row_text(row: Sequence[CellValue]) -> str:
    """The 7 values with their column labels, for a failure's detail: 自然人 3、商业企业 0、…、总计 5."""
    return "、".join(f"{c.label.zh} {'空白' if v is None else v}" for c, v in zip(S3_COLS, row))


def singles_of(returns: Sequence[Any]) -> pd.Series | None:
    """Each return's single row (or None), as an object column — or None when no return has one (the usual case:
    the stacked frame then carries no extra column at all)."""
    rows = [getattr(ret, "other_single_row", None) for ret in returns]
    if not any(r is not None for r in rows):
        return None
    column = pd.Series([None] * len(rows), dtype=object, name=SINGLE_ROW_COLUMN)
    for i, r in enumerate(rows):
        if r is not None:
            column.iat[i] = tuple(r)
    return column


def stand_in(row: Sequence[int]) -> dict[str, int]:
    """The 21 sub-row cells as the identities (and the district sums) count a single row: all of it under
    3.其他, nothing under 1. and 2. Then Σ of the 21 outcome rows is Σ of 19 rows + the single row (A2), and A1
    on 3.其他 is A1 on the single row; A1 on 1. and 2. holds trivially (0 = 0)."""
    out = {s3(r, c): 0 for r in SUB_ROWS[:-1] for c in S3_COL_KEYS}
    out.update({s3(COUNTED_ROW, c): int(v) for c, v in zip(S3_COL_KEYS, row)})
    return out


def renamed(cell: str) -> str:
    """A sub-row cell named in an identity failure, as the single-row cell it stands in for."""
    for row in SUB_ROWS:
        prefix = f"s3.{row}."
        if cell.startswith(prefix):
            return s3(SINGLE_ROW, cell[len(prefix) :])
    return cell


def renamed_reads(cells: Sequence[str]) -> tuple[str, ...]:
    """The cells an identity read, the three sub-rows replaced by the single row (each single cell once)."""
    return tuple(dict.fromkeys(renamed(c) for c in cells))


def check_row(sub_values: Sequence[Any], row: Sequence[Any]) -> tuple[list[tuple[str, str, dict[str, Any]]], bool]:
    """The per-return findings of a return whose (六) is one row: ``sub_values`` are its 21 sub-row cells (SUB_KEYS
    order), ``row`` its single row. Returns (rule, cell, fields) findings and whether A1–A3 can run on it.

    Always S6 (the deviation itself, HARD-W). S2/S3 on the single row's own cells, as on any cell. S1 (HARD) when
    the sub-rows carry figures as well: which of the two was meant is unknown, so neither is counted."""
    from schemas.models import count_problem, is_count  # schemas.models is heavy (pandera): only when needed

    found: list[tuple[str, str, dict[str, Any]]] = []
    total = row[-1]
    found.append(
        (
            "S6",
            SINGLE_TOTAL,
            {"actual": "" if total is None else str(total), "detail": row_text(row), "cells": SINGLE_KEYS},
        )
    )
    given = [(k, v) for k, v in zip(SUB_KEYS, sub_values) if v is not None]
    if given:
        shown = ", ".join(f"{k} = {v}" for k, v in given[:3]) + (f" … ({len(given)} in all)" if len(given) > 3 else "")
        found.append(
            (
                "S1",
                SINGLE_TOTAL,
                {"detail": f"{G6_OTHER.zh}既按一行填报又填了三个明细行（{shown}），无法确定采用哪一种"},
            )
        )
    for key, value in zip(SINGLE_KEYS, row):
        if value is None:
            found.append(("S2", key, {"detail": "missing"}))
        elif not is_count(value):
            found.append(("S3", key, {"actual": str(value), "detail": count_problem(value)}))
    return found, len(found) == 1
