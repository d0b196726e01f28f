"""Crash and rerun: a `nianbao consolidate` process SIGKILLed mid-load or mid-publish leaves no partial publication
and no half-written warehouse rows; rerunning completes; rerunning a completed run publishes byte-identical files
and adds no rows.

The kill point is chosen with the test hook NIANBAO_TEST_PAUSE_AT (flows/operations.py): ``load`` pauses inside the
load transaction (rows inserted, not committed), ``publish`` after the four files were staged, before the one
switch of OUT/.published/current. The runs go through a real Prefect server (so the concurrency limit is live too).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
from pathlib import Path

import pytest
from ops_support import DISTRICT, VENV_BIN, api, consolidate_cmd, make_district, start, wait_for_file

from warehouse.store import Warehouse

pytestmark = pytest.mark.slow
YEAR = 2025
RUN_TABLES = ("runs", "submissions", "cells", "validation_results", "node_publications")


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def counts(path: Path) -> dict[str, int]:
    with Warehouse(path, read_only=True) as wh:
        return wh.counts()


def free_slot(server, name: str) -> int:
    """What an operator does after a run was killed, instead of waiting for its lease (60 s) to expire:
    ``prefect gcl update NAME --active-slots 0``. Returns the slots that were held."""
    held = api(server, "GET", f"/v2/concurrency_limits/{name}")["active_slots"]
    subprocess.run(
        [str(VENV_BIN / "prefect"), "gcl", "update", name, "--active-slots", "0"],
        env=server.env(),
        check=True,
        capture_output=True,
        cwd=server.home,
    )
    return held


@pytest.mark.parametrize("step", ["load", "publish"])
def test_a_run_killed_mid_step_leaves_nothing_half_done_and_a_rerun_completes(
    step: str, prefect_server, tmp_path: Path
) -> None:
    district = make_district(tmp_path / "data", YEAR)
    mark = tmp_path / "paused"
    env = prefect_server.env(NIANBAO_TEST_PAUSE_AT=step, NIANBAO_TEST_PAUSE_MARK=str(mark))
    proc = start(consolidate_cmd(district, YEAR), env, tmp_path / f"killed-{step}.log")
    try:
        wait_for_file(mark, timeout=120, proc=proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole session: the CLI and anything it started
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    # nothing half-done: no publication folder, no rows of the interrupted transaction
    assert not district.publication(YEAR).exists()
    leftovers = (
        sorted(p.name for p in (district.out / DISTRICT).iterdir()) if (district.out / DISTRICT).exists() else []
    )
    # at most a hidden staging folder, or OUT/<district>/<year>: the link through OUT/.published/current, which
    # dangles until the switch (publish/generations.py) and so shows nothing
    assert all(name.startswith(".") or not (district.out / DISTRICT / name).exists() for name in leftovers), leftovers
    after_kill = counts(district.warehouse)
    if step == "load":
        assert {t: after_kill[t] for t in RUN_TABLES} == dict.fromkeys(RUN_TABLES, 0)
    else:  # loaded and checked before the kill; the publication itself is not recorded
        assert after_kill["runs"] == 1 and after_kill["submissions"] == district.units
        assert after_kill["node_publications"] == 0

    # the killed run still holds the district's slot on the server until its lease expires
    assert free_slot(prefect_server, f"nianbao-{DISTRICT}-{YEAR}") == 1

    rerun = subprocess.run(
        consolidate_cmd(district, YEAR),
        env=prefect_server.env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    folder = district.publication(YEAR)
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "report.html", "report.json", "report.xlsx"]
    published, rows = digest(folder), counts(district.warehouse)
    assert rows["runs"] == 1 and rows["submissions"] == district.units and rows["node_publications"] >= 1

    again = subprocess.run(
        consolidate_cmd(district, YEAR),
        env=prefect_server.env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert digest(folder) == published  # byte-identical
    assert counts(district.warehouse) == rows  # no rows added
