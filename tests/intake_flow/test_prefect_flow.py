"""The real sample published report through the Prefect consolidation flow (the session's Prefect test harness,
tests/conftest.py), then a resubmission through the same flow and ``nianbao diff`` on the result.

Roster: a district whose government office is named 连云区人民政府, the unit the sample report names, plus two
departments that send canonical JSON.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.consolidate import consolidate_district
from intake.roster import RosterError
from sampledata.lianyun import lianyun_cells, sample_report_text
from sampledata.roster import district_roster, write_roster_csv
from sampledata.synthetic import unit_return, write_returns_json
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.values import fee_text

DISTRICT, YEAR, SEED = "320799", 2022, 5
UNITS = [
    replace(u, unit_name="连云区人民政府") if u.kind == "office" else u
    for u in district_roster(DISTRICT, "示范区", n_departments=2, n_townships=0)
]
OFFICE, DEPT_A, DEPT_B = UNITS[1], UNITS[2], UNITS[3]


@pytest.fixture(scope="module", autouse=True)
def harness(prefect_harness):
    yield  # the session's one Prefect test harness (tests/conftest.py)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run 1: the sample report and two JSON returns. Run 2: department A sends a corrected fee."""
    tmp = tmp_path_factory.mktemp("flow")
    roster = write_roster_csv(UNITS, tmp / "roster.csv")
    returns = [unit_return(u, YEAR, SEED) for u in (DEPT_A, DEPT_B)]
    subs = tmp / "submissions"
    write_returns_json(returns, subs)
    (subs / "连云区人民政府 2022 年报.txt").write_text(sample_report_text(), encoding="utf-8")

    def run(folder: Path):
        return consolidate_district(
            district=DISTRICT,
            year=YEAR,
            submissions=str(folder),
            roster=str(roster),
            warehouse=str(tmp / "w.duckdb"),
            out=str(tmp / "out"),
        )

    first = run(subs)
    first_manifest = json.loads((first.folder / "manifest.json").read_text(encoding="utf-8"))
    corrected = replace(returns[0], cells={**returns[0].cells, FEE_KEY: Decimal("12.3456")})
    second_subs = tmp / "submissions-2"
    write_returns_json([corrected, returns[1]], second_subs)
    (second_subs / "连云区人民政府 2022 年报.txt").write_text(sample_report_text(), encoding="utf-8")
    second = run(second_subs)
    return {
        "tmp": tmp,
        "returns": returns,
        "corrected": corrected,
        "first": first,
        "second": second,
        "first_manifest": first_manifest,
    }


def test_the_sample_report_is_read_validated_and_consolidated_by_the_flow(runs) -> None:
    first = runs["first"]
    assert first.published and sorted(first.accepted) == sorted(u.unit_id for u in (OFFICE, DEPT_A, DEPT_B))
    assert first.rejected == [] and first.missing == []
    manifest = runs["first_manifest"]
    readers = {u["unit_id"]: (u["reader"], u["file"], u["version"]) for u in manifest["units"]}
    assert readers == {
        OFFICE.unit_id: ("published-text", "连云区人民政府 2022 年报.txt", 1),
        DEPT_A.unit_id: ("json", f"{DEPT_A.unit_id}.json", 1),
        DEPT_B.unit_id: ("json", f"{DEPT_B.unit_id}.json", 1),
    }


def test_the_district_figures_include_the_published_numbers_exactly(runs) -> None:
    report = json.loads((runs["second"].folder / "report.json").read_text(encoding="utf-8"))
    parts = [lianyun_cells(), runs["corrected"].cells, runs["returns"][1].cells]
    for key in CELL_KEYS:
        if key == FEE_KEY:
            assert Decimal(report["cells"][key]) == sum((Decimal(p[key]) for p in parts), Decimal(0))
        else:
            assert report["cells"][key] == sum(p[key] for p in parts), key
    assert report["cells"]["s3.new_received.total"] == 16 + sum(p["s3.new_received.total"] for p in parts[1:])


def test_a_resubmission_through_the_flow_is_version_2_and_diff_shows_it(runs) -> None:
    second = runs["second"]
    assert second.published and second.loaded == {"new": 1, "known": 2}
    manifest = json.loads((second.folder / "manifest.json").read_text(encoding="utf-8"))
    versions = {u["unit_id"]: u["version"] for u in manifest["units"]}
    assert versions == {OFFICE.unit_id: 1, DEPT_A.unit_id: 2, DEPT_B.unit_id: 1}
    result = CliRunner().invoke(
        app,
        ["diff", "--unit", DEPT_A.unit_id, "--year", str(YEAR), "--warehouse", str(runs["tmp"] / "w.duckdb"), "--json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(c["cell"], c["old"], c["new"]) for c in doc["changes"]] == [
        (FEE_KEY, fee_text(runs["returns"][0].cells[FEE_KEY]), "12.3456")
    ]
    assert (doc["from"]["status"], doc["to"]["status"]) == ("accepted", "accepted")


def test_a_unit_that_sends_its_first_version_again_is_consolidated_with_it(runs) -> None:
    """Issue 11: v1, v2, then v1's exact bytes again — the district is published with v1 (the latest received),
    not v2 (the highest version number); v1 keeps its version number."""
    tmp = runs["tmp"]
    third_subs = tmp / "submissions-3"
    write_returns_json(runs["returns"], third_subs)  # department A's first file again, byte for byte
    (third_subs / "连云区人民政府 2022 年报.txt").write_text(sample_report_text(), encoding="utf-8")
    first_a = (tmp / "submissions" / f"{DEPT_A.unit_id}.json").read_bytes()
    assert (third_subs / f"{DEPT_A.unit_id}.json").read_bytes() == first_a
    third = consolidate_district(
        district=DISTRICT,
        year=YEAR,
        submissions=str(third_subs),
        roster=str(tmp / "roster.csv"),
        warehouse=str(tmp / "w.duckdb"),
        out=str(tmp / "out"),
    )
    assert third.published and third.loaded == {"new": 0, "known": 3}
    manifest = json.loads((third.folder / "manifest.json").read_text(encoding="utf-8"))
    assert {u["unit_id"]: u["version"] for u in manifest["units"]}[DEPT_A.unit_id] == 1
    report = json.loads((third.folder / "report.json").read_text(encoding="utf-8"))
    parts = [lianyun_cells(), runs["returns"][0].cells, runs["returns"][1].cells]
    assert Decimal(report["cells"][FEE_KEY]) == sum((Decimal(p[FEE_KEY]) for p in parts), Decimal(0))


def test_a_roster_without_reporting_units_stops_the_flow_before_any_work(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(f"unit_id,unit_name,kind,parent_id\n{DISTRICT},示范区人民政府,district,\n", encoding="utf-8")
    (tmp_path / "submissions").mkdir()
    with pytest.raises(RosterError, match="no reporting unit"):
        consolidate_district(
            district=DISTRICT,
            year=YEAR,
            submissions=str(tmp_path / "submissions"),
            roster=str(roster),
            warehouse=str(tmp_path / "w.duckdb"),
            out=str(tmp_path / "out"),
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv", "submissions"]  # no warehouse, nothing out


def test_a_rerun_through_the_flow_refuses_to_publish_a_tampered_cell(runs) -> None:
    """A cell changed directly in the warehouse file: ``audit --verify`` exits 3 naming it, and rerunning the
    second run's inputs through the flow stops before publishing (the published files stay as they were).
    Runs last: it leaves this module's warehouse tampered."""
    import duckdb

    from warehouse.chain import ChainBroken

    tmp = runs["tmp"]
    folder = runs["second"].folder
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert CliRunner().invoke(app, ["audit", "--verify", "--warehouse", str(tmp / "w.duckdb")]).exit_code == 0
    con = duckdb.connect(str(tmp / "w.duckdb"))
    sha = con.execute("SELECT sha256 FROM submissions WHERE unit_id = ? AND version = 1", [DEPT_B.unit_id]).fetchone()[
        0
    ]
    con.execute("UPDATE cells SET value_dec = value_dec + 1000 WHERE sha256 = ? AND cell_key = ?", [sha, FEE_KEY])
    con.close()
    verify = CliRunner().invoke(app, ["audit", "--verify", "--warehouse", str(tmp / "w.duckdb")])
    assert verify.exit_code == 3 and f"cells row {sha}: changed since it was recorded" in verify.output, verify.output
    with pytest.raises(ChainBroken, match=f"table cells, row {sha}"):
        consolidate_district(
            district=DISTRICT,
            year=YEAR,
            submissions=str(tmp / "submissions-2"),
            roster=str(tmp / "roster.csv"),
            warehouse=str(tmp / "w.duckdb"),
            out=str(tmp / "out"),
        )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
