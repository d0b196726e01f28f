"""The official tables of sections 二, 三 and 四 as geometry: every cell with its span, its label and its key.

The 2021 national format prints its figures in three tables with merged headers: 二 as four sub-tables (caption,
信息内容 header row, one row per item), 三 as the 25 × 7 request-outcome matrix (a 3 × 3 corner, 申请人情况 over the
seven applicant columns, 法人或其他组织 over five of them; 三、本年度办理结果 down the 21 outcome rows and （七）总计,
the groups （三）…（六） down their numbered sub-rows), 四 as three header rows over one row of 15 figures. This module
is the one description of those tables. The department's form (intake.layout), the published report and the audit
(publish.layout) and the test fixtures place it: they choose where a table starts and what a data cell shows, never
which cell spans what.

A :class:`Table` lists its :class:`Slot` s row by row, left to right, as an HTML table does (a slot covered by a span
from above is not listed); each slot also knows its 0-based (row, col) in the table, found by
:func:`schemas.spans.span_slots`. Labels and keys come from :mod:`schemas.cells`.

:func:`cell_location` says in words where a cell sits, for failures, version diffs and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Literal

from schemas.cells import (
    CELL_BY_KEY,
    INFO_CONTENT,
    S2_ITEMS,
    S3_APPLICANT,
    S3_COLS,
    S3_CORNER,
    S3_LEGAL_GROUP,
    S3_RESULTS_GROUP,
    S3_ROWS,
    S4_GROUPS,
    S4_RESULTS,
    SECTION_HEADINGS,
    Label,
    s3,
    s4,
)
from schemas.single_row import COL_LABELS as SINGLE_ROW_COL_LABELS
from schemas.single_row import LABEL_ZH as SINGLE_ROW_LABEL_ZH
from schemas.spans import span_slots

Part = Literal["head", "stub", "data"]  # a column header, a row label, a figure


@dataclass(frozen=True)
class Slot:
    """One cell of an official table. ``label`` is set for headers and row labels, ``key`` for figures; ``group``
    marks a label that heads a group of columns or rows (a sub-table caption, 申请人情况, （三）不予公开, 行政诉讼…)."""

    part: Part
    label: Label | None = None
    key: str | None = None
    rowspan: int = 1
    colspan: int = 1
    group: bool = False
    row: int = 0  # 0-based, in the table; set by _table
    col: int = 0

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass(frozen=True)
class Table:
    """One official table: ``width`` columns, of which the first ``stub_cols`` hold row labels; ``head_rows``
    leading header rows (0 for 二, whose header rows repeat in each sub-table); ``bands`` the rows where a sub-table
    starts (二's four captions)."""

    name: str  # "s2", "s3", "s4"
    section: int  # 2, 3, 4
    heading: Label
    width: int
    stub_cols: int
    head_rows: int
    bands: tuple[int, ...]
    rows: tuple[tuple[Slot, ...], ...]

    @property
    def height(self) -> int:
        return len(self.rows)

    def slots(self) -> Iterator[Slot]:
        """Every slot, row by row, left to right."""
        for row in self.rows:
            yield from row


def _head(label: Label, rowspan: int = 1, colspan: int = 1, group: bool = False) -> Slot:
    return Slot("head", label, rowspan=rowspan, colspan=colspan, group=group)


def _stub(label: Label, rowspan: int = 1, colspan: int = 1, group: bool = False) -> Slot:
    return Slot("stub", label, rowspan=rowspan, colspan=colspan, group=group)


def _data(key: str, colspan: int = 1) -> Slot:
    return Slot("data", key=key, colspan=colspan)


def _table(
    name: str, section: int, width: int, stub_cols: int, head_rows: int, rows: list[list[Slot]], bands: list[int]
) -> Table:
    """The table with every slot's (row, col); checks that the spans tile ``width`` columns exactly."""
    columns, taken = span_slots([[(s.rowspan, s.colspan) for s in row] for row in rows])
    for r in range(len(rows)):
        filled = sorted(c for rr, c in taken if rr == r)
        assert filled == list(range(width)), f"{name}: row {r + 1} covers columns {filled} of {width}"
    placed = tuple(
        tuple(replace(s, row=r, col=c) for s, c in zip(row, cols)) for r, (row, cols) in enumerate(zip(rows, columns))
    )
    return Table(name, section, SECTION_HEADINGS[section - 1], width, stub_cols, head_rows, tuple(bands), placed)


# --- 二: 第二十条第（一）/（五）/（六）/（八）项, each a caption, a 信息内容 header row and one row per item -------------

S2_FIELD_COLS = 3  # every sub-table has three figure columns; one field spans all three


def _s2() -> Table:
    rows: list[list[Slot]] = []
    bands: list[int] = []
    for subtable, members in groupby(S2_ITEMS, key=lambda item: item.subtable):
        items = list(members)
        bands.append(len(rows))
        rows.append([_head(subtable, colspan=1 + S2_FIELD_COLS, group=True)])
        fields = items[0].fields
        span = S2_FIELD_COLS // len(fields)
        rows.append([_head(INFO_CONTENT)] + [_head(field_label, colspan=span) for _, field_label in fields])
        for item in items:
            rows.append(
                [_stub(item.label)] + [_data(f"s2.{item.key}.{field}", colspan=span) for field, _ in item.fields]
            )
    return _table("s2", 2, 1 + S2_FIELD_COLS, 1, 0, rows, bands)


# --- 三: 3 label columns + the 7 applicant columns --------------------------------------------------------------

S3_LABEL_COLS = 3


def _s3() -> Table:
    legal = [c for c in S3_COLS if c.legal_person]
    rows: list[list[Slot]] = [
        [
            _head(S3_CORNER, rowspan=3, colspan=S3_LABEL_COLS, group=True),
            _head(S3_APPLICANT, colspan=len(S3_COLS), group=True),
        ],
        [],
        [_head(c.label) for c in legal],
    ]
    for col in S3_COLS:  # 自然人 and 总计 span both lower header rows; 法人或其他组织 heads its five columns
        if not col.legal_person:
            rows[1].append(_head(col.label, rowspan=2))
        elif col == legal[0]:
            rows[1].append(_head(S3_LEGAL_GROUP, colspan=len(legal), group=True))

    results = [r for r in S3_ROWS if r.outcome or r.key == "total_processed"]
    group_sizes = {g: len(list(members)) for g, members in groupby(S3_ROWS, key=lambda r: r.group) if g is not None}
    previous_group = None
    for row in S3_ROWS:
        lead: list[Slot] = []
        if row == results[0]:
            lead.append(_stub(S3_RESULTS_GROUP, rowspan=len(results), group=True))
        if row not in results:
            lead.append(_stub(row.label, colspan=S3_LABEL_COLS))
        elif row.group is None:
            lead.append(_stub(row.label, colspan=S3_LABEL_COLS - 1))
        else:
            if row.group != previous_group:
                lead.append(_stub(row.group, rowspan=group_sizes[row.group], group=True))
            lead.append(_stub(row.label))
        previous_group = row.group
        rows.append(lead + [_data(s3(row.key, c.key)) for c in S3_COLS])
    return _table("s3", 3, S3_LABEL_COLS + len(S3_COLS), S3_LABEL_COLS, 3, rows, [])


# --- 四: 行政复议 (5 results) | 行政诉讼 (未经复议直接起诉 5, 复议后起诉 5), one row of figures -------------------------


def _s4() -> Table:
    n = len(S4_RESULTS)
    rows: list[list[Slot]] = [[], [], [], []]
    for top, members in groupby(S4_GROUPS, key=lambda g: g.top):
        rows[0].append(_head(top, colspan=n * len(list(members)), group=True))
    for group in S4_GROUPS:
        if group.label == group.top:  # 行政复议 is its own top header: its results span the two rows below
            rows[1] += [_head(result_label, rowspan=2) for _, result_label in S4_RESULTS]
        else:
            rows[1].append(_head(group.label, colspan=n, group=True))
            rows[2] += [_head(result_label) for _, result_label in S4_RESULTS]
    rows[3] = [_data(s4(g.key, result)) for g in S4_GROUPS for result, _ in S4_RESULTS]
    return _table("s4", 4, len(S4_GROUPS) * n, 0, 3, rows, [])


S2_TABLE, S3_TABLE, S4_TABLE = _s2(), _s3(), _s4()
TABLES: tuple[Table, ...] = (S2_TABLE, S3_TABLE, S4_TABLE)


# --- where a cell sits, in words ------------------------------------------------------------------------------

SECTION_NUMERALS = {2: "二", 3: "三", 4: "四"}


def cell_location(key: str, *, every_group: bool = False) -> str:
    """Where a cell sits in the official table, for a person: "section · row · column".

    By default (a failure's location) only a row group of 三 is named, before the row label:
    "三 · （三）不予公开 1.属于国家秘密 · 自然人"; a cell of a single （六） row (schemas.single_row) reads
    "三 · （六）其他处理（按一行填报） · 总计". ``every_group`` (a version diff's location) gives every group its own
    part, 二's sub-table and 四's top header included: "二 · 第二十条第（一）项 · 规章 · 本年制发件数". Any other
    key gives "".
    """
    cell = CELL_BY_KEY.get(key)
    if cell is None:
        column = SINGLE_ROW_COL_LABELS.get(key)
        return f"三 · {SINGLE_ROW_LABEL_ZH} · {column}" if column else ""
    section = SECTION_NUMERALS[cell.section]
    if every_group:
        group = [cell.group_label.zh] if cell.group_label is not None else []
        return " · ".join([section, *group, cell.row_label.zh, cell.col_label.zh])
    group_text = f"{cell.group_label.zh} " if cell.group_label and cell.section == 3 else ""
    return f"{section} · {group_text}{cell.row_label.zh} · {cell.col_label.zh}"


def cell_label(key: str) -> str:
    """The cell as an auditor's table names it, without its section: "（三）不予公开 1.属于国家秘密 / 自然人"
    (only 三's row group is named), "（六）其他处理（按一行填报） / 总计" for a single （六） row's cell; "" for any
    other key. The same parts as :func:`cell_location`, joined for a column header."""
    location = cell_location(key)
    if not location:
        return ""
    _section, row, column = location.split(" · ")
    return f"{row} / {column}"
