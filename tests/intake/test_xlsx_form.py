"""Reading the form back: exact round trip, blanks stay missing, typed text is normalised, odd layouts refused."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.layout import CELL_POS, MAIN_SHEET, META_SHEET, a1
from intake.read import read_submission, read_submissions
from intake.template import write_form
from sampledata.lianyun import lianyun_cells
from schemas.cells import CELL_KEYS, FEE_KEY

LICENSE = "s2.admin_license.decisions"
NEW_NATURAL = "s3.new_received.natural_person"


def test_lianyun_round_trip_is_exact(tmp_path: Path) -> None:
    cells = lianyun_cells()
    narrative = {"overview": "2022年，全区…新受理政府信息公开申请16件。", "problems": "人员流动较大。", "other": "无"}
    path = write_form(tmp_path / "320703.xlsx", "320703", "连云区人民政府", 2022, cells, narrative)

    outcome = read_submission(path)

    assert outcome.failures == []
    assert outcome.reader == "xlsx-form"
    ret = outcome.ret
    assert (ret.unit_id, ret.unit_name, ret.year) == ("320703", "连云区人民政府", 2022)
    assert ret.cells == cells
    assert ret.cells[FEE_KEY] == Decimal("746.844") and isinstance(ret.cells[FEE_KEY], Decimal)
    assert all(type(ret.cells[k]) is int for k in CELL_KEYS if k != FEE_KEY)
    assert ret.cells[LICENSE] == 1007
    assert ret.narrative == narrative
    assert ret.notes == {}
    data = path.read_bytes()
    assert (outcome.sha256, outcome.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert outcome.original_name == "320703.xlsx"


def test_blank_cells_read_back_as_missing_not_zero(tmp_path: Path) -> None:
    cells = dict(lianyun_cells())
    for key in (NEW_NATURAL, "s4.review.total", FEE_KEY):
        cells[key] = None
    del cells["s3.carried_out.total"]
    ret = read_submission(write_form(tmp_path / "blanks.xlsx", "1", "单位", 2023, cells)).ret
    for key in (NEW_NATURAL, "s4.review.total", FEE_KEY, "s3.carried_out.total"):
        assert ret.cells[key] is None, key
    assert ret.cells["s3.new_received.total"] == 16
    blank = read_submission(write_form(tmp_path / "blank.xlsx", "1", "单位", 2023)).ret
    assert set(blank.cells.values()) == {None}


def test_fee_floats_become_the_decimal_typed(tmp_path: Path) -> None:
    for typed in ("746.844", "0.1", "0.000001", "123.45", "100"):
        ret = read_submission(write_form(tmp_path / f"{typed}.xlsx", "1", "x", 2023, {FEE_KEY: Decimal(typed)})).ret
        assert ret.cells[FEE_KEY] == Decimal(typed), typed
        assert str(ret.cells[FEE_KEY]) in (typed, typed + ".0"), typed
    # more digits than a spreadsheet number holds: written as text, still read exactly
    big = Decimal("123456789012.123456")
    ret = read_submission(write_form(tmp_path / "big.xlsx", "1", "x", 2023, {FEE_KEY: big})).ret
    assert ret.cells[FEE_KEY] == big


def test_text_typed_by_a_person_is_normalised_not_guessed(tmp_path: Path) -> None:
    typed = {
        LICENSE: "1,007",
        NEW_NATURAL: "-",
        "s4.review.total": "五",
        "s3.granted.total": 3.5,
        "s3.carried_in.total": "０",
        FEE_KEY: "7468440元",
    }
    outcome = read_submission(write_form(tmp_path / "typed.xlsx", "1", "x", 2023, typed))
    ret = outcome.ret
    assert ret.cells[LICENSE] == 1007
    assert ret.cells[NEW_NATURAL] is None  # "-" is a blank, validation reports S2
    assert ret.cells["s4.review.total"] == "五"  # not a number: kept as text for S3
    assert ret.cells["s3.granted.total"] == "3.5"
    assert ret.cells["s3.carried_in.total"] == 0  # full-width zero
    assert ret.cells[FEE_KEY] == Decimal("746.844")
    assert "元" in ret.notes[FEE_KEY]  # a note for validation's S4W warning, not a reading failure
    assert outcome.failures == []


def test_unit_id_typed_as_a_number_reads_as_text(tmp_path: Path) -> None:
    path = write_form(tmp_path / "f.xlsx", "320703", "x", 2023)
    wb = openpyxl.load_workbook(path)
    wb[MAIN_SHEET]["D2"] = 320703
    wb[MAIN_SHEET]["D4"] = "2023"
    wb.save(path)
    ret = read_submission(path).ret
    assert (ret.unit_id, ret.year) == ("320703", 2023)


def test_names_with_spaces_chinese_and_dotdot_do_not_matter(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_form(tmp_path / "连云 区 (2022).xlsx", "320703", "连云区人民政府", 2022, lianyun_cells())
    path = tmp_path / "sub" / ".." / "连云 区 (2022).xlsx"
    outcome = read_submission(path)
    assert outcome.failures == [] and outcome.ret.cells == lianyun_cells()
    assert outcome.original_name == "连云 区 (2022).xlsx"
    assert outcome.path == path


def test_another_template_version_is_refused_with_s1(tmp_path: Path) -> None:
    path = write_form(tmp_path / "old.xlsx", "320703", "x", 2023, lianyun_cells())
    wb = openpyxl.load_workbook(path)
    wb[META_SHEET]["B1"] = "nianbao.form/2019"
    wb.save(path)
    outcome = read_submission(path)
    assert outcome.ret is None and outcome.reader == "unreadable"
    [failure] = outcome.failures
    assert (failure.rule, failure.file, failure.unit_id) == ("S1", "old.xlsx", "320703")
    assert "nianbao.form/2019" in failure.detail and "nianbao.form/2021" in failure.detail


def test_moved_rows_are_refused_with_s1_naming_the_cell(tmp_path: Path) -> None:
    path = write_form(tmp_path / "moved.xlsx", "1", "x", 2023, lianyun_cells())
    wb = openpyxl.load_workbook(path)
    wb[MAIN_SHEET].insert_rows(30)  # someone added a subtotal row inside 三
    wb.save(path)
    [failure] = read_submission(path).failures
    assert failure.rule == "S1"
    assert "A30" in failure.detail or "B30" in failure.detail


def test_a_workbook_that_is_not_our_form_is_refused_with_s1(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "自然人"
    wb.save(tmp_path / "other.xlsx")
    [failure] = read_submission(tmp_path / "other.xlsx").failures
    assert failure.rule == "S1" and "not a nianbao form" in failure.detail


def test_read_submissions_keeps_order(tmp_path: Path) -> None:
    a = write_form(tmp_path / "a.xlsx", "A", "a", 2023)
    b = write_form(tmp_path / "b.xlsx", "B", "b", 2023)
    assert [o.ret.unit_id for o in read_submissions([b, a])] == ["B", "A"]
    assert a1(CELL_POS[NEW_NATURAL]) == "D28"


counts = st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))
fees = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(counts, min_size=199, max_size=199), fee=fees)
def test_any_form_round_trips_exactly(tmp_path: Path, values: list, fee: Decimal | None) -> None:
    keys = [k for k in CELL_KEYS if k != FEE_KEY]
    cells: dict[str, object] = dict(zip(keys, values))
    cells[FEE_KEY] = fee
    ret = read_submission(write_form(tmp_path / "p.xlsx", "1", "x", 2023, cells)).ret
    assert ret.cells == cells
