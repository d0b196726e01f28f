"""The consolidation flow end to end on a real Prefect test harness, a real DuckDB file and real GX."""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from flows.consolidate import consolidate_district
from flows.demo import write_returns
from pipeline.result import PublicationBlocked
from sampledata.synthetic import break_a3, build_district, write_roster_csv
from schemas.cells import CELL_KEYS, FEE_KEY
from warehouse.store import Warehouse

DISTRICT = "320799"


@pytest.fixture(scope="module", autouse=True)
def harness(prefect_harness):
    yield  # the session's one Prefect test harness (tests/conftest.py)


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def district(tmp_path: Path):
    roster, returns = build_district(DISTRICT, "示范区", 2024, seed=3)
    roster_path = write_roster_csv(roster, tmp_path / "roster.csv")
    subs = tmp_path / "submissions"
    write_returns(returns, subs)
    return {"roster": roster_path, "returns": returns, "subs": subs, "tmp": tmp_path}


def run(district, subs: Path, year: int = 2024, **kw):
    return consolidate_district(
        district=DISTRICT,
        year=year,
        submissions=str(subs),
        roster=str(district["roster"]),
        warehouse=str(district["tmp"] / "w.duckdb"),
        out=str(district["tmp"] / "out"),
        **kw,
    )


def test_a_consistent_district_is_published_with_exact_sums(district) -> None:
    result = run(district, district["subs"])
    folder = district["tmp"] / "out" / DISTRICT / "2024"
    assert result.published and result.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "report.html", "report.json", "report.xlsx"]
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    for key in CELL_KEYS:
        values = [r.cells[key] for r in district["returns"]]
        if key == FEE_KEY:
            assert Decimal(report["cells"][key]) == sum(values, Decimal(0)), key
        else:
            assert report["cells"][key] == sum(values), key
    assert report["scope"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    shas = {u["unit_id"]: u["sha256"] for u in manifest["units"]}
    assert set(shas) == {r.unit_id for r in district["returns"]}
    assert all(len(s) == 64 for s in shas.values())
    assert manifest["checkpoint"]["success"] is True
    assert len(manifest["roster"]["sha256"]) == 64


def test_rerunning_the_same_inputs_adds_nothing_and_publishes_identical_bytes(district) -> None:
    run(district, district["subs"])
    folder = district["tmp"] / "out" / DISTRICT / "2024"
    before_files = folder_digest(folder)
    before_forms = folder_digest(district["subs"])
    with Warehouse(district["tmp"] / "w.duckdb") as wh:
        before_rows = wh.counts()
    time.sleep(2.1)  # zip entries and core.xml record the clock in 1-2 second steps
    write_returns(district["returns"], district["subs"])  # the forms written again, as `nianbao demo` does
    assert folder_digest(district["subs"]) == before_forms
    run(district, district["subs"])
    with Warehouse(district["tmp"] / "w.duckdb") as wh:
        assert wh.counts() == before_rows  # no new version, receipt or run
    assert folder_digest(folder) == before_files


def test_two_consolidations_of_the_same_inputs_publish_the_same_report_files(district) -> None:
    """Two warehouses, two publication roots, the same inputs: the same report bytes. The manifest differs only
    in its evidence chain, whose receipts and runs record when the files arrived (the warehouse's legitimate time)."""
    run(district, district["subs"])
    time.sleep(2.1)
    consolidate_district(
        district=DISTRICT,
        year=2024,
        submissions=str(district["subs"]),
        roster=str(district["roster"]),
        warehouse=str(district["tmp"] / "other.duckdb"),
        out=str(district["tmp"] / "other-out"),
    )
    first, second = (district["tmp"] / out / DISTRICT / "2024" for out in ("out", "other-out"))
    a, b = folder_digest(first), folder_digest(second)
    assert sorted(a) == ["manifest.json", "report.html", "report.json", "report.xlsx"]
    assert {k: v for k, v in a.items() if k != "manifest.json"} == {k: v for k, v in b.items() if k != "manifest.json"}
    manifests = [json.loads((f / "manifest.json").read_text(encoding="utf-8")) for f in (first, second)]
    for m in manifests:
        del m["evidence_chain"]
    assert manifests[0] == manifests[1]


def test_a_return_breaking_a3_blocks_publication_and_leaves_the_publish_folder_untouched(district) -> None:
    run(district, district["subs"])  # 2024 published
    out = district["tmp"] / "out"
    before = folder_digest(out / DISTRICT)  # the publish folders (run evidence lives apart, under out/runs/)
    _roster, returns = build_district(DISTRICT, "示范区", 2025, seed=3, lianyun_year=2024)
    broken_unit = returns[5].unit_id
    returns[5] = break_a3(returns[5])
    subs = district["tmp"] / "subs-2025"
    write_returns(returns, subs)
    state = run(district, subs, year=2025, return_state=True)
    assert state.is_failed()
    blocked = state.result(raise_on_failure=False)
    assert isinstance(blocked, PublicationBlocked)
    assert folder_digest(out / DISTRICT) == before  # nothing published, nothing changed
    assert not (out / DISTRICT / "2025").exists()
    result = blocked.result
    assert result.missing == [broken_unit]
    failed = {o.rule for o in result.checkpoint.outcomes if not o.success}
    assert "G1" in failed
    [why] = result.why_missing
    assert why["unit_id"] == broken_unit
    assert any(f["rule"] == "A3" and f["cell"].startswith("s3.carried_out.") for f in why["failures"])
    assert any("A3" in line for line in result.blocking_reasons())
