"""The report as an XLSX workbook (XlsxWriter): sheet 报告 (sections 一 to 六, tables with merged cells) and sheet
附表 (every roster unit).

XlsxWriter, not openpyxl: a run publishes one workbook per node (thousands for a country) and XlsxWriter writes
the same cells several times faster (openpyxl stays where a workbook is read back, and for the department form's
sheet protection: intake/template.py). Three details matter for publication:

* **Text is never a formula.** Every label, unit name and narrative cell is written with ``write_string`` (and the
  workbook is opened with ``strings_to_formulas`` off), even when it starts with ``=``, ``+``, ``-`` or ``@``: a
  unit name like ``=HYPERLINK(…)`` must not become a live formula.
* **The fee is exact.** A number cell holds the fee's exact decimal text (``746.844``), never a float's rendering.
* **Same report, same bytes.** The workbook's created/modified time is a fixed instant derived from the report year
  (schemas.instants, as for the department form), and the zip entries carry that instant too
  (:func:`intake.xlsx_save.redate_zip`), so publishing twice gives byte-identical files.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from intake.xlsx_save import redate_zip
from publish.layout import S4_WIDTH, Grid, annex_grid, place, s2_grid, s3_grid, s4_grid, waivers_grid
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

BORDER_COLOR = "#333333"
HEADER_FILL = "#F0F0F0"
# alignment name -> XlsxWriter properties (wrapped text throughout)
ALIGN: dict[str, dict[str, Any]] = {
    "center": {"align": "center", "valign": "vcenter", "text_wrap": True},
    "left": {"align": "left", "valign": "vcenter", "text_wrap": True},
    "paragraph": {"align": "left", "valign": "top", "text_wrap": True},
}
REPORT_COLUMN_WIDTHS = [16, 14, 36] + [11] * (S4_WIDTH - 3)
ANNEX_COLUMN_WIDTHS = [12, 30, 12, 12, 6]
CHARS_PER_LINE = 90  # CJK characters that fit on one line across the report sheet's columns
EXACT_DIGITS = 15  # an int of up to 15 digits is written exactly through XlsxWriter's float formatting


def publication_instant(year: int) -> datetime:
    """The fixed created/modified time of the workbook: 1 January after the reported year, 00:00 (UTC)."""
    return year_instant(year)


class ExactNumber(Decimal):
    """A number cell's value written as its exact decimal text. XlsxWriter prints a number cell's value with
    ``format(value, ".16G")``, which for a float is the float's rounding (and for a Decimal of more than 16 digits,
    rounded too); this keeps the text the warehouse holds (``746.844``, a fee of DECIMAL(18,6))."""

    def __format__(self, spec: str, context: Any = None, /) -> str:
        return fee_text(Decimal(self))


class Styles:
    """The workbook's cell formats, one per combination used (XlsxWriter wants each format made once)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self._made: dict[tuple[Any, ...], Format] = {}

    def get(
        self,
        align: str | None = None,
        *,
        border: bool = False,
        fill: bool = False,
        bold: bool = False,
        size: int | None = None,
        num_format: str | None = None,
    ) -> Format:
        key = (align, border, fill, bold, size, num_format)
        made = self._made.get(key)
        if made is None:
            props: dict[str, Any] = dict(ALIGN[align]) if align else {}
            if border:
                props.update(border=1, border_color=BORDER_COLOR)
            if fill:
                props.update(pattern=1, bg_color=HEADER_FILL)
            if bold:
                props["bold"] = True
            if size:
                props["font_size"] = size
            if num_format:
                props["num_format"] = num_format
            made = self._made[key] = self.book.add_format(props)
        return made


def _number(value: int | Decimal) -> tuple[int | ExactNumber, str | None]:
    """What a figure cell holds and its number format: ints as they are (exact up to 15 digits, longer ones
    through ExactNumber); the fee as its exact text with as many decimals shown as it has."""
    if isinstance(value, Decimal):
        text = fee_text(value)
        decimals = len(text.partition(".")[2])
        return ExactNumber(text), ("0." + "0" * decimals if decimals else "0")
    return (value if abs(value) < 10**EXACT_DIGITS else ExactNumber(value)), None


def _is_figure(value: object) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def write_grid(ws: Worksheet, styles: Styles, grid: Grid, top: int, left: int = 0) -> int:
    """Write ``grid`` with its top-left corner at (top, left), 0-based; merge spans, border every covered cell;
    return the next free row."""
    for r, c, gc in place(grid):
        row, col = top + r, left + c
        figure = gc.value if not (gc.key is None and gc.value is None) and _is_figure(gc.value) else None
        value, num_format = _number(figure) if figure is not None else (None, None)
        if gc.header:
            style = styles.get("left" if gc.css == "label" else "center", border=True, fill=gc.css != "label")
        else:
            align = "center" if gc.key or gc.css == "num" else "left"
            style = styles.get(align, border=True, num_format=num_format)
        if gc.rowspan > 1 or gc.colspan > 1:
            ws.merge_range(row, col, row + gc.rowspan - 1, col + gc.colspan - 1, "", style)
        if value is not None:
            ws.write_number(row, col, value, style)  # type: ignore[arg-type]  # ExactNumber is a Decimal
        else:
            ws.write_string(row, col, visible_text(gc.text), style)
    return top + len(grid.rows)


def write_paragraph(ws: Worksheet, styles: Styles, row: int, text: str, width: int, bold: bool = False) -> int:
    """One merged, wrapped row across ``width`` columns (0-based ``row``); returns the next row."""
    style = styles.get("paragraph", bold=bold)
    ws.merge_range(row, 0, row, width - 1, "", style)
    ws.write_string(row, 0, visible_text(text), style)
    ws.set_row(row, 16 * max(1, math.ceil(len(text) / CHARS_PER_LINE)))
    return row + 1


def _report_sheet(ws: Worksheet, styles: Styles, report: DistrictReport) -> None:
    width = S4_WIDTH  # the widest table (四) sets the page width
    for i, w in enumerate(REPORT_COLUMN_WIDTHS):
        ws.set_column(i, i, w)
    title = styles.get("center", bold=True, size=14)
    ws.merge_range(0, 0, 0, width - 1, "", title)
    ws.write_string(0, 0, visible_text(report.title), title)
    ws.set_row(0, 28)
    included = len(report.included_units)
    row = write_paragraph(
        ws,
        styles,
        1,
        f"统计范围：{report.scope}（名册所列{len(report.units)}个报告单位，其中{included}个单位纳入汇总；各单位数据见“附表”）",
        width,
    )
    texts = narrative_texts(report)
    for index, heading in enumerate(SECTION_HEADINGS):
        row = write_paragraph(ws, styles, row + 1, heading.zh, width, bold=True)
        if index in NARRATIVE_SECTIONS:
            for para in paragraphs(texts[NARRATIVE_SECTIONS[index]]):
                row = write_paragraph(ws, styles, row, para, width)
        else:
            row = write_grid(ws, styles, TABLE_SECTIONS[index](report.cells), row)


def _annex_sheet(ws: Worksheet, styles: Styles, report: DistrictReport) -> None:
    grid = annex_grid(report)
    for i in range(grid.width):
        ws.set_column(i, i, ANNEX_COLUMN_WIDTHS[i] if i < len(ANNEX_COLUMN_WIDTHS) else 10)
    title = styles.get(bold=True, size=12)
    ws.merge_range(0, 0, 0, grid.width - 1, "", title)
    ws.write_string(0, 0, visible_text(f"附表：{report.title}各报告单位数据"), title)
    write_grid(ws, styles, grid, top=1)
    ws.freeze_panes(1 + grid.head_rows, 2)  # the headers and the unit's code and name stay in view
    if report.waivers or report.keeps:  # 附表二 below the annex: who waived or acknowledged what, when and why
        top = 1 + len(grid.rows) + 2
        ws.write_string(top, 0, "附表二：豁免与确认记录", title)
        write_grid(ws, styles, waivers_grid(report), top=top + 1)


def workbook_bytes(report: DistrictReport) -> bytes:
    """The workbook as XlsxWriter writes it (zip entries dated 1980-01-01; :func:`render_xlsx` re-dates them)."""
    check_report(report)
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(buffer, options)
    styles = Styles(book)
    _report_sheet(book.add_worksheet(REPORT_SHEET), styles, report)
    _annex_sheet(book.add_worksheet(ANNEX_SHEET), styles, report)
    book.set_properties({"title": report.title, "author": "nianbao", "created": publication_instant(report.year)})
    book.close()
    return buffer.getvalue()


def render_xlsx(report: DistrictReport, path: Path) -> None:
    """Write the workbook to ``path`` (deterministic bytes; see the module docstring)."""
    data = workbook_bytes(report)
    Path(path).write_bytes(redate_zip(data, publication_instant(report.year)))
