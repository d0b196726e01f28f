"""`consolidate --district <city>` end to end on the Prefect test harness: the flow publishes the city and every
district below it, and nothing outside its subtree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from hierarchy_support import C1101, CITY_OFFICE, D1, D2, YEAR, expected_sums, leaves_below, tree_units

from flows.consolidate import consolidate_district
from sampledata.roster import write_roster_csv
from sampledata.synthetic import returns_for, write_returns_json
from schemas.cells import FEE_KEY


def test_the_flow_consolidates_and_publishes_a_city_and_its_districts(tmp_path: Path, prefect_harness) -> None:
    returns = returns_for(tree_units(), YEAR, seed=11)
    roster = write_roster_csv(tree_units(), tmp_path / "roster.csv")
    subs = tmp_path / "subs"
    write_returns_json([r for r in returns if r.unit_id in set(leaves_below(tree_units(), C1101))], subs)
    out = tmp_path / "out"
    run = consolidate_district(
        district=C1101,
        year=YEAR,
        submissions=str(subs),
        roster=str(roster),
        warehouse=str(tmp_path / "w.duckdb"),
        out=str(out),
    )
    assert run.published and run.folder == out / C1101 / str(YEAR)
    assert run.published_nodes == {n: out / n / str(YEAR) for n in (C1101, D1, D2)}
    # .published: the store every OUT/<node>/<year> is read through (publish/generations.py)
    assert sorted(p.name for p in out.iterdir()) == sorted([".published", C1101, D1, D2, "runs"])
    city = json.loads((run.folder / "report.json").read_text(encoding="utf-8"))
    want = expected_sums(returns, leaves_below(tree_units(), C1101))
    assert city["cells"]["s3.new_received.total"] == want["s3.new_received.total"]
    assert Decimal(city["cells"][FEE_KEY]) == want[FEE_KEY]  # exact, never a float
    assert [u["unit_id"] for u in city["units"]] == [CITY_OFFICE, D1, D2]


def test_the_flow_writes_the_same_stage_log(tmp_path: Path, prefect_harness, monkeypatch) -> None:
    """The flow's steps (Prefect tasks) go through pipeline.run, so NIANBAO_STAGE_LOG logs them too."""
    from test_stage_log import PUBLISHED_STEPS, check_lines, read_log

    from pipeline.stagelog import STAGE_LOG_ENV

    log = tmp_path / "stages.jsonl"
    monkeypatch.setenv(STAGE_LOG_ENV, str(log))
    roster = write_roster_csv(tree_units(), tmp_path / "roster.csv")
    write_returns_json(returns_for(tree_units(), YEAR, seed=11), tmp_path / "subs")
    run = consolidate_district(
        district=C1101,
        year=YEAR,
        submissions=str(tmp_path / "subs"),
        roster=str(roster),
        warehouse=str(tmp_path / "w.duckdb"),
        out=str(tmp_path / "out"),
    )
    assert run.published
    check_lines(read_log(log), PUBLISHED_STEPS)
