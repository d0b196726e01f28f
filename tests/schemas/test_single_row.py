"""(六)其他处理 printed as one row (schemas.single_row, rule S6): the canonical JSON, ``nianbao validate`` and the
flow's judge step report S6 instead of 21 S2 failures, and run A1/A2/A3 with the single row in place of the
three sub-rows."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from intake.jsonfile import read_json
from intake.read import read_submissions
from intake.roster import read_roster
from pipeline.collect import collect
from pipeline.judge import judge
from pipeline.read import read_checked
from sampledata.single_row import collapse_other
from sampledata.synthetic import build_district, write_roster_csv
from schemas.cells import S3_COL_KEYS, s3
from schemas.single_row import SINGLE_KEYS, SUB_KEYS
from schemas.validate import validate_returns

DISTRICT, YEAR = "320799", 2024
UNIT = "320799107"  # 示范区住房和城乡建设局: its (六) rows add up to (4, 0, 0, 0, 0, 1, 5) with seed 3


@pytest.fixture(scope="module")
def district():
    return build_district(DISTRICT, "示范区", YEAR, seed=3)


@pytest.fixture
def single(district):
    _, returns = district
    return collapse_other(next(r for r in returns if r.unit_id == UNIT))


def facts(failures):
    return [(f.rule, f.cell, f.expected, f.actual) for f in failures]


def write(ret, path: Path) -> Path:
    path.write_text(json.dumps(ret.to_json(), ensure_ascii=False), encoding="utf-8")
    return path


def validate_cli(path: Path) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(app, ["validate", str(path), "--json", "--year", str(YEAR)])
    return result.exit_code, json.loads(result.stdout)


def test_the_canonical_json_carries_the_single_row_and_reads_back(single, tmp_path: Path) -> None:
    assert single.other_single_row == (4, 0, 0, 0, 0, 1, 5)
    doc = single.to_json()
    assert doc["other_single_row"] == {
        "natural_person": 4,
        "legal_commercial": 0,
        "legal_research": 0,
        "legal_social_welfare": 0,
        "legal_legal_service": 0,
        "legal_other": 1,
        "total": 5,
    }
    assert all(doc["cells"][k] is None for k in SUB_KEYS)
    back = read_json(write(single, tmp_path / "u.json").read_bytes())
    assert back.other_single_row == (4, 0, 0, 0, 0, 1, 5)
    assert back.cells == single.cells
    assert "other_single_row" not in replace(single, other_single_row=None).to_json()


def test_validate_reports_s6_only_not_the_21_missing_sub_row_cells(single, tmp_path: Path) -> None:
    code, rows = validate_cli(write(single, tmp_path / "u.json"))
    assert code == 1  # S6 is HARD-W: it blocks until waived
    [row] = rows
    assert (row["rule"], row["severity"], row["cell"], row["actual"]) == ("S6", "HARD-W", "s3.other_single.total", "5")
    assert row["location"] == "三 · （六）其他处理（按一行填报） · 总计"
    assert "自然人 4、商业企业 0、科研机构 0、社会公益组织 0、法律服务机构 0、其他 1、总计 5" in row["message"]
    assert "按一行填报" in row["message"] and "三个明细行缺失" in row["message"]
    [failure] = validate_returns([single], year=YEAR)
    assert failure.cells == SINGLE_KEYS  # the failure names the single row's cells


def test_a_broken_single_row_fails_a1_and_a2_naming_the_row(single) -> None:
    broken = replace(single, other_single_row=(4, 0, 0, 0, 0, 1, 6))  # total one more than its columns
    failures = validate_returns([broken], year=YEAR)
    assert facts(failures) == [
        ("S6", "s3.other_single.total", "", "6"),
        ("A1", "s3.other_single.total", "5", "6"),
        (
            "A2",
            "s3.total_processed.total",
            str(single.cells["s3.total_processed.total"] + 1),
            str(single.cells["s3.total_processed.total"]),
        ),
    ]
    a1, a2 = failures[1], failures[2]
    assert a1.cells == SINGLE_KEYS
    assert "s3.other_single.total" in a2.cells and not set(SUB_KEYS) & set(a2.cells)
    assert len(a2.cells) == 20  # the 18 other outcome rows + the single row + (七)总计


def test_a_real_a2_failure_is_not_hidden_by_the_single_row(single) -> None:
    wrong = replace(single, cells=dict(single.cells))
    for col in ("natural_person", "total"):  # (七)总计 one more than Σ 18 rows + the single row; A1 still holds
        wrong.cells[s3("total_processed", col)] += 1
        wrong.cells[s3("new_received", col)] += 1  # keep A3 (new + carried in = processed + carried out) intact
    processed = {c: single.cells[s3("total_processed", c)] for c in ("natural_person", "total")}
    assert facts(validate_returns([wrong], year=YEAR)) == [
        ("S6", "s3.other_single.total", "", "5"),
        (
            "A2",
            "s3.total_processed.natural_person",
            str(processed["natural_person"]),
            str(processed["natural_person"] + 1),
        ),
        ("A2", "s3.total_processed.total", str(processed["total"]), str(processed["total"] + 1)),
    ]
    # and the consistent return reports no A2 at all (no bogus failure from the missing sub-rows)
    assert [f.rule for f in validate_returns([single], year=YEAR)] == ["S6"]


def test_a_blank_or_garbled_single_row_cell_is_s2_or_s3_and_stops_the_identities(single) -> None:
    blank = replace(single, other_single_row=(4, None, 0, 0, 0, 1, 999))
    assert facts(validate_returns([blank], year=YEAR)) == [  # in column order; no A1 on the blank row
        ("S2", "s3.other_single.legal_commercial", "", ""),
        ("S6", "s3.other_single.total", "", "999"),
    ]
    garbled = replace(single, other_single_row=(4, 0, 0, 0, 0, 1, "五"))
    assert [(f.rule, f.cell) for f in validate_returns([garbled], year=YEAR)] == [
        ("S3", "s3.other_single.total"),
        ("S6", "s3.other_single.total"),
    ]


def test_sub_rows_given_as_well_are_refused(single, tmp_path: Path) -> None:
    both = replace(single, cells=dict(single.cells))
    both.cells["s3.other_other.total"] = 5
    assert [f.rule for f in validate_returns([both], year=YEAR)] == ["S1", "S6"]  # S1 is HARD: never waived
    doc = both.to_json()
    (tmp_path / "both.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    [outcome] = read_submissions([tmp_path / "both.json"])
    [failure] = outcome.failures
    assert failure.rule == "S1" and "s3.other_other.total" in failure.detail


def test_other_cells_still_fail_s2_beside_s6(single) -> None:
    gap = replace(single, cells=dict(single.cells))
    gap.cells["s3.granted.natural_person"] = None
    assert facts(validate_returns([gap], year=YEAR)) == [
        ("S2", "s3.granted.natural_person", "", ""),
        ("S6", "s3.other_single.total", "", "5"),
    ]


def test_validate_reports_exactly_what_the_flow_judges(district, single, tmp_path: Path) -> None:
    roster_units, returns = district
    broken = replace(single, other_single_row=(4, 0, 0, 0, 0, 1, 6))
    subs = tmp_path / "subs"
    subs.mkdir()
    for ret in [r for r in returns if r.unit_id != UNIT][:3] + [broken]:
        write(ret, subs / f"{ret.unit_id}.json")
    roster = read_roster(write_roster_csv(roster_units, tmp_path / "roster.csv"), DISTRICT)
    judged = judge(read_checked(collect(subs)), roster, DISTRICT, YEAR, subs)
    flow = sorted((f.rule, f.cell, f.expected, f.actual) for _, f in judged.failures if f.unit_id == UNIT)
    _, rows = validate_cli(subs / f"{UNIT}.json")
    assert sorted((r["rule"], r["cell"], r["expected"], r["actual"]) for r in rows) == flow
    assert [r[0] for r in flow] == ["A1", "A2", "S6"]
    assert {s.unit_id: s.status for s in judged.submissions}[UNIT] == "rejected"
    assert all(s.status == "accepted" for s in judged.submissions if s.unit_id != UNIT)


def test_a_return_without_a_single_row_adds_no_column_to_the_frame(district) -> None:
    _, returns = district
    from schemas.single_row import singles_of

    assert singles_of(returns) is None
    column = singles_of([returns[0], collapse_other(returns[7])])
    assert column.tolist() == [None, (4, 0, 0, 0, 0, 1, 5)]
    assert S3_COL_KEYS[-1] == "total"
