"""A rejected latest version blocks (rule G5), through the real CLI and flow (Prefect test harness, a real DuckDB
file, real GX): a unit's v2 contradicts its own tables in the text (X1, X2, X3) after v1 was accepted and
published, so the district is blocked naming the unit and its rules, and the CLI summary, the run's Prefect
artifact and audit.html print the same counts; ``nianbao keep`` v1 publishes with v1, the annex, manifest and
audit saying so; a v3 that passes voids the keep and is counted."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from prefect.artifacts import Artifact
from typer.testing import CliRunner

from audit.report import node_page
from flows.cli import EXIT_BLOCKED, EXIT_OK, app
from intake.jsonfile import write_json_return
from sampledata.synthetic import build_district, write_roster_csv
from schemas.returns import CanonicalReturn

DISTRICT, YEAR = "320799", 2024
UNIT = "320799107"


@pytest.fixture(scope="module", autouse=True)
def harness(prefect_harness):
    yield  # the session's one Prefect test harness (tests/conftest.py)


def consolidate(tmp: Path) -> tuple[int, str]:
    out = CliRunner().invoke(
        app,
        [
            "consolidate",
            "--district",
            DISTRICT,
            "--year",
            str(YEAR),
            "--submissions",
            str(tmp / "subs"),
            "--roster",
            str(tmp / "roster.csv"),
            "--warehouse",
            str(tmp / "w.duckdb"),
            "--out",
            str(tmp / "out"),
            "--no-progress",
        ],
    )
    return out.exit_code, out.output


def keep(tmp: Path, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(
        app, ["keep", "--unit", UNIT, "--year", str(YEAR), "--warehouse", str(tmp / "w.duckdb"), *args]
    )
    return out.exit_code, out.output


def contradicting(ret: CanonicalReturn) -> CanonicalReturn:
    """The same tables, with a text quoting other figures: requests (X1), review cases (X2), documents (X3)."""
    text = ret.narrative["overview"]
    text = text.replace(
        f"本年新收政府信息公开申请{ret.cells['s3.new_received.total']}件",
        f"本年新收政府信息公开申请{ret.cells['s3.new_received.total'] + 7}件",
    )
    text = text.replace(
        f"全年制发行政规范性文件{ret.cells['s2.normative_docs.issued']}件",
        f"全年制发行政规范性文件{ret.cells['s2.normative_docs.issued'] + 3}件",
    )
    text = re.sub(
        r"全年未发生政府信息公开行政复议、行政诉讼案件。|全年发生政府信息公开行政复议案件\d+件",
        f"全年发生政府信息公开行政复议案件{ret.cells['s4.review.total'] + 2}件",
        text,
    )
    assert text != ret.narrative["overview"]
    return replace(ret, narrative={**ret.narrative, "overview": text})


def run_key_of(output: str) -> str:
    return re.search(r"run ([0-9a-f]{16}): ", output).group(1)


def count_line_of(output: str) -> str:
    return re.search(r"run [0-9a-f]{16}: (units: [^\n]+)", output).group(1)


def audit_counts(tmp: Path, key: str) -> str:
    page = (tmp / "out" / "runs" / key / "audit.html").read_text(encoding="utf-8")
    return re.search(r'<p class="meta" id="unit-counts">([^<]+)</p>', page).group(1)


def artifact_counts() -> str:
    summary = Artifact.get("consolidation-summary")
    return re.search(r"- (units: [^\n]+)", summary.data).group(1)


def manifest_unit(tmp: Path) -> dict:
    manifest = json.loads((tmp / "out" / DISTRICT / str(YEAR) / "manifest.json").read_text(encoding="utf-8"))
    return next(u for u in manifest["units"] if u["unit_id"] == UNIT), manifest


def test_a_rejected_latest_version_blocks_until_kept_and_a_passing_version_voids_the_keep(tmp_path: Path) -> None:
    roster_units, returns = build_district(DISTRICT, "示范区", YEAR, seed=3)
    write_roster_csv(roster_units, tmp_path / "roster.csv")
    subs = tmp_path / "subs"
    subs.mkdir()
    for ret in returns:
        write_json_return(ret, subs / f"{ret.unit_id}.json")
    n_units = len(returns)
    v1 = next(r for r in returns if r.unit_id == UNIT)

    code, text = consolidate(tmp_path)
    assert code == EXIT_OK, text
    (unit, _) = manifest_unit(tmp_path)
    assert unit["version"] == 1
    published_v1 = (tmp_path / "out" / DISTRICT / str(YEAR) / "report.json").read_bytes()

    # --- v2 contradicts its tables in the text: rejected, and the district is blocked (not published with v1)
    write_json_return(contradicting(v1), subs / f"{UNIT}.json")
    code, text = consolidate(tmp_path)
    assert code == EXIT_BLOCKED, text
    key = run_key_of(text)
    assert "BLOCKED" in text and "[G5]" in text
    g5 = next(line for line in text.splitlines() if "[G5]" in line)
    assert f"unit {UNIT}" in g5 and "v2 rejected (X1, X2, X3)" in g5 and f"{DISTRICT} " in g5, g5
    assert (tmp_path / "out" / DISTRICT / str(YEAR) / "report.json").read_bytes() == published_v1
    expected = (
        f"units: {n_units - 1} accepted, 0 accepted through a waiver, 0 older version kept, "
        "1 latest return rejected, 0 no return"
    )
    assert count_line_of(text) == expected
    assert audit_counts(tmp_path, key) == expected  # the same query, the same line
    assert artifact_counts() == expected
    page = node_page(tmp_path / "out" / "runs" / key, DISTRICT).read_text(encoding="utf-8")
    assert (
        f'data-unit="{UNIT}" data-status="rejected" open' in page and "Latest return v2 rejected (X1, X2, X3)" in page
    )
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        (ok,) = con.execute(
            "SELECT success FROM checkpoint_results WHERE run_key = ? AND rule = 'G5'", [key]
        ).fetchone()
    assert ok is False

    # --- refused: the rejected latest version itself, a version that does not exist, no reason
    assert keep(tmp_path, "--version", "2", "--reason", "x", "--by", "y")[0] == 1
    assert keep(tmp_path, "--version", "9", "--reason", "x", "--by", "y")[0] == 1
    assert keep(tmp_path, "--version", "1", "--by", "y")[0] == 1

    # --- the office keeps v1: the rerun publishes with v1, and the annex, manifest and audit say so
    code, said = keep(
        tmp_path, "--version", "1", "--reason", "第2版正文与表格不一致，沿用已核对的第1版", "--by", "办公室 王"
    )
    assert code == 0, said
    assert "Kept version 1" in said and "rejected version 2" in said
    code, text = consolidate(tmp_path)
    assert code == EXIT_OK, text
    key = run_key_of(text)
    expected = (
        f"units: {n_units - 1} accepted, 0 accepted through a waiver, 1 older version kept, "
        "0 latest return rejected, 0 no return"
    )
    assert count_line_of(text) == expected == audit_counts(tmp_path, key) == artifact_counts()
    unit, manifest = manifest_unit(tmp_path)
    assert unit["version"] == 1
    [kept] = manifest["keeps"]
    assert (kept["unit_id"], kept["version"], kept["instead_of_version"], kept["by"]) == (UNIT, 1, 2, "办公室 王")
    report = json.loads((tmp_path / "out" / DISTRICT / str(YEAR) / "report.json").read_text(encoding="utf-8"))
    assert report["cells"] == json.loads(published_v1)["cells"]  # the figures are v1's again
    [annex] = [u for u in report["units"] if u["unit_id"] == UNIT]
    assert annex["status"] == "kept" and annex["version"] == 1 and "保留第1版（第2版未通过校验）" in annex["note"]
    html = (tmp_path / "out" / DISTRICT / str(YEAR) / "report.html").read_text(encoding="utf-8")
    assert "保留旧版本采用" in html and "1（代替第2版）" in html and "沿用已核对的第1版" in html
    page = node_page(tmp_path / "out" / "runs" / key, DISTRICT).read_text(encoding="utf-8")
    assert f'data-unit="{UNIT}" data-status="kept"' in page and "沿用已核对的第1版" in page and "in force" in page

    # --- v3 passes: the keep is void and v3 is counted
    v3 = replace(v1, narrative={**v1.narrative, "problems": v1.narrative["problems"] + "（修订）"})
    write_json_return(v3, subs / f"{UNIT}.json")
    code, text = consolidate(tmp_path)
    assert code == EXIT_OK, text
    key = run_key_of(text)
    expected = f"units: {n_units} accepted, 0 accepted through a waiver, 0 older version kept, 0 latest return rejected, 0 no return"
    assert count_line_of(text) == expected == audit_counts(tmp_path, key) == artifact_counts()
    unit, manifest = manifest_unit(tmp_path)
    assert unit["version"] == 3 and manifest["keeps"] == []
    page = node_page(tmp_path / "out" / "runs" / key, DISTRICT).read_text(encoding="utf-8")
    assert f'data-unit="{UNIT}" data-status="accepted"' in page and "void: version 3 received" in page
    assert keep(tmp_path, "--version", "1", "--reason", "x", "--by", "y")[0] == 1  # v3 is accepted: nothing to keep

    code, text = CliRunner().invoke(app, ["audit", "--verify", "--warehouse", str(tmp_path / "w.duckdb")]).exit_code, ""
    assert code == 0
