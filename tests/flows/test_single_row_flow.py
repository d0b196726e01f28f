"""A unit whose (六)其他处理 is printed as one row (rule S6, HARD-W) through the real consolidation flow (Prefect
test harness, a real DuckDB file, real GX): blocked naming the unit, then published after ``nianbao waive`` with
the single row counted under (六)3.其他 and the annex/audit saying so; a newer version voids the waiver."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from audit.report import node_page
from flows.cli import app
from flows.consolidate import consolidate_district
from intake.jsonfile import write_json_return
from pipeline.result import PublicationBlocked
from sampledata.single_row import collapse_other
from sampledata.synthetic import build_district, write_roster_csv
from schemas.cells import S3_COL_KEYS, s3
from schemas.single_row import SUB_ROWS

DISTRICT, YEAR = "320799", 2024
UNIT = "320799107"  # 示范区住房和城乡建设局: (六) adds up to (4, 0, 0, 0, 0, 1, 5) with seed 3
NOTE = "（六）其他处理按一行填报，经豁免计入“3.其他”"


@pytest.fixture(scope="module", autouse=True)
def harness(prefect_harness):
    yield  # the session's one Prefect test harness (tests/conftest.py)


def run(tmp: Path, subs: Path, roster: Path):
    state = consolidate_district(
        district=DISTRICT,
        year=YEAR,
        submissions=str(subs),
        roster=str(roster),
        warehouse=str(tmp / "w.duckdb"),
        out=str(tmp / "out"),
        return_state=True,
    )
    result = state.result(raise_on_failure=False)
    return result.result if isinstance(result, PublicationBlocked) else result


def write_returns(returns, folder: Path) -> None:
    """Canonical JSON for every unit (the form a single (六) row travels in besides a published report)."""
    folder.mkdir(parents=True, exist_ok=True)
    for ret in returns:
        write_json_return(ret, folder / f"{ret.unit_id}.json")


def audit_page(tmp: Path, run_key: str) -> str:
    """The district's page of the run's audit report (audit.html links it): its units' tables and findings."""
    return node_page(tmp / "out" / "runs" / run_key, DISTRICT).read_text(encoding="utf-8")


def waive(tmp: Path, *extra: str):
    return CliRunner().invoke(
        app,
        [
            "waive",
            "--rule",
            "S6",
            "--unit",
            UNIT,
            "--year",
            str(YEAR),
            "--reason",
            "报表按旧样式将（六）合并填报，数字经核对无误",
            "--by",
            "审计员 李",
            "--warehouse",
            str(tmp / "w.duckdb"),
            *extra,
        ],
    )


def test_s6_blocks_then_a_waiver_counts_the_single_row_under_3_other(tmp_path: Path) -> None:
    roster_units, returns = build_district(DISTRICT, "示范区", YEAR, seed=3)
    roster = write_roster_csv(roster_units, tmp_path / "roster.csv")
    i = next(n for n, r in enumerate(returns) if r.unit_id == UNIT)
    regular = returns[i]
    returns[i] = collapse_other(regular)
    subs = tmp_path / "subs"
    write_returns(returns, subs)

    blocked = run(tmp_path, subs, roster)
    assert blocked.status == "blocked" and blocked.missing == [UNIT]
    assert not (tmp_path / "out" / DISTRICT / str(YEAR)).exists()
    mine = [f for f in blocked.failures if f.unit_id == UNIT and f.rule != "N1"]  # N1: no 2023 return (info)
    assert [(f.rule, f.cell, f.actual) for f in mine] == [("S6", "s3.other_single.total", "5")]  # no S2 at all
    assert not [f for f in blocked.failures if f.rule == "S2"]
    [why] = blocked.why_missing
    assert why["unit_id"] == UNIT and [f["rule"] for f in why["failures"]] == ["S6"]
    g1 = [o for o in blocked.checkpoint.outcomes if o.rule == "G1" and not o.success]
    assert g1 and UNIT in {row["unit_id"] for o in g1 for row in o.unexpected}
    page = audit_page(tmp_path, blocked.run_key)
    assert f'data-unit="{UNIT}" data-status="rejected"' in page
    assert 'data-rule="S6" data-cell="s3.other_single.total"' in page and "（六）其他处理（按一行填报） / 总计" in page
    assert 'data-rule="S2"' not in page
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:  # the warehouse keeps the single row
        sha = con.execute("SELECT sha256 FROM submissions WHERE unit_id = ?", [UNIT]).fetchone()[0]
        kept = con.execute(
            "SELECT col_key, value_int FROM cell_deviations WHERE sha256 = ? ORDER BY position", [sha]
        ).fetchall()
        blanks = con.execute(
            "SELECT count(*) FROM cells WHERE sha256 = ? AND cell_key LIKE 's3.other_%' AND value_int IS NULL", [sha]
        ).fetchone()[0]
    assert kept == list(zip(S3_COL_KEYS, (4, 0, 0, 0, 0, 1, 5)))
    assert blanks == 21  # the sub-rows stay missing: the warehouse holds what was read

    done = waive(tmp_path)
    assert done.exit_code == 0, done.output
    published = run(tmp_path, subs, roster)
    assert published.status == "published" and published.missing == []
    folder = tmp_path / "out" / DISTRICT / str(YEAR)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    others = [r for r in returns if r.unit_id != UNIT]
    single = dict(zip(S3_COL_KEYS, returns[i].other_single_row))
    for col in S3_COL_KEYS:
        # 3.其他 = the other units' 3.其他 + the whole single row; 1. and 2. only the other units'
        assert (
            report["cells"][s3("other_other", col)]
            == sum(r.cells[s3("other_other", col)] for r in others) + single[col]
        )
        for row in SUB_ROWS[:2]:
            assert report["cells"][s3(row, col)] == sum(r.cells[s3(row, col)] for r in others)
        # every total is what the three-row return would have given
        assert report["cells"][s3("total_processed", col)] == sum(
            r.cells[s3("total_processed", col)] for r in [*others, regular]
        )
    assert report["cells"]["s3.other_other.total"] == sum(r.cells["s3.other_other.total"] for r in others) + 5
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        waiver_id = con.execute("SELECT waiver_id FROM waivers WHERE rule = 'S6'").fetchone()[0]
    mark = f"{NOTE}（豁免编号 {waiver_id}）"
    [unit] = [u for u in report["units"] if u["unit_id"] == UNIT]
    assert (unit["status"], unit["note"]) == ("waived", mark)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert f"经豁免采用：{mark}" in html
    page = audit_page(tmp_path, published.run_key)
    assert f'data-unit="{UNIT}" data-status="waived"' in page and mark in page
    assert "natural_person 4" in page and "total 5" in page  # the single row itself, as read

    published_bytes = (folder / "report.json").read_bytes()
    newer = replace(returns[i], other_single_row=(4, 0, 0, 0, 0, 2, 6), cells=dict(returns[i].cells), narrative={})
    for col in ("legal_other", "total"):  # one more request handled 'other': new received, processed, (六)
        newer.cells[s3("new_received", col)] += 1
        newer.cells[s3("total_processed", col)] += 1
    write_returns([newer], subs)
    again = run(tmp_path, subs, roster)
    assert again.status == "blocked" and again.missing == [UNIT]  # the waiver covered version 1 only
    assert [(f.rule, f.actual) for f in again.failures if f.unit_id == UNIT and f.rule != "N1"] == [("S6", "6")]
    page = audit_page(tmp_path, again.run_key)
    assert f'data-unit="{UNIT}" data-status="rejected"' in page
    assert "void: version 2 received" in page and mark not in page
    assert (folder / "report.json").read_bytes() == published_bytes  # the blocked run changed no publication
