"""The opt-in stage log (pipeline/stagelog.py): with NIANBAO_STAGE_LOG set, a run appends a ``begin`` line and one
line per step, each with numbers (no timing is asserted: only that the figures are there and consistent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hierarchy_support import COUNTRY, YEAR, tree_units

from pipeline.run import PLAIN, Run, run
from pipeline.stagelog import STAGE_LOG_ENV, logged
from sampledata.roster import write_roster_csv
from sampledata.synthetic import returns_for, write_returns_json

# every step of a published run, in pipeline.run's order; the audit report is written inside publish
PUBLISHED_STEPS = [
    "collect",
    "read",
    "judge",
    "cross-year",
    "load",
    "consolidate",
    "checkpoint",
    "audit-report",
    "publish",
]


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def check_lines(lines: list[dict], steps: list[str]) -> None:
    """A begin line naming the first step, then one line per step in order, each with consistent numbers."""
    begin, *rest = lines
    assert begin["event"] == "begin" and begin["step"] == steps[0]
    assert all(isinstance(begin[k], float) and begin[k] > 0 for k in ("t", "cpu", "maxrss_mb"))
    assert [(x["event"], x["step"]) for x in rest] == [("step", name) for name in steps]
    for x in rest:
        assert all(isinstance(x[k], float) for k in ("start", "end", "wall", "cpu", "maxrss_mb"))
        assert begin["t"] <= x["start"] <= x["end"] and x["wall"] == pytest.approx(x["end"] - x["start"])
        assert x["cpu"] >= 0 and x["maxrss_mb"] >= begin["maxrss_mb"]
    assert len({x["pid"] for x in lines}) == 1
    assert {x["step"]: x["within"] for x in rest}["audit-report"] == ("publish" if "publish" in steps else None)


def district(tmp: Path) -> Run:
    roster = write_roster_csv(tree_units(), tmp / "roster.csv")
    write_returns_json(returns_for(tree_units(), YEAR, seed=11), tmp / "subs")
    return Run(COUNTRY, YEAR, roster, tmp / "subs", tmp / "w.duckdb", tmp / "out", data_docs=False)


def test_every_step_of_a_run_is_logged_with_its_figures(tmp_path: Path, monkeypatch) -> None:
    log = tmp_path / "stages.jsonl"
    monkeypatch.setenv(STAGE_LOG_ENV, str(log))
    assert run(district(tmp_path)).published
    check_lines(read_log(log), PUBLISHED_STEPS)


def test_without_the_variable_the_steps_are_left_alone(monkeypatch) -> None:
    monkeypatch.delenv(STAGE_LOG_ENV, raising=False)
    assert logged(PLAIN) is PLAIN
    monkeypatch.setenv(STAGE_LOG_ENV, "")
    assert logged(PLAIN) is PLAIN
    monkeypatch.setenv(STAGE_LOG_ENV, "stages.jsonl")
    assert logged(PLAIN) is not PLAIN and logged(PLAIN).judge is not PLAIN.judge
