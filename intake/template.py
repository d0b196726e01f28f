"""Writing the department's form (XLSX) in the official layout, with openpyxl.

The form a unit fills in and sends back: sections 二, 三 and 四 of the national table with their labels and merged
group headers, the unit id, unit name and year filled in, every label locked (sheet protection on) and only the
light-yellow data cells editable. The layout comes from :mod:`intake.layout`, which the reader uses too, so what is
written is exactly what is read. A hidden sheet carries the template version (``nianbao.form/2021``) that the
reader checks before anything else.

``cells`` (optional) fills data cells: ints and Decimals are written as numbers (a Decimal that a spreadsheet
number cannot hold exactly is written as text, so nothing is rounded), text as text (as a person might type
"1,007" or "-"), None as a blank.

The same arguments give byte-identical files (:mod:`intake.xlsx_save`: no clock in the workbook or the zip), so
an office that writes a unit's form again does not make it a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from intake.layout import (
    CELL_POS,
    COL_A,
    FILL_NOTE,
    FORM_VERSION,
    HEADER_VALUE_LAST_COL,
    LAST_COL,
    LAYOUT,
    MAIN_SHEET,
    META_SHEET,
    NARRATIVE_HEADINGS,
    NARRATIVE_POS,
    NARRATIVE_SHEET,
    NARRATIVE_TITLE,
    NOTE_POS,
    TITLE_POS,
    UNIT_ID_POS,
    UNIT_NAME_POS,
    VERSION_POS,
    YEAR_POS,
    Pos,
    col_letter,
    title_text,
)
from intake.xlsx_save import save_workbook
from schemas.cells import CELL_BY_KEY, NARRATIVE_KEYS
from schemas.instants import year_instant

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
_DATA_FILL = PatternFill("solid", fgColor="FFF7CC")  # light yellow: "type here"
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)

_COL_WIDTHS = {0: 8, 1: 14, 2: 46}  # A, B, C; data columns get _DATA_WIDTH
_DATA_WIDTH = 10


def write_form(
    path: Path,
    unit_id: str,
    unit_name: str,
    year: int,
    cells: Mapping[str, object] | None = None,
    narrative: Mapping[str, str] | None = None,
) -> Path:
    """Write the form for one unit and year to ``path`` (parent folders are created) and return the path.

    Raises ValueError for a cell key or narrative key that is not part of the 2021 format.
    """
    cells = dict(cells or {})
    narrative = dict(narrative or {})
    unknown = sorted(k for k in cells if k not in CELL_BY_KEY)
    if unknown:
        raise ValueError(f"write_form: unknown cell key(s) {unknown[:5]}; the keys are in schemas.cells.CELL_KEYS")
    unknown = sorted(k for k in narrative if k not in NARRATIVE_KEYS)
    if unknown:
        raise ValueError(f"write_form: unknown narrative key(s) {unknown}; use {list(NARRATIVE_KEYS)}")

    wb = Workbook()
    ws = wb.active
    ws.title = MAIN_SHEET
    _write_main(ws, unit_id, unit_name, year, cells)
    _write_narrative(wb.create_sheet(NARRATIVE_SHEET), narrative)
    meta = wb.create_sheet(META_SHEET)
    meta["A1"], meta["B1"] = "form_version", FORM_VERSION
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)  # sheets cannot be unhidden, renamed or deleted
    wb.properties.creator = "nianbao"
    wb.properties.title = f"{year} {unit_name} 政府信息公开工作年度报告"

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_workbook(wb, path, year_instant(year))  # the same form and figures: the same bytes


# --- the main sheet -------------------------------------------------------------------------------------------


def _at(ws: Worksheet, pos: Pos) -> Cell:
    return ws.cell(row=pos[0] + 1, column=pos[1] + 1)


def _merge(ws: Worksheet, first: Pos, last: Pos) -> None:
    if first != last:
        ws.merge_cells(start_row=first[0] + 1, start_column=first[1] + 1, end_row=last[0] + 1, end_column=last[1] + 1)


def _put_text(cell: Cell, value: object) -> None:
    """Text as text: never a formula (a value starting with '=' stays a string), no XML-illegal characters."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.data_type = "s"


def _box(ws: Worksheet, first: Pos, last: Pos, **style: object) -> None:
    """Style every cell of a (merged) range, so borders show on all of its sides."""
    for r in range(first[0], last[0] + 1):
        for c in range(first[1], last[1] + 1):
            cell = _at(ws, (r, c))
            for name, value in style.items():
                setattr(cell, name, value)


def _write_main(ws: Worksheet, unit_id: str, unit_name: str, year: int, cells: dict[str, object]) -> None:
    for col in range(LAST_COL + 1):
        ws.column_dimensions[col_letter(col)].width = _COL_WIDTHS.get(col, _DATA_WIDTH)

    _put_text(_at(ws, TITLE_POS), title_text(year))
    _at(ws, TITLE_POS).font = Font(bold=True, size=14)
    _at(ws, TITLE_POS).alignment = _CENTER
    _merge(ws, TITLE_POS, (TITLE_POS[0], LAST_COL))
    ws.row_dimensions[TITLE_POS[0] + 1].height = 28

    # header block: values are locked (the office issues one form per unit and year)
    for pos, value in ((UNIT_ID_POS, unit_id), (UNIT_NAME_POS, unit_name), (VERSION_POS, FORM_VERSION)):
        _put_text(_at(ws, pos), value)
        last = (pos[0], HEADER_VALUE_LAST_COL)
        _box(ws, pos, last, border=_BORDER, alignment=_LEFT, protection=_LOCKED)
        _merge(ws, pos, last)
    _at(ws, YEAR_POS).value = int(year)
    _box(ws, YEAR_POS, YEAR_POS, border=_BORDER, alignment=_LEFT, protection=_LOCKED)
    _at(ws, VERSION_POS).font = Font(color="808080")

    _put_text(_at(ws, NOTE_POS), FILL_NOTE)
    _at(ws, NOTE_POS).alignment = _LEFT
    _at(ws, NOTE_POS).font = Font(color="C00000")
    _merge(ws, NOTE_POS, (NOTE_POS[0], LAST_COL))
    ws.row_dimensions[NOTE_POS[0] + 1].height = 30

    for label in LAYOUT.labels:
        cell = _at(ws, label.pos)
        _put_text(cell, label.text)
        if label.kind == "heading":
            cell.font = Font(bold=True, size=12)
            cell.alignment = _LEFT
            cell.protection = _LOCKED
        else:
            _box(ws, label.pos, label.last, border=_BORDER, fill=_LABEL_FILL, protection=_LOCKED)
            cell.alignment = _CENTER if label.kind == "group" or label.pos[1] > 2 else _LEFT
            if label.kind == "group":
                cell.font = Font(bold=True)
        _merge(ws, label.pos, label.last)
        if label.pos[1] == 2 and len(label.text) > 20:  # long sub-row labels in column C wrap onto two lines
            ws.row_dimensions[label.pos[0] + 1].height = 30

    for key, pos in CELL_POS.items():
        last = LAYOUT.merged_data.get(key, pos)
        _box(ws, pos, last, border=_BORDER, fill=_DATA_FILL, protection=_UNLOCKED, alignment=_CENTER)
        _merge(ws, pos, last)
        _put_value(_at(ws, pos), cells.get(key))

    ws.protection.sheet = True  # label cells locked, data cells (unlocked above) editable
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _put_value(cell: Cell, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        _put_text(cell, value)
    elif isinstance(value, Decimal):
        as_float = float(value)
        if value.is_finite() and Decimal(repr(as_float)) == value:
            cell.value = as_float  # the number a person would have typed; read back exactly via repr
        else:
            _put_text(cell, format(value, "f"))  # more digits than a spreadsheet number holds: keep it exact
    else:
        cell.value = value


# --- the narrative sheet ----------------------------------------------------------------------------------------


def _write_narrative(ws: Worksheet, narrative: dict[str, str]) -> None:
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
    _put_text(ws.cell(row=1, column=1), NARRATIVE_TITLE)
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    for key, (r, c) in NARRATIVE_POS.items():
        heading = ws.cell(row=r + 1, column=COL_A + 1)
        _put_text(heading, NARRATIVE_HEADINGS[key])
        heading.border, heading.fill, heading.alignment = _BORDER, _LABEL_FILL, _CENTER
        heading.protection = _LOCKED
        text = ws.cell(row=r + 1, column=c + 1)
        text.border, text.fill, text.protection = _BORDER, _DATA_FILL, _UNLOCKED
        text.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        if narrative.get(key):
            _put_text(text, narrative[key])
        ws.row_dimensions[r + 1].height = 160
    ws.protection.sheet = True
