"""The report as an XLSX workbook (openpyxl): sheet 报告 (sections 一 to 六, tables with merged cells) and sheet
附表 (every roster unit).

Two details matter for publication:

* **Text is never a formula.** Every label, unit name and narrative cell is stored as a string cell, even when it
  starts with ``=``, ``+``, ``-`` or ``@`` (a unit name like ``=HYPERLINK(…)`` must not become a live formula).
* **Same report, same bytes.** openpyxl stamps the save time into docProps/core.xml and every zip entry; the
  workbook is saved with :func:`intake.xlsx_save.save_workbook` at a fixed instant derived from the report year
  (as the department form is), so publishing twice gives byte-identical files.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from intake.xlsx_save import save_workbook
from publish.layout import S4_WIDTH, Grid, GridCell, annex_grid, place, s2_grid, s3_grid, s4_grid, waivers_grid
from publish.model import DistrictReport, check_report
from publish.narrative import narrative_texts, paragraphs
from schemas.cells import SECTION_HEADINGS
from schemas.instants import year_instant
from schemas.text import visible_text
from schemas.values import fee_text

REPORT_SHEET = "报告"
ANNEX_SHEET = "附表"
NARRATIVE_SECTIONS = {0: "overview", 4: "problems", 5: "other"}  # heading index → narrative key
TABLE_SECTIONS = {1: s2_grid, 2: s3_grid, 3: s4_grid}

_THIN = Side(style="thin", color="333333")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="F0F0F0")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
PARAGRAPH = Alignment(horizontal="left", vertical="top", wrap_text=True)
REPORT_COLUMN_WIDTHS = [16, 14, 36] + [11] * (S4_WIDTH - 3)
ANNEX_COLUMN_WIDTHS = [12, 30, 12, 12, 6]
CHARS_PER_LINE = 90  # CJK characters that fit on one line across the report sheet's columns


def publication_instant(year: int) -> datetime:
    """The fixed created/modified time of the workbook: 1 January after the reported year, 00:00 (UTC)."""
    return year_instant(year)


def set_text(ws: Worksheet, row: int, col: int, text: str):  # type: ignore[no-untyped-def]
    """Write ``text`` as a string cell, never a formula (openpyxl treats a leading '=' as a formula)."""
    cell = ws.cell(row=row, column=col)
    cell.value = visible_text(text)  # control and bidi characters shown as escapes (XLSX cannot store most of them)
    cell.data_type = "s"
    return cell


def set_figure(ws: Worksheet, row: int, col: int, grid_cell: GridCell):  # type: ignore[no-untyped-def]
    """A figure as a number cell; the fee keeps its exact decimal text in the file; a missing figure shows '—'."""
    value = grid_cell.value
    if value is None or isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return set_text(ws, row, col, grid_cell.text)
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        # openpyxl writes numbers with "%.16g" (746.844 -> 746.8440000000001); write the exact text instead.
        text = fee_text(value)
        cell.value = text
        cell.data_type = "n"
        decimals = len(text.partition(".")[2])
        cell.number_format = "0." + "0" * decimals if decimals else "0"
    else:
        cell.value = value
    return cell


def write_grid(ws: Worksheet, grid: Grid, top: int, left: int = 1) -> int:
    """Write ``grid`` with its top-left corner at (top, left); merge spans; return the next free row."""
    for r, c, gc in place(grid):
        row, col = top + r, left + c
        cell = set_text(ws, row, col, gc.text) if gc.key is None and gc.value is None else set_figure(ws, row, col, gc)
        if gc.header:
            cell.alignment = LEFT if gc.css == "label" else CENTER
            if gc.css != "label":
                cell.fill = HEADER_FILL
        else:
            cell.alignment = CENTER if gc.key or gc.css == "num" else LEFT
        if gc.rowspan > 1 or gc.colspan > 1:
            ws.merge_cells(
                start_row=row, start_column=col, end_row=row + gc.rowspan - 1, end_column=col + gc.colspan - 1
            )
        for rr in range(row, row + gc.rowspan):
            for cc in range(col, col + gc.colspan):
                ws.cell(row=rr, column=cc).border = BORDER
    return top + len(grid.rows)


def write_paragraph(ws: Worksheet, row: int, text: str, width: int, bold: bool = False) -> int:
    """One merged, wrapped row across ``width`` columns; returns the next row."""
    cell = set_text(ws, row, 1, text)
    cell.alignment = PARAGRAPH
    if bold:
        cell.font = Font(bold=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    lines = max(1, math.ceil(len(text) / CHARS_PER_LINE))
    ws.row_dimensions[row].height = 16 * lines
    return row + 1


def _report_sheet(ws: Worksheet, report: DistrictReport) -> None:
    width = S4_WIDTH  # the widest table (四) sets the page width
    for i, w in enumerate(REPORT_COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    title = set_text(ws, 1, 1, report.title)
    title.font = Font(bold=True, size=14)
    title.alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 28
    included = len(report.included_units)
    row = write_paragraph(
        ws,
        2,
        f"统计范围：{report.scope}（名册所列{len(report.units)}个报告单位，其中{included}个单位纳入汇总；各单位数据见“附表”）",
        width,
    )
    texts = narrative_texts(report)
    for index, heading in enumerate(SECTION_HEADINGS):
        row = write_paragraph(ws, row + 1, heading.zh, width, bold=True)
        if index in NARRATIVE_SECTIONS:
            for para in paragraphs(texts[NARRATIVE_SECTIONS[index]]):
                row = write_paragraph(ws, row, para, width)
        else:
            row = write_grid(ws, TABLE_SECTIONS[index](report.cells), row)


def _annex_sheet(ws: Worksheet, report: DistrictReport) -> None:
    grid = annex_grid(report)
    for i in range(1, grid.width + 1):
        w = ANNEX_COLUMN_WIDTHS[i - 1] if i <= len(ANNEX_COLUMN_WIDTHS) else 10
        ws.column_dimensions[get_column_letter(i)].width = w
    title = set_text(ws, 1, 1, f"附表：{report.title}各报告单位数据")
    title.font = Font(bold=True, size=12)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=grid.width)
    write_grid(ws, grid, top=2)
    ws.freeze_panes = ws.cell(row=2 + grid.head_rows, column=3)
    if report.waivers or report.keeps:  # 附表二 below the annex: who waived or acknowledged what, when and why
        waivers = waivers_grid(report)
        top = 2 + len(grid.rows) + 2
        heading = set_text(ws, top, 1, "附表二：豁免与确认记录")
        heading.font = Font(bold=True, size=12)
        write_grid(ws, waivers, top=top + 1)


def build_workbook(report: DistrictReport) -> Workbook:
    check_report(report)
    wb = Workbook()
    report_ws = wb.active
    report_ws.title = REPORT_SHEET
    _report_sheet(report_ws, report)
    _annex_sheet(wb.create_sheet(ANNEX_SHEET), report)
    wb.properties.creator = "nianbao"
    wb.properties.title = report.title
    return wb


def render_xlsx(report: DistrictReport, path: Path) -> None:
    """Write the workbook to ``path`` (deterministic bytes; see the module docstring)."""
    save_workbook(build_workbook(report), Path(path), publication_instant(report.year))
