"""A district id of ``..`` or an absolute one is refused before any work, from a flow run and from the CLI
(issue 11, part 2): no warehouse file is created and nothing appears under OUT or next to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.consolidate import consolidate_district
from flows.demo import write_returns
from sampledata.synthetic import build_district, write_roster_csv
from schemas.ids import UnsafeId

DISTRICT = "320799"


@pytest.fixture(scope="module", autouse=True)
def harness(prefect_harness):
    yield  # the session's one Prefect test harness (tests/conftest.py)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    roster, returns = build_district(DISTRICT, "示范区", 2024, seed=3)
    roster_path = write_roster_csv(roster, tmp_path / "roster.csv")
    write_returns(returns, tmp_path / "submissions")
    return {"roster": roster_path, "subs": tmp_path / "submissions", "tmp": tmp_path}


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("district", ["..", "/tmp/evil", "../320799"])
def test_a_flow_run_naming_an_unsafe_district_does_nothing(inputs, district: str) -> None:
    before = listing(inputs["tmp"])
    state = consolidate_district(
        district=district,
        year=2024,
        submissions=str(inputs["subs"]),
        roster=str(inputs["roster"]),
        warehouse=str(inputs["tmp"] / "w.duckdb"),
        out=str(inputs["tmp"] / "out" / "inner"),
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(UnsafeId, match="not a safe id"):
        state.result()
    assert listing(inputs["tmp"]) == before  # no warehouse, no OUT, nothing beside it


def test_the_cli_refuses_an_unsafe_district_before_starting_the_flow(inputs) -> None:
    before = listing(inputs["tmp"])
    result = CliRunner().invoke(
        app,
        [
            "consolidate",
            "--district",
            "..",
            "--year",
            "2024",
            "--submissions",
            str(inputs["subs"]),
            "--roster",
            str(inputs["roster"]),
            "--warehouse",
            str(inputs["tmp"] / "w.duckdb"),
            "--out",
            str(inputs["tmp"] / "out" / "inner"),
        ],
    )
    assert result.exit_code == 1
    assert "not a safe id" in result.output and "Consolidating" not in result.output
    assert listing(inputs["tmp"]) == before
