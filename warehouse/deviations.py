"""Figures a return printed outside the official layout, as warehouse rows (table ``cell_deviations``,
sql/create_deviation_tables.sql). Its own module so that store.py does not grow a branch per deviation.

The one deviation so far is a single (六)其他处理 row (schemas.single_row, rule S6): 7 rows per return, one per
section-三 column; a value that is not a clean count is kept as text, like a cell's ``raw_text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from schemas.cells import S3_COL_KEYS
from schemas.single_row import SINGLE_ROW_DEVIATION

_INT64 = (-(2**63), 2**63)


def deviations_table(returns: Iterable[tuple[str, Any]]) -> pa.Table | None:
    """Rows for ``cell_deviations`` from (sha256, CanonicalReturn) pairs; None when no return has a deviation."""
    sha, cols, pos, ints, raws = [], [], [], [], []
    for sha256, ret in returns:
        row = getattr(ret, "other_single_row", None)
        if row is None:
            continue
        for i, (col, value) in enumerate(zip(S3_COL_KEYS, row), start=1):
            clean = type(value) is int and _INT64[0] <= value < _INT64[1]
            sha.append(sha256)
            cols.append(col)
            pos.append(i)
            ints.append(value if clean else None)
            raws.append(None if clean or value is None else str(value))
    if not sha:
        return None
    return pa.table(
        {
            "sha256": sha,
            "deviation": [SINGLE_ROW_DEVIATION] * len(sha),
            "col_key": cols,
            "position": pa.array(pos, pa.int32()),
            "value_int": pa.array(ints, pa.int64()),
            "raw_text": pa.array(raws, pa.string()),
        }
    )


def single_rows(rows: Sequence[tuple[Any, ...]]) -> dict[str, tuple[int | str | None, ...]]:
    """sha256 -> the 7 values of its single (六) row, from rows (sha256, deviation, col_key, value_int, raw_text)
    ordered by column."""
    by_sha: dict[str, dict[str, int | str | None]] = {}
    for sha256, deviation, col, value, raw in rows:
        if deviation == SINGLE_ROW_DEVIATION:
            by_sha.setdefault(sha256, {})[col] = raw if value is None else int(value)
    return {sha: tuple(cols.get(c) for c in S3_COL_KEYS) for sha, cols in by_sha.items()}
