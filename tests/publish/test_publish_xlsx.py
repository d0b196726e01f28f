"""report.xlsx: the same layout in openpyxl, merged cells, text never a formula, deterministic bytes."""

from __future__ import annotations

import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from publish_fixtures import DISTRICT_FEE, FORMULA_NAME, SCRIPT_NAME, make_report

from publish.errors import ReportDataError
from publish.render import render_xlsx
from schemas.cells import S3_COLS, S3_CORNER, S3_ROWS, SECTION_HEADINGS, s3


@pytest.fixture
def xlsx(report, tmp_path: Path) -> Path:
    path = tmp_path / "report.xlsx"
    render_xlsx(report, path)
    return path


def find(ws, text: str):  # type: ignore[no-untyped-def]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"{text!r} not found on sheet {ws.title}")


def merged_size(ws, cell) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(rows, columns) of the merged range starting at ``cell`` ((1, 1) when not merged)."""
    for rng in ws.merged_cells.ranges:
        if (rng.min_row, rng.min_col) == (cell.row, cell.column):
            return rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1
    return 1, 1


def test_the_workbook_reopens_with_the_report_and_annex_sheets(xlsx) -> None:
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["报告", "附表"]
    ws = wb["报告"]
    assert ws["A1"].value == "连云区人民政府2022年政府信息公开工作年度报告"
    rows = [find(ws, h.zh).row for h in SECTION_HEADINGS]
    assert rows == sorted(rows)  # 一 … 六 in order


def test_the_official_tables_keep_their_merged_headers(xlsx) -> None:
    ws = openpyxl.load_workbook(xlsx)["报告"]
    assert merged_size(ws, find(ws, S3_CORNER.zh)) == (3, 3)
    assert merged_size(ws, find(ws, "申请人情况")) == (1, 7)
    assert merged_size(ws, find(ws, "法人或其他组织")) == (1, 5)
    assert merged_size(ws, find(ws, "自然人")) == (2, 1)
    assert merged_size(ws, find(ws, "三、本年度办理结果")) == (22, 1)
    assert merged_size(ws, find(ws, "（三）不予公开")) == (8, 1)
    assert merged_size(ws, find(ws, "行政诉讼")) == (1, 10)
    assert merged_size(ws, find(ws, "复议后起诉")) == (1, 5)
    assert merged_size(ws, find(ws, "第二十条第（八）项")) == (1, 4)
    assert merged_size(ws, find(ws, "本年收费金额（单位：万元）")) == (1, 3)


def test_section_three_figures_sit_under_their_columns(xlsx, report) -> None:
    ws = openpyxl.load_workbook(xlsx)["报告"]
    for row in S3_ROWS:
        label = find(ws, row.label.zh)
        values = [ws.cell(row=label.row, column=4 + i).value for i in range(len(S3_COLS))]
        assert values == [report.cells[s3(row.key, c.key)] for c in S3_COLS], row.key


def test_the_fee_is_a_number_cell_holding_the_exact_decimal(xlsx) -> None:
    ws = openpyxl.load_workbook(xlsx)["报告"]
    label = find(ws, "行政事业性收费")
    fee = ws.cell(row=label.row, column=2)
    assert fee.data_type == "n"
    assert Decimal(repr(fee.value)) == Decimal(DISTRICT_FEE)
    assert fee.number_format == "0.000000"
    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert f"<v>{DISTRICT_FEE}</v>" in sheet  # not openpyxl's "%.16g" rendering of a float


def test_a_formula_looking_unit_name_is_stored_as_text(xlsx) -> None:
    ws = openpyxl.load_workbook(xlsx)["附表"]
    cell = find(ws, FORMULA_NAME)
    assert cell.data_type == "s"
    assert find(ws, SCRIPT_NAME).data_type == "s"
    with zipfile.ZipFile(xlsx) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode() and "<f " not in z.read(name).decode(), name


def test_text_starting_with_plus_minus_or_at_is_text_too(tmp_path: Path) -> None:
    report = make_report()
    for unit, name in zip(report.units, ["+1 局", "-SUM(A1)", "@cmd", "=1+1"]):
        unit.unit_name = name
    render_xlsx(report, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["附表"]
    for name in ["+1 局", "-SUM(A1)", "@cmd", "=1+1"]:
        assert find(ws, name).data_type == "s"


def test_the_annex_sheet_lists_every_unit(xlsx, report) -> None:
    ws = openpyxl.load_workbook(xlsx)["附表"]
    ids = [find(ws, u.unit_id).row for u in report.units]
    assert ids == sorted(ids)
    missing = find(ws, "320703102")
    assert ws.cell(row=missing.row, column=4).value == "未报送"
    assert ws.cell(row=missing.row, column=6).value == "—"  # blank is not zero
    office = find(ws, "320703001")
    assert ws.cell(row=office.row, column=5).value == 1  # version


def test_the_workbook_bytes_repeat_and_carry_a_fixed_time(report, tmp_path: Path) -> None:
    render_xlsx(report, tmp_path / "a.xlsx")
    render_xlsx(make_report(), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == props.modified == datetime(2023, 1, 1)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(2023, 1, 1, 0, 0, 0)}


def test_an_incomplete_report_raises_before_writing(tmp_path: Path) -> None:
    cells = make_report().cells
    del cells["s2.admin_fees.amount_wan"]
    with pytest.raises(ReportDataError, match="s2.admin_fees.amount_wan"):
        render_xlsx(make_report(cells=cells), tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


def test_a_fee_of_eighteen_digits_is_written_exactly(tmp_path: Path) -> None:
    """DECIMAL(18,6) holds more digits than a float: the cell keeps the warehouse's text, not a float's rounding."""
    cells = make_report().cells
    cells["s2.admin_fees.amount_wan"] = Decimal("123456789012.123457")
    render_xlsx(make_report(cells=cells), tmp_path / "r.xlsx")
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>123456789012.123457</v>" in sheet
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["报告"]
    assert ws.cell(row=find(ws, "行政事业性收费").row, column=2).number_format == "0.000000"
