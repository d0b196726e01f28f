"""Cross-year rules Y1, P2, P3, P5, P6 and the N1 note, on frames built from the 连云区 figures."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from sampledata.lianyun import lianyun_return
from schemas.cells import FEE_KEY, S3_COL_KEYS, s3
from schemas.crossyear import check_cross_year, is_info, wide_from_long
from schemas.frame import stack
from schemas.rules import Severity, rule

YEAR = 2023


def consistent_pair():
    """Last year's return and a this-year return that rolls forward exactly from it."""
    last = lianyun_return("U1", "单位一", YEAR - 1)
    now = lianyun_return("U1", "单位一", YEAR)
    c = dict(now.cells)
    for col in S3_COL_KEYS:  # what was pending at the end of last year is carried in
        c[s3("carried_in", col)] = last.cells[s3("carried_out", col)]
    c["s2.normative_docs.in_force"] = (
        last.cells["s2.normative_docs.in_force"] + c["s2.normative_docs.issued"] - c["s2.normative_docs.repealed"]
    )
    now.cells = c
    return last, now


def run(now_returns, last_returns, **kw):
    return check_cross_year(stack(now_returns), stack(last_returns), YEAR, **kw)


def test_a_return_that_rolls_forward_exactly_has_no_findings() -> None:
    last, now = consistent_pair()
    assert run([now], [last]) == []


def test_y1_names_each_column_whose_carry_in_differs_from_last_years_carry_out() -> None:
    last, now = consistent_pair()
    now.cells[s3("carried_in", "natural_person")] += 2
    now.cells[s3("carried_in", "total")] += 2
    found = run([now], [last])
    assert [(f.rule, f.cell) for f in found] == [
        ("Y1", "s3.carried_in.natural_person"),
        ("Y1", "s3.carried_in.total"),
    ]
    f = found[0]
    assert f.severity is Severity.HARD_W and f.blocking
    assert int(f.actual) - int(f.expected) == 2
    assert f.expected == str(last.cells[s3("carried_out", "natural_person")])


def test_p2_and_p3_on_the_document_stock() -> None:
    last, now = consistent_pair()
    stock = last.cells["s2.normative_docs.in_force"]
    now.cells["s2.normative_docs.repealed"] = stock + now.cells["s2.normative_docs.issued"] + 1
    found = {(f.rule, f.cell): f for f in run([now], [last])}
    assert set(found) == {("P2", "s2.normative_docs.in_force"), ("P3", "s2.normative_docs.repealed")}
    assert all(f.severity is Severity.SOFT for f in found.values())
    p3 = found[("P3", "s2.normative_docs.repealed")]
    assert int(p3.expected) == stock + now.cells["s2.normative_docs.issued"]


@pytest.mark.parametrize(
    "before, after, fails",
    [("746.844", "7468440", True), ("746.844", "7.46", True), ("746.844", "800", False), ("0", "5", False)],
)
def test_p5_fee_ratio(before: str, after: str, fails: bool) -> None:
    last, now = consistent_pair()
    last.cells[FEE_KEY], now.cells[FEE_KEY] = Decimal(before), Decimal(after)
    found = [f for f in run([now], [last]) if f.rule == "P5"]
    assert bool(found) is fails
    if fails:
        assert found[0].cell == FEE_KEY and found[0].actual == after


def test_p5_a_departments_whole_fee_of_100000_wan_or_more_is_flagged_even_without_a_prior_return() -> None:
    _, now = consistent_pair()
    now.cells[FEE_KEY] = Decimal(250000)
    found = check_cross_year(stack([now]), stack([]), YEAR, kinds={"U1": "department"})
    assert [f.rule for f in found] == ["N1", "P5"]  # the note comes first for its unit
    district = check_cross_year(stack([now]), stack([]), YEAR, kinds={"U1": "district"})
    assert [f.rule for f in district] == ["N1"]


@pytest.mark.parametrize(
    "before, after, fails", [(5, 60, True), (60, 5, True), (0, 9, False), (0, 10, True), (40, 300, False)]
)
def test_p6_decisions_swing(before: int, after: int, fails: bool) -> None:
    last, now = consistent_pair()
    last.cells["s2.admin_penalty.decisions"], now.cells["s2.admin_penalty.decisions"] = before, after
    found = [f for f in run([now], [last]) if f.rule == "P6"]
    assert [(f.cell, f.expected, f.actual) for f in found] == (
        [("s2.admin_penalty.decisions", str(before), str(after))] if fails else []
    )


def test_a_unit_new_this_year_is_noted_not_failed() -> None:
    last, now = consistent_pair()
    newcomer = lianyun_return("U2", "新单位", YEAR)
    newcomer.cells[s3("carried_in", "total")] = 99  # would break Y1 if anything were compared
    found = run([now, newcomer], [last])
    assert [(f.rule, f.unit_id, f.expected) for f in found] == [("N1", "U2", str(YEAR - 1))]
    assert is_info(found[0]) and not found[0].blocking
    assert rule("N1").severity is Severity.SOFT


def test_missing_or_textual_cells_are_skipped_not_compared() -> None:
    last, now = consistent_pair()
    now.cells[s3("carried_in", "natural_person")] = None
    last.cells[s3("carried_out", "total")] = "abc"
    assert [f for f in run([now], [last]) if f.rule == "Y1"] == []


def test_wide_from_long_round_trips_warehouse_cells() -> None:
    last, _ = consistent_pair()
    long = pd.DataFrame(
        [
            {
                "unit_id": "U1",
                "cell_key": k,
                "value_int": None if k == FEE_KEY else v,
                "value_dec": v if k == FEE_KEY else None,
            }
            for k, v in last.cells.items()
        ]
    )
    wide = wide_from_long(long)
    assert len(wide) == 1 and wide.loc[0, FEE_KEY] == last.cells[FEE_KEY]
    assert wide.loc[0, "s3.carried_out.total"] == last.cells["s3.carried_out.total"]


def test_last_year_with_two_rows_for_one_unit_is_refused() -> None:
    last, now = consistent_pair()
    with pytest.raises(ValueError, match="two rows for unit 'U1'"):
        run([now], [last, last])
