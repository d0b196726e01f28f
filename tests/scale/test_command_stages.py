"""benchmarks/commands.py turns one process's stage log into the table's rows: start-up before the first step,
each step with the steps logged inside it under it, the gaps between steps, and what follows the last step."""

from __future__ import annotations

import pytest

from benchmarks.commands import stage_rows


def step(name: str, start: float, end: float, within: str | None = None) -> dict:
    return {"event": "step", "step": name, "within": within, "pid": 7, "start": start, "end": end,
            "wall": end - start, "cpu": (end - start) / 2, "maxrss_mb": 100 + end}  # fmt: skip


def test_rows_from_a_stage_log() -> None:
    lines = [
        {"event": "begin", "step": "collect", "pid": 7, "t": 1003.0, "cpu": 2.5, "maxrss_mb": 300.0},
        step("collect", 1003.0, 1004.0),
        step("read", 1004.5, 1006.0),
        step("audit-report", 1007.0, 1008.0, within="publish"),
        step("publish", 1006.0, 1009.0),
    ]
    rows = stage_rows(lines, started=1000.0, ended=1012.0, ended_label="after the last step → exit")
    assert list(rows) == [
        "start-up (process start → first step)",
        "collect",
        "read",
        "publish",
        "  publish: audit-report",
        "between steps (run key, …)",
        "after the last step → exit",
    ]
    assert rows["start-up (process start → first step)"] == {"wall": 3.0, "cpu": 2.5, "peak_mb": 300.0}
    assert rows["read"] == {"wall": 1.5, "cpu": 0.75, "peak_mb": 1106.0}
    assert rows["  publish: audit-report"]["wall"] == 1.0
    assert rows["between steps (run key, …)"]["wall"] == pytest.approx(0.5)
    assert rows["after the last step → exit"]["wall"] == 3.0


def test_no_begin_line_no_rows() -> None:
    assert stage_rows([], started=0.0, ended=1.0, ended_label="x") == {}
