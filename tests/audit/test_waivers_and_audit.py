"""Waivers, acknowledgements, the audit report and lineage, through the real pipeline steps and the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from audit.waivers import WaiverRefused, revoke, waive
from flows.cli import app
from tests.audit.conftest import DISTRICT, returns_for, roll_forward, run_pipeline, write_returns
from warehouse.store import Warehouse

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


def test_y1_blocks_then_a_waiver_lets_the_return_in_on_the_next_run(two_years) -> None:
    tmp = two_years["tmp"]
    blocked = run_pipeline(tmp, 2024, two_years["subs"], two_years["roster"])
    assert not blocked.published
    assert not (tmp / "out" / DISTRICT / "2024").exists()  # the publish folder is untouched by a blocked run
    assert blocked.audit == tmp / "out" / "runs" / blocked.key / "audit.html"
    top = blocked.audit.read_text(encoding="utf-8")
    assert 'data-unit="U2" data-status="rejected"' in top  # listed on the top page, its tables on the district's
    page = blocked.district_page.read_text(encoding="utf-8")
    assert 'data-cell="s3.carried_in.natural_person" class="fail" data-rules="Y1"' in page
    assert 'data-unit="U2" data-status="rejected"' in page

    with Warehouse(tmp / "w.duckdb") as wh:
        w = waive(wh, "Y1", "U2", 2024, "2023 report corrected after publication", "审计员 王")
        assert (w.kind, w.severity, w.version) == ("waiver", "HARD-W", 1)

    passed = run_pipeline(tmp, 2024, two_years["subs"], two_years["roster"])
    assert passed.key != blocked.key  # the waiver is part of the run's inputs
    assert passed.published
    manifest = json.loads((passed.folder / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["waivers"]
    assert (entry["rule"], entry["unit_id"], entry["by"], entry["reason"]) == (
        "Y1",
        "U2",
        "审计员 王",
        "2023 report corrected after publication",
    )
    assert entry["at"] and entry["sha256"] == next(u["sha256"] for u in manifest["units"] if u["unit_id"] == "U2")
    report = (passed.folder / "report.html").read_text(encoding="utf-8")  # the annex lists it: who, when, why
    annex = report[report.index("附表二：豁免与确认记录") :]
    assert "Y1" in annex and "审计员 王" in annex and "2023 report corrected after publication" in annex
    assert entry["at"] in annex
    workbook = openpyxl.load_workbook(passed.folder / "report.xlsx")
    texts = [c.value for row in workbook["附表"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "附表二：豁免与确认记录" in texts and "审计员 王" in texts
    page = passed.district_page.read_text(encoding="utf-8")
    assert 'data-unit="U2" data-status="waived"' in page
    assert 'data-cell="s3.carried_in.natural_person" class="waived" data-rules="Y1"' in page


def test_a_new_version_of_the_return_is_not_covered_by_the_old_waiver(two_years) -> None:
    tmp = two_years["tmp"]
    run_pipeline(tmp, 2024, two_years["subs"], two_years["roster"])
    with Warehouse(tmp / "w.duckdb") as wh:
        waive(wh, "Y1", "U2", 2024, "restructuring", "auditor")
    u2 = two_years["returns"][1]
    u2.cells["s2.admin_license.decisions"] = u2.cells["s2.admin_license.decisions"] + 1  # new bytes, Y1 still fails
    write_returns(two_years["subs"], [u2])
    again = run_pipeline(tmp, 2024, two_years["subs"], two_years["roster"])
    assert not again.published
    assert 'data-unit="U2" data-status="rejected"' in again.district_page.read_text(encoding="utf-8")


def test_hard_rules_cannot_be_waived_and_the_cli_says_so(two_years) -> None:
    tmp = two_years["tmp"]
    run_pipeline(tmp, 2024, two_years["subs"], two_years["roster"])
    result = cli(
        "waive",
        "--rule",
        "A3",
        "--unit",
        "U2",
        "--year",
        "2024",
        "--reason",
        "x",
        "--by",
        "me",
        "--warehouse",
        str(tmp / "w.duckdb"),
    )
    assert result.exit_code == 1
    assert "HARD and cannot be waived" in result.output
    with Warehouse(tmp / "w.duckdb") as wh:
        with pytest.raises(WaiverRefused, match="did not fail"):
            waive(wh, "P2", "U1", 2024, "why", "me")  # nothing to acknowledge on U1
        with pytest.raises(WaiverRefused, match="no return"):
            waive(wh, "Y1", "U9", 2024, "why", "me")
        with pytest.raises(WaiverRefused, match="reason"):
            waive(wh, "Y1", "U2", 2024, "  ", "me")
        assert wh.scalar("SELECT count(*) FROM waivers") == 0


def test_soft_findings_are_acknowledged_and_revocation_is_a_new_record(two_years) -> None:
    tmp = two_years["tmp"]
    u3 = two_years["returns"][2]
    u3.cells["s2.normative_docs.in_force"] += 4  # P2 (SOFT): stock does not roll forward
    write_returns(two_years["subs"], [u3])
    run_pipeline(tmp, 2024, two_years["subs"], two_years["roster"])
    db = str(tmp / "w.duckdb")
    result = cli(
        "waive",
        "--rule",
        "P2",
        "--unit",
        "U3",
        "--year",
        "2024",
        "--reason",
        "清理后重新统计",
        "--by",
        "李",
        "--warehouse",
        db,
    )
    assert result.exit_code == 0, result.output
    assert "Acknowledged P2 (SOFT)" in result.output
    with Warehouse(tmp / "w.duckdb") as wh:
        before = wh.con.execute("SELECT * FROM waivers ORDER BY waiver_id").fetchall()
        (ack_id,) = [r[0] for r in before if r[1] == "acknowledgement"]
        rev = revoke(wh, ack_id, "wrong unit", "李")
        after = wh.con.execute("SELECT * FROM waivers ORDER BY waiver_id").fetchall()
        assert after[: len(before)] == before  # nothing changed in place
        assert (rev.kind, rev.refers_to) == ("revocation", ack_id)
        with pytest.raises(WaiverRefused, match="already been revoked"):
            revoke(wh, ack_id, "again", "李")
    audit = json.loads(
        cli(
            "audit", "--district", DISTRICT, "--year", "2024", "--unit", "U3", "--format", "json", "--warehouse", db
        ).output
    )
    (unit,) = audit["units"]
    (w,) = unit["waivers"]
    assert w["kind"] == "acknowledgement" and w["revoked"]["reason"] == "wrong unit"
    p2 = [f for f in unit["versions"][-1]["findings"] if f["rule"] == "P2"]
    assert p2 and p2[0]["covered_by"] is None  # revoked: no longer covers the finding


def test_audit_lists_lineage_and_detects_a_tampered_publication_file(two_years) -> None:
    tmp, first = two_years["tmp"], two_years["first"]
    db = str(tmp / "w.duckdb")
    ok = cli("audit", "--district", DISTRICT, "--year", "2023", "--format", "json", "--warehouse", db)
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    (pub,) = data["publications"]
    assert pub["run_key"] == first.key and pub["ok"] and pub["checkpoint"]["success"] is True
    assert {f["name"] for f in pub["files"]} == {"report.html", "report.xlsx", "report.json", "manifest.json"}
    assert all(f["recorded_sha256"] == f["actual_sha256"] for f in pub["files"])
    assert sorted(u["unit_id"] for u in pub["units"]) == ["U1", "U2", "U3"]
    assert len(pub["roster_sha256"]) == 64
    assert [u["status"] for u in data["units"]] == ["accepted"] * 3
    assert all(u["versions"][0]["findings"][0]["rule"] == "N1" for u in data["units"])  # first year: noted

    html = first.folder / "report.html"
    html.write_bytes(html.read_bytes().replace("示范区".encode(), "别的区".encode(), 1))
    bad = cli("audit", "--district", DISTRICT, "--year", "2023", "--warehouse", db)
    assert bad.exit_code == 3
    assert "hash mismatch" in bad.output and "report.html" in bad.output
    as_csv = cli("audit", "--district", DISTRICT, "--year", "2023", "--format", "csv", "--warehouse", db)
    assert as_csv.exit_code == 3
    assert re.search(r"^published_file,\w+,,,,\w+,report\.html,.*hash mismatch", as_csv.output, re.MULTILINE)


def test_a_unit_new_this_year_is_reported_as_such_not_as_a_failure(two_years) -> None:
    tmp = two_years["tmp"]
    from tests.audit.conftest import UNITS, write_roster

    units = UNITS + (("U4", "新设街道", "township"),)
    roster = write_roster(tmp / "roster-2024.csv", units)
    newcomer = returns_for(2024, units[3:])
    write_returns(two_years["subs"], newcomer)
    u2 = two_years["returns"][1]  # make U2 consistent, so only the newcomer is special
    roll_forward(returns_for(2023)[1], u2)  # takes the 3 extra carried-in requests back out
    write_returns(two_years["subs"], [u2])
    run = run_pipeline(tmp, 2024, two_years["subs"], roster)
    assert run.published
    page = run.district_page.read_text(encoding="utf-8")
    assert 'data-unit="U4" data-status="accepted"' in page
    assert "no prior return (info)" in page
    assert 'details class="unit" id="u-U4"' not in page  # a plainly accepted unit: one row, no tables
    assert "No rule failed." in run.audit.read_text(encoding="utf-8")  # the N1 note is not counted by rule


def test_the_tool_never_updates_or_deletes_evidence() -> None:
    """Append-only by construction: no UPDATE or DELETE statement anywhere in the code that writes evidence."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("warehouse", "audit", "pipeline", "flows", "checkpoint", "publish"):
        for path in (root / package).rglob("*"):
            if path.suffix in (".py", ".sql"):
                text = path.read_text(encoding="utf-8")
                for m in re.finditer(
                    r"\b(UPDATE\s+\w+\s+SET|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\b", text, re.IGNORECASE
                ):
                    offenders.append(f"{path.relative_to(root)}: {m.group(0)}")
    # the one exception: the district-era tables, dropped only after every row of theirs was copied into the node
    # tables, whose chain still vouches for them (warehouse/migrate.py, chain.RETIRED)
    retired = "warehouse/sql/retire_district_tables.sql: DROP TABLE"
    assert offenders == [retired, retired]
