"""Where everything sits on the department's XLSX form: the one place the writer and the reader share.

The form (template version :data:`FORM_VERSION`) reproduces the national table of 国办公开办函〔2021〕30号 on one sheet
(:data:`MAIN_SHEET`): a header block (unit id, unit name, year, template version), then sections 二, 三 and 四 with
the official labels (simplified Chinese) and merged group headers. Sections 一, 五 and 六 (text) go on a second
sheet (:data:`NARRATIVE_SHEET`); a hidden third sheet (:data:`META_SHEET`) carries the version marker the reader
checks first (rule S1).

Positions are **0-based (row, col)**, the way python-calamine returns a sheet as a list of rows; the writer adds 1
for openpyxl. Everything is derived from :mod:`schemas.cells`, so a label fix there moves into the form and into the
reader's label check at once.

Columns: A–C hold labels (A: 三、本年度办理结果, B: the (三)…(六) groups, C: sub-row labels); D–J are the seven
applicant columns of 三 and the three columns of 二; D–R are the fifteen columns of 四.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.cells import (
    INFO_CONTENT,
    NARRATIVE_KEYS,
    S2_ITEMS,
    S3_APPLICANT,
    S3_COLS,
    S3_CORNER,
    S3_LEGAL_GROUP,
    S3_RESULTS_GROUP,
    S3_ROWS,
    S4_GROUPS,
    S4_LITIGATION,
    S4_RESULTS,
    S4_REVIEW,
    SECTION_HEADINGS,
)

FORM_VERSION = "nianbao.form/2021"  # bump when any position below changes; the reader refuses other versions (S1)
FORM_VERSION_PREFIX = "nianbao.form/"

MAIN_SHEET = "年报数据"
NARRATIVE_SHEET = "文字部分"
META_SHEET = "nianbao"  # hidden; A1 "form_version", B1 FORM_VERSION

Pos = tuple[int, int]  # (row, col), 0-based


@dataclass(frozen=True)
class LabelCell:
    """A fixed text cell of the form. ``last`` is the bottom-right cell of its merge (== ``pos`` when not merged)."""

    pos: Pos
    text: str
    last: Pos
    kind: str = "label"  # "label" | "heading" (section title) | "group" (merged group header)


# --- columns ---------------------------------------------------------------------------------------------------

COL_A, COL_B, COL_C = 0, 1, 2
FIRST_DATA_COL = 3  # D
S3_DATA_COLS = tuple(range(FIRST_DATA_COL, FIRST_DATA_COL + len(S3_COLS)))  # D..J
S4_DATA_COLS = tuple(range(FIRST_DATA_COL, FIRST_DATA_COL + len(S4_GROUPS) * len(S4_RESULTS)))  # D..R
LAST_COL = S4_DATA_COLS[-1]  # R
S2_FIELD_COLS = 3  # 二 uses D..F

# --- header block ------------------------------------------------------------------------------------------------

TITLE_POS: Pos = (0, COL_A)
UNIT_ID_POS: Pos = (1, FIRST_DATA_COL)
UNIT_NAME_POS: Pos = (2, FIRST_DATA_COL)
YEAR_POS: Pos = (3, FIRST_DATA_COL)
VERSION_POS: Pos = (4, FIRST_DATA_COL)  # the visible copy of the marker
NOTE_POS: Pos = (5, COL_A)
HEADER_VALUE_LAST_COL = S3_DATA_COLS[-1]  # unit id / name / version values are merged D..J

HEADER_LABELS = ("单位代码", "单位名称", "报告年度", "表样版本")
FILL_NOTE = (
    "填写说明：请只在浅黄色单元格中填写数字；没有发生的事项请填0，空白视为未填报（空白不等于0）。"
    "收费金额以万元为单位，可填小数。请勿增删行列或修改标签。"
)

# --- narrative sheet ------------------------------------------------------------------------------------------
# rows 1..3: column A the heading (一、五、六), column B the text

NARRATIVE_HEADINGS = {
    "overview": SECTION_HEADINGS[0].zh,
    "problems": SECTION_HEADINGS[4].zh,
    "other": SECTION_HEADINGS[5].zh,
}
NARRATIVE_POS: dict[str, Pos] = {key: (1 + i, 1) for i, key in enumerate(NARRATIVE_KEYS)}
NARRATIVE_TITLE = "文字部分（一、总体情况；五、存在的主要问题及改进情况；六、其他需要报告的事项）"


def title_text(year: int | str) -> str:
    return f"{year}年度政府信息公开工作年度报告（数据表）"


# --- the main sheet, built row by row ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormLayout:
    labels: tuple[LabelCell, ...]
    cells: dict[str, Pos]  # cell key -> position of its data cell
    merged_data: dict[str, Pos]  # cell key -> bottom-right of its merge, for data cells spanning D..F
    last_row: int


def _build() -> FormLayout:
    labels: list[LabelCell] = []
    cells: dict[str, Pos] = {}
    merged_data: dict[str, Pos] = {}

    def label(r: int, c: int, text: str, r2: int | None = None, c2: int | None = None, kind: str = "label") -> None:
        labels.append(LabelCell((r, c), text, (r if r2 is None else r2, c if c2 is None else c2), kind))

    # header block labels (the title carries the year, so it is written but not checked)
    for i, text in enumerate(HEADER_LABELS):
        label(1 + i, COL_A, text, c2=COL_C)

    # --- 二 ---
    row = 7
    label(row, COL_A, SECTION_HEADINGS[1].zh, c2=LAST_COL, kind="heading")
    row += 1
    subtable = None
    for item in S2_ITEMS:
        if item.subtable != subtable:  # a new sub-table: caption, then the 信息内容 header row
            subtable = item.subtable
            label(row, COL_A, subtable.zh, c2=FIRST_DATA_COL + S2_FIELD_COLS - 1, kind="group")
            row += 1
            label(row, COL_A, INFO_CONTENT.zh, c2=COL_C)
            if len(item.fields) == 1:
                label(row, FIRST_DATA_COL, item.fields[0][1].zh, c2=FIRST_DATA_COL + S2_FIELD_COLS - 1)
            else:
                for j, (_, field_label) in enumerate(item.fields):
                    label(row, FIRST_DATA_COL + j, field_label.zh)
            row += 1
        label(row, COL_A, item.label.zh, c2=COL_C)
        for j, (field, _) in enumerate(item.fields):
            key = f"s2.{item.key}.{field}"
            cells[key] = (row, FIRST_DATA_COL + j)
            if len(item.fields) == 1:  # one value spans the three field columns, as on the official table
                merged_data[key] = (row, FIRST_DATA_COL + S2_FIELD_COLS - 1)
        row += 1

    # --- 三 ---
    row += 1
    label(row, COL_A, SECTION_HEADINGS[2].zh, c2=LAST_COL, kind="heading")
    row += 1
    head = row
    label(head, COL_A, S3_CORNER.zh, r2=head + 2, c2=COL_C, kind="group")
    label(head, S3_DATA_COLS[0], S3_APPLICANT.zh, c2=S3_DATA_COLS[-1], kind="group")
    legal_cols = [c for c, col in zip(S3_DATA_COLS, S3_COLS) if col.legal_person]
    label(head + 1, legal_cols[0], S3_LEGAL_GROUP.zh, c2=legal_cols[-1], kind="group")
    for c, col in zip(S3_DATA_COLS, S3_COLS):
        if col.legal_person:
            label(head + 2, c, col.label.zh)
        else:  # 自然人 and 总计 span both header rows
            label(head + 1, c, col.label.zh, r2=head + 2)
    row = head + 3

    row_of = {r.key: row + i for i, r in enumerate(S3_ROWS)}
    first_result = next(r.key for r in S3_ROWS if r.outcome)
    label(row_of[first_result], COL_A, S3_RESULTS_GROUP.zh, r2=row_of["total_processed"], kind="group")
    groups_done: set[str] = set()
    for r in S3_ROWS:
        rr = row_of[r.key]
        under_results = row_of[first_result] <= rr <= row_of["total_processed"]
        if r.group is not None:
            if r.group.zh not in groups_done:
                groups_done.add(r.group.zh)
                span = [row_of[x.key] for x in S3_ROWS if x.group == r.group]
                label(span[0], COL_B, r.group.zh, r2=span[-1], kind="group")
            label(rr, COL_C, r.label.zh)
        elif under_results:
            label(rr, COL_B, r.label.zh, c2=COL_C)
        else:
            label(rr, COL_A, r.label.zh, c2=COL_C)
        for c, col in zip(S3_DATA_COLS, S3_COLS):
            cells[f"s3.{r.key}.{col.key}"] = (rr, c)
    row = row_of[S3_ROWS[-1].key] + 1

    # --- 四 ---
    row += 1
    label(row, COL_A, SECTION_HEADINGS[3].zh, c2=LAST_COL, kind="heading")
    row += 1
    head = row
    width = len(S4_RESULTS)
    review_cols = S4_DATA_COLS[:width]
    litigation_cols = S4_DATA_COLS[width:]
    label(head, review_cols[0], S4_REVIEW.zh, c2=review_cols[-1], kind="group")
    label(head, litigation_cols[0], S4_LITIGATION.zh, c2=litigation_cols[-1], kind="group")
    for g, group in enumerate(S4_GROUPS):
        cols = S4_DATA_COLS[g * width : (g + 1) * width]
        if group.key == "review":  # under 行政复议 the results span two header rows
            for c, (_, result_label) in zip(cols, S4_RESULTS):
                label(head + 1, c, result_label.zh, r2=head + 2)
        else:
            label(head + 1, cols[0], group.label.zh, c2=cols[-1], kind="group")
            for c, (_, result_label) in zip(cols, S4_RESULTS):
                label(head + 2, c, result_label.zh)
        for c, (result, _) in zip(cols, S4_RESULTS):
            cells[f"s4.{group.key}.{result}"] = (head + 3, c)
    return FormLayout(tuple(labels), cells, merged_data, head + 3)


LAYOUT = _build()
CELL_POS: dict[str, Pos] = LAYOUT.cells


def col_letter(col: int) -> str:
    """0-based column index -> spreadsheet letters (0 -> A)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(pos: Pos) -> str:
    """0-based (row, col) -> 'D12', for messages a person can find in the spreadsheet."""
    return f"{col_letter(pos[1])}{pos[0] + 1}"
