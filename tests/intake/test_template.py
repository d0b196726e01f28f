"""The blank form: official labels and merged headers, unit and year filled in, labels locked, data cells open."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from intake.layout import CELL_POS, FORM_VERSION, LAYOUT, MAIN_SHEET, META_SHEET, NARRATIVE_SHEET, a1
from intake.template import write_form


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_form(tmp_path_factory.mktemp("form") / "blank.xlsx", "320703", "连云区人民政府", 2022)


@pytest.fixture(scope="module")
def sheet(form: Path):
    return openpyxl.load_workbook(form)[MAIN_SHEET]


def merged_range_at(ws, text: str) -> str:
    """The merged range whose top-left cell reads ``text`` (the label must be found exactly once)."""
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert len(cells) == 1, (text, [c.coordinate for c in cells])
    for rng in ws.merged_cells.ranges:
        if rng.min_row == cells[0].row and rng.min_col == cells[0].column:
            return rng.coord
    return cells[0].coordinate  # not merged


def test_group_headers_are_merged_like_the_official_table(sheet) -> None:
    assert merged_range_at(sheet, "申请人情况") == "D25:J25"  # over all seven applicant columns
    assert merged_range_at(sheet, "法人或其他组织") == "E26:I26"  # over its five columns
    assert merged_range_at(sheet, "自然人") == "D26:D27"
    assert merged_range_at(sheet, "三、本年度办理结果") == "A30:A51"  # (一) … (七) 总计, vertically
    assert merged_range_at(sheet, "（三）不予公开") == "B32:B39"  # its 8 sub-rows
    assert merged_range_at(sheet, "（四）无法提供") == "B40:B42"
    assert merged_range_at(sheet, "（五）不予处理") == "B43:B47"
    assert merged_range_at(sheet, "（六）其他处理") == "B48:B50"
    assert merged_range_at(sheet, "行政复议") == "D55:H55"
    assert merged_range_at(sheet, "行政诉讼") == "I55:R55"
    assert merged_range_at(sheet, "未经复议直接起诉") == "I56:M56"
    assert merged_range_at(sheet, "复议后起诉") == "N56:R56"
    assert merged_range_at(sheet, "第二十条第（八）项") == "A20:F20"


def test_labels_are_the_official_simplified_ones(sheet) -> None:
    assert sheet["A28"].value == "一、本年新收政府信息公开申请数量"
    assert sheet["C32"].value == "1.属于国家秘密"
    assert sheet["B51"].value == "（七）总计"
    assert sheet["A52"].value == "四、结转下年度继续办理"
    assert sheet["D21"].value == "本年收费金额（单位：万元）"
    assert sheet["A8"].value == "二、主动公开政府信息情况"


def test_unit_year_and_version_are_filled_in(sheet, form: Path) -> None:
    assert sheet["D2"].value == "320703"
    assert sheet["D3"].value == "连云区人民政府"
    assert sheet["D4"].value == 2022
    assert "2022" in sheet["A1"].value
    wb = openpyxl.load_workbook(form)
    meta = wb[META_SHEET]
    assert meta.sheet_state == "hidden"
    assert meta["B1"].value == FORM_VERSION == sheet["D5"].value
    assert wb.sheetnames == [MAIN_SHEET, NARRATIVE_SHEET, META_SHEET]


def test_labels_locked_data_cells_unlocked(sheet, form: Path) -> None:
    assert sheet.protection.sheet is True
    assert openpyxl.load_workbook(form).security.lockStructure is True
    for label in LAYOUT.labels:
        assert sheet[a1(label.pos)].protection.locked is True, a1(label.pos)
    for key, pos in CELL_POS.items():
        assert sheet[a1(pos)].protection.locked is False, key
        assert sheet[a1(pos)].value is None, key  # blank form: nothing pre-filled, not even 0
    assert sheet["D2"].protection.locked is True  # the unit id is the office's, not the unit's, to change


def test_text_is_never_a_formula_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    path = write_form(tmp_path / "f.xlsx", "=1+1", "单位", 2023, {"s2.admin_license.decisions": "=SUM(A1:A9)"})
    ws = openpyxl.load_workbook(path)[MAIN_SHEET]
    assert ws["D2"].data_type == "s" and ws["D2"].value == "=1+1"
    assert ws[a1(CELL_POS["s2.admin_license.decisions"])].data_type == "s"
    with pytest.raises(ValueError, match="s9.nothing"):
        write_form(tmp_path / "g.xlsx", "1", "x", 2023, {"s9.nothing": 1})
    with pytest.raises(ValueError, match="summary"):
        write_form(tmp_path / "h.xlsx", "1", "x", 2023, narrative={"summary": "x"})


def test_narrative_sheet_holds_sections_one_five_six(tmp_path: Path) -> None:
    path = write_form(tmp_path / "n.xlsx", "1", "x", 2023, narrative={"overview": "总体", "other": "无"})
    ws = openpyxl.load_workbook(path)[NARRATIVE_SHEET]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == [
        "一、总体情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert [ws[f"B{r}"].value for r in (2, 3, 4)] == ["总体", None, "无"]
    assert ws["B3"].protection.locked is False and ws["A3"].protection.locked is True
