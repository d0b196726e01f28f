"""schemas.judge.judge_batch, the one verdict, on returns in memory: which rules it runs with and without a roster
and last year's cells, and that it reports every failure at its return's position."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sampledata.synthetic import build_district
from schemas.failures import make
from schemas.frame import stack
from schemas.judge import judge_batch
from schemas.validate import validate_returns

DISTRICT, YEAR = "320799", 2025


@pytest.fixture(scope="module")
def district():
    roster, returns = build_district(DISTRICT, "示范区", YEAR, seed=7, lianyun_year=YEAR - 1)
    _, last = build_district(DISTRICT, "示范区", YEAR - 1, seed=7)
    return roster, returns, last


def copy(ret, **kw):
    return replace(ret, cells=dict(ret.cells), narrative=dict(ret.narrative), notes=dict(ret.notes), **kw)


def rules(verdict):
    return sorted((i, f.rule) for i, f in verdict.failures)


def test_the_issue_s_example_i4_and_x1_that_the_pandera_pass_alone_misses(district) -> None:
    _, returns, _ = district
    ret = copy(returns[3], extra_keys=("s3.new_recieved.total",))
    said = f"本年新收政府信息公开申请{ret.cells['s3.new_received.total']}件"
    ret.narrative["overview"] = ret.narrative["overview"].replace(said, "本年新收政府信息公开申请15件")
    assert validate_returns([ret], files=["r.json"], year=YEAR) == []
    verdict = judge_batch([ret], names=["r.json"], year=YEAR)
    assert [(f.rule, f.cell, f.actual, f.file) for _, f in verdict.failures] == [
        ("X1", "s3.new_received.total", "15", "r.json"),
        ("I4", "", "s3.new_recieved.total", "r.json"),
    ]
    assert verdict.blocked() == {0}


def test_roster_rules_only_with_a_roster_and_i3_by_content(district) -> None:
    roster, returns, _ = district
    stranger = copy(returns[4], unit_id="999")
    batch = [returns[1], stranger, returns[2], copy(returns[2])]
    names = ["a", "b", "c", "d"]
    assert rules(judge_batch(batch, names=names, year=YEAR)) == []
    verdict = judge_batch(
        batch, names=names, year=YEAR, roster=roster, district_id=DISTRICT, contents=["1", "2", "3", "4"]
    )
    assert rules(verdict) == [(1, "I2"), (2, "I3"), (3, "I3")]
    assert [f.detail for i, f in verdict.failures if f.rule == "I3"] == ["c, d", "d, c"]
    same_file_twice = judge_batch(
        batch, names=names, year=YEAR, roster=roster, district_id=DISTRICT, contents=["1", "2", "3", "3"]
    )
    assert rules(same_file_twice) == [(1, "I2")]
    with pytest.raises(ValueError, match="district_id"):
        judge_batch(batch, names=names, year=YEAR, roster=roster)


def test_a_report_naming_no_id_is_found_on_the_roster_before_i2(district) -> None:
    roster, returns, _ = district
    report = copy(returns[5], unit_id="")
    verdict = judge_batch([report], names=["report.txt"], year=YEAR, roster=roster, district_id=DISTRICT)
    assert report.unit_id == returns[5].unit_id and rules(verdict) == []
    assert verdict.frame["unit_id"].tolist() == [returns[5].unit_id]


def test_cross_year_rules_only_with_last_year_and_only_for_returns_of_the_year(district) -> None:
    _, returns, last = district
    carried = copy(returns[6])
    carried.cells["s3.carried_in.natural_person"] += 1
    carried.cells["s3.carried_in.total"] += 1
    other_year = copy(returns[7], year=YEAR - 1)
    batch, names = [returns[6], carried, other_year, returns[8]], ["a", "b", "c", "d"]
    prior = stack([r for r in last if r.unit_id != returns[8].unit_id])
    without = judge_batch(batch, names=names, year=YEAR)
    assert not {f.rule for _, f in without.failures} & {"Y1", "N1"}
    verdict = judge_batch(batch, names=names, year=YEAR, prior=prior)
    added = [(i, f.rule, f.cell) for i, f in verdict.failures[len(without.failures) :]]
    assert (1, "Y1", "s3.carried_in.natural_person") in added and (3, "N1", "") in added
    assert not [x for x in added if x[0] == 2]  # a return for another year is S5's, not compared
    assert verdict.failures[: len(without.failures)] == without.failures  # the cross-year rules come last


def test_narrative_failures_found_where_the_batch_was_read_are_used_as_they_are(district) -> None:
    _, returns, _ = district
    found = [make("X0", returns[1].unit_id, "s3.total_processed.total", detail="already checked")]
    verdict = judge_batch(returns[1:3], names=["a", "b"], year=YEAR, narrative_failures=[found, None])
    assert [(i, f.rule, f.detail, f.file) for i, f in verdict.failures] == [(0, "X0", "already checked", "a")]
    with pytest.raises(ValueError, match="one name per return"):
        judge_batch(returns[1:3], names=["a"], year=YEAR)
