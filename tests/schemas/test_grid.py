"""schemas.grid: the official tables' geometry, and the one cell-location formatter."""

from __future__ import annotations

import pytest

from schemas import cells as C
from schemas.grid import S2_TABLE, S3_TABLE, S4_TABLE, TABLES, Slot, Table, cell_location
from schemas.single_row import SINGLE_TOTAL
from schemas.spans import span_slots


def _at(table: Table, row: int, col: int) -> Slot:
    return next(s for s in table.slots() if (s.row, s.col) == (row, col))


def test_the_data_slots_are_the_200_cells_in_the_official_order() -> None:
    keys = [s.key for t in TABLES for s in t.slots() if s.part == "data"]
    assert keys == list(C.CELL_KEYS)
    assert all(s.label is None for t in TABLES for s in t.slots() if s.part == "data")
    assert all(s.key is None and s.label is not None for t in TABLES for s in t.slots() if s.part != "data")


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_spans_tile_the_rectangle_and_positions_follow_html(table: Table) -> None:
    columns, taken = span_slots([[(s.rowspan, s.colspan) for s in row] for row in table.rows])
    assert taken == {(r, c) for r in range(table.height) for c in range(table.width)}
    assert [[s.col for s in row] for row in table.rows] == columns
    assert all(s.row == r for r, row in enumerate(table.rows) for s in row)


def test_section_two() -> None:
    assert (S2_TABLE.width, S2_TABLE.height, S2_TABLE.stub_cols, S2_TABLE.bands) == (4, 14, 1, (0, 4, 7, 11))
    caption = _at(S2_TABLE, 0, 0)
    assert (caption.label, caption.colspan, caption.group) == (C.ART20_ITEM_1, 4, True)
    fee = next(s for s in S2_TABLE.slots() if s.key == C.FEE_KEY)
    assert (fee.row, fee.col, fee.colspan) == (13, 1, 3)  # one figure spans the three figure columns
    assert _at(S2_TABLE, 12, 1).label == C.FEE_AMOUNT and _at(S2_TABLE, 12, 1).colspan == 3


def test_section_three_matrix() -> None:
    t = S3_TABLE
    assert (t.width, t.height, t.head_rows, t.stub_cols) == (10, 28, 3, 3)
    corner = _at(t, 0, 0)
    assert (corner.label, corner.rowspan, corner.colspan, corner.group) == (C.S3_CORNER, 3, 3, True)
    assert (_at(t, 0, 3).label, _at(t, 0, 3).colspan) == (C.S3_APPLICANT, 7)
    assert (_at(t, 1, 3).label.zh, _at(t, 1, 3).rowspan) == ("自然人", 2)
    assert (_at(t, 1, 4).label, _at(t, 1, 4).colspan) == (C.S3_LEGAL_GROUP, 5)
    assert (_at(t, 1, 9).label.zh, _at(t, 1, 9).rowspan) == ("总计", 2)
    assert [_at(t, 2, c).label.zh for c in range(4, 9)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    assert (_at(t, 3, 0).label.zh, _at(t, 3, 0).colspan) == (C.S3_ROWS[0].label.zh, 3)
    results = _at(t, 5, 0)
    assert (results.label, results.rowspan, results.part, results.group) == (C.S3_RESULTS_GROUP, 22, "stub", True)
    assert (_at(t, 5, 1).label.zh, _at(t, 5, 1).colspan) == ("（一）予以公开", 2)
    denied = _at(t, 7, 1)
    assert (denied.label, denied.rowspan, denied.group) == (C.G3_DENIED, 8, True)
    assert _at(t, 7, 2).label.zh == "1.属于国家秘密"
    assert (_at(t, 26, 1).label.zh, _at(t, 26, 1).colspan) == ("（七）总计", 2)
    assert (_at(t, 27, 0).label.zh, _at(t, 27, 0).colspan) == ("四、结转下年度继续办理", 3)
    assert _at(t, 3, 3).key == "s3.new_received.natural_person" and _at(t, 27, 9).key == "s3.carried_out.total"


def test_section_four() -> None:
    t = S4_TABLE
    assert (t.width, t.height, t.head_rows, t.stub_cols) == (15, 4, 3, 0)
    assert [(s.label.zh, s.colspan) for s in t.rows[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [(s.label.zh, s.rowspan) for s in t.rows[1][:5]] == [(lbl.zh, 2) for _, lbl in C.S4_RESULTS]
    assert [(s.label.zh, s.col, s.colspan) for s in t.rows[1][5:]] == [
        ("未经复议直接起诉", 5, 5),
        ("复议后起诉", 10, 5),
    ]
    assert [s.col for s in t.rows[2]] == list(range(5, 15))
    assert [s.key for s in t.rows[3]] == [C.s4(g, r) for g in C.S4_GROUP_KEYS for r in C.S4_RESULT_KEYS]


@pytest.mark.parametrize(
    ("key", "failure", "diff"),
    [
        (
            "s3.denied_state_secret.natural_person",
            "三 · （三）不予公开 1.属于国家秘密 · 自然人",
            "三 · （三）不予公开 · 1.属于国家秘密 · 自然人",
        ),
        ("s3.granted.total", "三 · （一）予以公开 · 总计", "三 · （一）予以公开 · 总计"),
        ("s2.regulations.issued", "二 · 规章 · 本年制发件数", "二 · 第二十条第（一）项 · 规章 · 本年制发件数"),
        (
            "s4.litigation_direct.pending",
            "四 · 未经复议直接起诉 · 尚未审结",
            "四 · 行政诉讼 · 未经复议直接起诉 · 尚未审结",
        ),
        (SINGLE_TOTAL, "三 · （六）其他处理（按一行填报） · 总计", "三 · （六）其他处理（按一行填报） · 总计"),
        ("unit_id", "", ""),
        ("", "", ""),
    ],
)
def test_cell_location(key: str, failure: str, diff: str) -> None:
    assert cell_location(key) == failure
    assert cell_location(key, every_group=True) == diff
