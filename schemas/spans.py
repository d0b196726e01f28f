"""Where each cell of a table with row and column spans sits, as an HTML table lays it out: a cell takes the first
free column of its row, and its spans occupy the slots below and to the right. One algorithm for the official
tables (schemas.grid), the report layouts (publish.layout), the HTML reader (intake.published_text) and the test
fixtures."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.errors import NianbaoError


class SpanOverlap(NianbaoError, ValueError):
    """Two cells' spans claim the same slot (row, column), both 0-based."""

    def __init__(self, row: int, col: int) -> None:
        super().__init__(f"row {row + 1} overlaps at column {col + 1}")
        self.row, self.col = row, col


def span_slots(rows: Sequence[Sequence[tuple[int, int]]]) -> tuple[list[list[int]], set[tuple[int, int]]]:
    """For rows of cells given as (rowspan, colspan): the 0-based column of every cell, row by row, and every slot
    taken. Raises :class:`SpanOverlap` when spans overlap."""
    taken: set[tuple[int, int]] = set()
    columns: list[list[int]] = []
    for r, row in enumerate(rows):
        c, mine = 0, []
        for rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            mine.append(c)
            for dr in range(max(1, rowspan)):
                for dc in range(max(1, colspan)):
                    if (r + dr, c + dc) in taken:
                        raise SpanOverlap(r + dr, c + dc)
                    taken.add((r + dr, c + dc))
            c += max(1, colspan)
        columns.append(mine)
    return columns, taken
