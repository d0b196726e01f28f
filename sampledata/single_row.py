"""A return whose (六)其他处理 is printed as ONE row, as some real 2021-format reports do (schemas.single_row):
built from a regular return by adding up its three (六) sub-rows, for tests and demos."""

from __future__ import annotations

from dataclasses import replace

from schemas.cells import S3_COL_KEYS, s3
from schemas.returns import CanonicalReturn
from schemas.single_row import SUB_KEYS, SUB_ROWS


def collapse_other(ret: CanonicalReturn) -> CanonicalReturn:
    """A copy with (六) as one row: ``other_single_row`` = the column sums of the three sub-rows, which become
    missing (None). Every identity still holds with the single row in their place."""
    row = tuple(sum(int(str(ret.cells[s3(r, c)])) for r in SUB_ROWS) for c in S3_COL_KEYS)  # whole counts
    cells = dict(ret.cells)
    cells.update({key: None for key in SUB_KEYS})
    return replace(ret, cells=cells, narrative=dict(ret.narrative), notes=dict(ret.notes), other_single_row=row)
