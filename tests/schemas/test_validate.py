"""validate_returns: one pandera pass over many returns, every failure with its rule, cell, expected and actual."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sampledata.lianyun import lianyun_cells, lianyun_return
from schemas.cells import CELL_BY_KEY, FEE_KEY
from schemas.failures import Failure
from schemas.frame import stack, stack_with_notes
from schemas.returns import CanonicalReturn, from_raw_cells
from schemas.rules import Severity
from schemas.validate import validate_frame, validate_returns


def facts(failures: list[Failure]) -> list[tuple[str, str, str, str]]:
    return [(f.rule, f.cell, f.expected, f.actual) for f in failures]


def check(ret: CanonicalReturn, **kw) -> list[tuple[str, str, str, str]]:
    return facts(validate_returns([ret], year=kw.pop("year", 2022), **kw))


def test_lianyun_validates_clean():
    assert validate_returns([lianyun_return()], files=["lianyun.txt"], year=2022) == []
    assert validate_returns([lianyun_return()]) == []
    assert validate_returns([]) == []


# --- S: shape -----------------------------------------------------------------------------------------------------


def test_s2_missing_cell_and_no_spurious_identity_failures(lianyun):
    lianyun.cells["s3.granted.legal_other"] = None  # blank is not zero: no A1/A2 on a sum that cannot be made
    del lianyun.cells["s4.review.total"]
    failures = validate_returns([lianyun], files=["x.xlsx"], year=2022)
    assert facts(failures) == [
        ("S2", "s3.granted.legal_other", "", ""),
        ("S2", "s4.review.total", "", ""),
    ]
    assert failures[0].severity is Severity.HARD and failures[0].file == "x.xlsx" and failures[0].unit_id == "320703"
    assert "空白不等于0" in failures[0].message_zh


@pytest.mark.parametrize(
    ("raw", "actual", "detail"),
    [
        ("abc", "abc", "not a number"),
        (-1, "-1", "negative"),
        (1.5, "1.5", "not a whole number"),
        ("2.5", "2.5", "not a whole number"),
    ],
)
def test_s3_count_must_be_a_non_negative_integer(lianyun, raw, actual, detail):
    lianyun.cells["s3.granted.natural_person"] = raw
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [("S3", "s3.granted.natural_person", "", actual)]
    assert failures[0].detail == detail
    assert failures[0].message_en == f"Cell s3.granted.natural_person must be a non-negative integer, found {actual}"


def test_s3_through_a_reader_normalisation():
    raw = dict(lianyun_cells())
    raw["s2.admin_penalty.decisions"] = "-1"
    raw["s2.admin_license.decisions"] = "1,007"  # separators are fine
    assert check(from_raw_cells("A", "a", 2022, raw)) == [("S3", "s2.admin_penalty.decisions", "", "-1")]


@pytest.mark.parametrize(("raw", "actual"), [("abc", "abc"), (Decimal("-1.5"), "-1.5"), ("-3", "-3")])
def test_s4_fee_must_be_a_non_negative_amount(lianyun, raw, actual):
    lianyun.cells[FEE_KEY] = raw
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [("S4", FEE_KEY, "", actual)]
    assert failures[0].severity is Severity.HARD


def test_s4w_fee_unit_converted_from_yuan_is_a_soft_warning():
    raw = dict(lianyun_cells())
    raw[FEE_KEY] = "7468440元"
    failures = validate_returns([from_raw_cells("320703", "连云区", 2022, raw)], year=2022)
    assert facts(failures) == [("S4W", FEE_KEY, "", "746.844")]
    assert failures[0].severity is Severity.SOFT and not failures[0].blocking
    assert "元" in failures[0].detail


def test_s4w_fee_with_more_than_four_decimals(lianyun):
    lianyun.cells[FEE_KEY] = Decimal("746.84412")
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [("S4W", FEE_KEY, "", "746.84412")]
    assert failures[0].detail == "5 decimals, more than 4"
    lianyun.cells[FEE_KEY] = Decimal("746.8441")
    assert check(lianyun) == []


def test_s5_wrong_year(lianyun):
    lianyun.year = 2021
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [("S5", "year", "2022", "2021")]
    assert failures[0].message_en == "The return is for 2021, this consolidation is for 2022"
    assert check(lianyun, year=None) == []  # no consolidation year given: nothing to compare with


@pytest.mark.parametrize(
    ("year", "actual", "detail"), [("二〇二二", "二〇二二", "not a whole number"), (None, "", "missing")]
)
def test_s5_year_that_is_not_a_whole_number(lianyun, year, actual, detail):
    lianyun.year = year
    for consolidation_year, expected in ((2022, "2022"), (None, "")):
        failures = validate_returns([lianyun], year=consolidation_year)
        assert facts(failures) == [("S5", "year", expected, actual)]
        assert failures[0].detail == detail


# --- A: section 三 identities ----------------------------------------------------------------------------------


def test_a1_row_total(lianyun):
    lianyun.cells["s3.granted.total"] = 9  # the six applicant columns add up to 8
    failures = validate_returns([lianyun], year=2022)
    a1 = [f for f in failures if f.rule == "A1"]
    assert facts(a1) == [("A1", "s3.granted.total", "8", "9")]
    assert a1[0].cells[-1] == "s3.granted.total" and len(a1[0].cells) == 7
    assert "总计应为各类申请人之和 8，实际为 9" in a1[0].message_zh
    # (七) total no longer matches the outcome rows in the total column either
    assert facts(f for f in failures if f.rule != "A1") == [("A2", "s3.total_processed.total", "16", "15")]


def test_a2_outcome_total(lianyun):
    lianyun.cells["s3.granted.legal_research"] = 1  # one more outcome, row total kept right
    lianyun.cells["s3.granted.total"] = 9
    assert check(lianyun) == [
        ("A2", "s3.total_processed.legal_research", "1", "0"),
        ("A2", "s3.total_processed.total", "16", "15"),
    ]


def test_a3_column_balance_broken_in_one_applicant_column(lianyun):
    lianyun.cells["s3.carried_out.legal_commercial"] = 1  # 1 + 0 - 1 = 0 expected
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [
        ("A3", "s3.carried_out.legal_commercial", "0", "1"),
        ("A1", "s3.carried_out.total", "2", "1"),
    ]
    assert failures[0].cells == (
        "s3.new_received.legal_commercial",
        "s3.carried_in.legal_commercial",
        "s3.total_processed.legal_commercial",
        "s3.carried_out.legal_commercial",
    )


def test_a4_carry_out_above_new_requests_is_soft(lianyun):
    for col, carried_in, carried_out in (("natural_person", 20, 21), ("total", 20, 21)):
        lianyun.cells[f"s3.carried_in.{col}"] = carried_in
        lianyun.cells[f"s3.carried_out.{col}"] = carried_out  # balanced: 15 + 20 = 14 + 21
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [
        ("A4", "s3.carried_out.natural_person", "15", "21"),
        ("A4", "s3.carried_out.total", "16", "21"),
    ]
    assert all(f.severity is Severity.SOFT for f in failures)
    assert failures[0].message_en == "s3.carried_out.natural_person: carried out 21 exceeds new requests 15"


# --- L and P ------------------------------------------------------------------------------------------------------


def test_l1_review_total(lianyun):
    lianyun.cells["s4.review.upheld"] = 1
    assert check(lianyun) == [("L1", "s4.review.total", "1", "0")]


def test_p1_regulations_at_county_level(lianyun):
    lianyun.cells["s2.regulations.repealed"] = 1
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [("P1", "s2.regulations.repealed", "0", "1")]
    assert failures[0].severity is Severity.HARD
    assert validate_returns([lianyun], year=2022, county_level=False) == []


def test_p4_in_force_below_issued_is_soft(lianyun):
    lianyun.cells["s2.normative_docs.in_force"] = 3  # 4 issued this year
    failures = validate_returns([lianyun], year=2022)
    assert facts(failures) == [("P4", "s2.normative_docs.in_force", "4", "3")]
    assert failures[0].severity is Severity.SOFT
    assert failures[0].cells == ("s2.normative_docs.in_force", "s2.normative_docs.issued")


# --- many returns in one frame --------------------------------------------------------------------------------


def _batch() -> tuple[list[CanonicalReturn], list[str]]:
    clean = lianyun_return(unit_id="U9")
    text = lianyun_return(unit_id="U1")
    text.cells["s3.granted.natural_person"] = "abc"
    text.cells["s3.granted.total"] = 99  # would be A1, but the row is not typed: S3 first
    l1 = lianyun_return(unit_id="U5", year=2021)
    l1.cells["s4.litigation_direct.pending"] = 2
    return [text, clean, l1], ["u1.xlsx", "u9.xlsx", "u5.xlsx"]


def test_each_failure_keeps_its_own_unit_and_file_in_return_order():
    returns, files = _batch()
    failures = validate_returns(returns, files=files, year=2022)
    assert [(f.unit_id, f.file, f.rule, f.cell) for f in failures] == [
        ("U1", "u1.xlsx", "S3", "s3.granted.natural_person"),
        ("U5", "u5.xlsx", "S5", "year"),
        ("U5", "u5.xlsx", "L1", "s4.litigation_direct.total"),
    ]
    # the same failures as validating each return alone
    alone = [f for ret, name in zip(returns, files) for f in validate_returns([ret], files=[name], year=2022)]
    assert failures == alone


def test_failures_are_ordered_by_the_cells_official_order(lianyun):
    lianyun.cells["s4.review.upheld"] = 1  # cell 186+
    lianyun.cells["s2.regulations.issued"] = 1  # cell 1
    lianyun.cells["s3.carried_out.total"] = 2  # cell 175
    lianyun.cells[FEE_KEY] = "?"  # cell 10
    lianyun.year = 2020
    failures = validate_returns([lianyun], year=2022)
    cells = [f.cell for f in failures]
    assert cells[0] == "year"
    orders = [CELL_BY_KEY[c].order for c in cells[1:]]
    assert orders == sorted(orders)
    assert [f.rule for f in failures] == ["S5", "P1", "P4", "S4", "A1", "A3", "L1"]  # one cell: catalogue order


def test_validate_frame_matches_validate_returns_whatever_the_index():
    returns, files = _batch()
    raw = dict(lianyun_cells())
    raw[FEE_KEY] = "7468440元"
    returns.append(from_raw_cells("U0", "u0", 2022, raw))
    files.append("u0.xlsx")
    frame, notes = stack_with_notes(returns, files)
    frame["fee_note"] = notes
    frame.index = [40, 30, 20, 10]
    assert validate_frame(frame, year=2022) == validate_returns(returns, files=files, year=2022)
    assert validate_frame(frame, year=2022)[-1].rule == "S4W"


def test_validate_frame_counts_an_absent_column_as_missing_everywhere():
    frame = stack([lianyun_return(unit_id="A"), lianyun_return(unit_id="B")]).drop(columns=["s4.review.other"])
    assert [(f.unit_id, f.rule, f.cell) for f in validate_frame(frame)] == [
        ("A", "S2", "s4.review.other"),
        ("B", "S2", "s4.review.other"),
    ]


def test_records_serialise_for_the_command_line(lianyun):
    lianyun.cells["s3.new_received.total"] = 17
    (failure,) = [f for f in validate_returns([lianyun], files=["f.xlsx"], year=2022) if f.rule == "A1"]
    d = failure.to_dict()
    assert {k: d[k] for k in ("file", "unit_id", "rule", "severity", "cell", "expected", "actual")} == {
        "file": "f.xlsx",
        "unit_id": "320703",
        "rule": "A1",
        "severity": "HARD",
        "cell": "s3.new_received.total",
        "expected": "16",
        "actual": "17",
    }
    assert " / " in d["message"]


def test_a_large_batch_is_one_pass_and_keeps_rows_apart():
    returns = [lianyun_return(unit_id=f"U{i:04d}") for i in range(300)]
    for i in range(0, 300, 7):
        returns[i].cells["s3.granted.total"] = 9
    failures = validate_returns(returns, files=[f"f{i}" for i in range(300)], year=2022)
    a1 = [f for f in failures if f.rule == "A1"]
    assert [f.unit_id for f in a1] == [f"U{i:04d}" for i in range(0, 300, 7)]
    assert all(f.file == f"f{int(f.unit_id[1:])}" for f in failures)
    assert {f.rule for f in failures} == {"A1", "A2"}


def test_a_typed_frame_validates_too():
    from schemas.frame import typed

    frame = typed(stack([lianyun_return()]))
    assert validate_frame(frame, year=2022) == []
    frame.loc[0, "s3.granted.total"] = 9
    assert facts(f for f in validate_frame(frame, year=2022) if f.rule == "A1") == [
        ("A1", "s3.granted.total", "8", "9")
    ]
