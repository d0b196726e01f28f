"""The form (intake.layout), the report and the audit (publish.layout) and the published-report fixtures all place
the same official tables (schemas.grid): same spans, same labels, same keys, only their own origin and texts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from intake.layout import CELL_POS, FIRST_DATA_COL, LAYOUT
from publish.layout import official_grid, place, s2_grid, s3_grid, s4_grid
from schemas.grid import TABLES, Table

sys.path.insert(0, str(Path(__file__).resolve().parent / "published"))
import published_fixture_builder as builder

BY_NAME = {t.name: t for t in TABLES}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_report_places_the_table(table: Table) -> None:
    grid = official_grid(table, {})
    placed = place(grid)
    slots = list(table.slots())
    assert [(r, c) for r, c, _ in placed] == [(s.row, s.col) for s in slots]
    assert [(g.rowspan, g.colspan, g.key) for _, _, g in placed] == [(s.rowspan, s.colspan, s.key) for s in slots]
    assert [g.text for _, _, g in placed if g.key is None] == [s.label.zh for s in slots if s.key is None]
    assert (grid.width, grid.head_rows, grid.groups) == (table.width, table.head_rows, list(table.bands))


def test_the_report_functions_are_the_official_grids() -> None:
    assert [g({}).name for g in (s2_grid, s3_grid, s4_grid)] == [t.name for t in TABLES]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_form_places_the_table(table: Table) -> None:
    data = [s for s in table.slots() if s.key is not None]
    top = CELL_POS[data[0].key][0] - data[0].row
    for s in data:  # figures: one origin for the whole table, the figure columns from D
        assert CELL_POS[s.key] == (top + s.row, FIRST_DATA_COL + s.col - table.stub_cols), s.key
    at = {lc.pos: lc for lc in LAYOUT.labels}
    for s in table.slots():
        if s.key is not None:
            continue
        if s.col >= table.stub_cols:  # a column header: over the figure columns it heads
            lc = at[(top + s.row, FIRST_DATA_COL + s.col - table.stub_cols)]
            assert lc.last[1] == FIRST_DATA_COL + s.last_col - table.stub_cols, s
        else:  # a row label: in A–C
            (lc,) = [
                x
                for x in LAYOUT.labels
                if x.pos[0] == top + s.row and x.pos[1] < FIRST_DATA_COL and x.text == s.label.zh
            ]
            assert lc.last[1] < FIRST_DATA_COL or s.last_col >= table.stub_cols, s
        assert (lc.text, lc.last[0], lc.kind) == (s.label.zh, top + s.last_row, "group" if s.group else "label"), s
    assert at[(top - 1, 0)].text == table.heading.zh and at[(top - 1, 0)].kind == "heading"


def test_the_form_has_no_other_labels() -> None:
    label_slots = sum(1 for t in TABLES for s in t.slots() if s.key is None)
    assert len(LAYOUT.labels) == 4 + len(TABLES) + label_slots  # the header block, the headings, the tables


@pytest.mark.parametrize("name", ["二", "三", "四"])
def test_the_fixture_builder_places_the_table(name: str) -> None:
    table = BY_NAME[{"二": "s2", "三": "s3", "四": "s4"}[name]]
    built = builder.Report("某某区人民政府", 2023, builder.distinct_cells()).tables()[name]
    assert built.width == table.width
    assert [[(c.rowspan, c.colspan) for c in row] for row in built.rows] == [
        [(s.rowspan, s.colspan) for s in row] for row in table.rows
    ]
