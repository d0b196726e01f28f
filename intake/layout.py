"""Where everything sits on the department's XLSX form: the one place the writer and the reader share.

The form (template version :data:`FORM_VERSION`) reproduces the national table of 国办公开办函〔2021〕30号 on one sheet
(:data:`MAIN_SHEET`): a header block (unit id, unit name, year, template version), then sections 二, 三 and 四 with
the official labels (simplified Chinese) and merged group headers. Sections 一, 五 and 六 (text) go on a second
sheet (:data:`NARRATIVE_SHEET`); a hidden third sheet (:data:`META_SHEET`) carries the version marker the reader
checks first (rule S1).

Positions are **0-based (row, col)**, the way python-calamine returns a sheet as a list of rows; the writer adds 1
for openpyxl. The tables themselves (which label spans which rows and columns, where each cell key sits) are
:mod:`schemas.grid`'s, the one description the published report and the test fixtures place too; this module only
puts them on the sheet. So a label fix in :mod:`schemas.cells` moves into the form and the reader's label check at
once.

Columns: A–C hold labels (A: 三、本年度办理结果, B: the (三)…(六) groups, C: sub-row labels); D–J are the seven
applicant columns of 三 and the three columns of 二; D–R are the fifteen columns of 四.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.cells import NARRATIVE_KEYS, SECTION_HEADINGS
from schemas.grid import S3_TABLE, S4_TABLE, TABLES, Table

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
LABEL_COLS = 3  # A..C: a table's row-label columns are stretched over these
FIRST_DATA_COL = 3  # D
S3_DATA_COLS = tuple(range(FIRST_DATA_COL, FIRST_DATA_COL + S3_TABLE.width - S3_TABLE.stub_cols))  # D..J
S4_DATA_COLS = tuple(range(FIRST_DATA_COL, FIRST_DATA_COL + S4_TABLE.width - S4_TABLE.stub_cols))  # D..R
LAST_COL = S4_DATA_COLS[-1]  # R

# --- header block ------------------------------------------------------------------------------------------------

TITLE_POS: Pos = (0, COL_A)
UNIT_ID_POS: Pos = (1, FIRST_DATA_COL)
UNIT_NAME_POS: Pos = (2, FIRST_DATA_COL)
YEAR_POS: Pos = (3, FIRST_DATA_COL)
VERSION_POS: Pos = (4, FIRST_DATA_COL)  # the visible copy of the marker
NOTE_POS: Pos = (5, COL_A)
HEADER_VALUE_LAST_COL = S3_DATA_COLS[-1]  # unit id / name / version values are merged D..J

HEADER_LABELS = ("单位代码", "单位名称", "报告年度", "表样版本")  # the title carries the year: written, not checked
FIRST_TABLE_ROW = 7  # section 二's heading; each table follows its heading, an empty row after it
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


def _sheet_cols(table: Table, first: int, last: int) -> tuple[int, int]:
    """The sheet columns of table columns ``first``..``last``: the row-label columns stretch over A–C (二's one
    label column spans all three), the figure columns start at D."""

    def start(c: int) -> int:
        return c * LABEL_COLS // table.stub_cols if c < table.stub_cols else FIRST_DATA_COL + c - table.stub_cols

    def end(c: int) -> int:
        return (c + 1) * LABEL_COLS // table.stub_cols - 1 if c < table.stub_cols else start(c)

    return start(first), end(last)


def _place(table: Table, top: int, labels: list[LabelCell], cells: dict[str, Pos], merged: dict[str, Pos]) -> None:
    """The table's labels and data cells on the sheet, its first row at ``top``."""
    for slot in table.slots():
        c, c2 = _sheet_cols(table, slot.col, slot.last_col)
        first, last = (top + slot.row, c), (top + slot.last_row, c2)
        if slot.key is not None:
            cells[slot.key] = first
            if last != first:  # one value spanning 二's three figure columns, as on the official table
                merged[slot.key] = last
        elif slot.label is not None:
            labels.append(LabelCell(first, slot.label.zh, last, "group" if slot.group else "label"))


def _build() -> FormLayout:
    """Header block labels, then for 二, 三 and 四: the section heading, the table, one empty row."""
    labels = [LabelCell((1 + i, COL_A), text, (1 + i, COL_C)) for i, text in enumerate(HEADER_LABELS)]
    cells: dict[str, Pos] = {}
    merged_data: dict[str, Pos] = {}
    row = FIRST_TABLE_ROW
    for table in TABLES:
        labels.append(LabelCell((row, COL_A), table.heading.zh, (row, LAST_COL), "heading"))
        _place(table, row + 1, labels, cells, merged_data)
        row += 1 + table.height + 1
    return FormLayout(tuple(labels), cells, merged_data, row - 2)


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
