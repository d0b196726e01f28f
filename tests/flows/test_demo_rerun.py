"""``nianbao demo`` twice into the same folder (issue 12, part 5): the second run rewrites every form with the same
bytes, so it adds no version, no receipt, no row at all, and republishes byte-identical files.

What may differ between the two runs: the DuckDB file's own bytes (its pages, not its rows) and the GX validation
pages under ``runs/<key>/data-docs/validations/`` (GX records the real load time there: the run's own evidence
may carry its time). Their paths may not: a new page would be a new run."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.demo import BLOCKED_YEAR, DISTRICT_ID, PUBLISHED_YEAR, prepare
from intake.roster import read_roster
from warehouse.store import Warehouse
from warehouse.versions import versions_of


@pytest.fixture(scope="module")
def harness(prefect_harness):
    yield  # the session's one Prefect test harness (tests/conftest.py)


def files_under(root: Path) -> dict[str, Path]:
    """Every regular file below ``root`` (symlinks are not followed: each file is listed once, where it lives)."""
    found: dict[str, Path] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(root))] = path
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def may_differ(rel: str) -> bool:
    return rel.startswith("warehouse.duckdb") or "/data-docs/validations/" in rel


def snapshot(out: Path) -> dict[str, str]:
    return {rel: ("(not compared)" if may_differ(rel) else sha256(p)) for rel, p in sorted(files_under(out).items())}


def published(out: Path) -> dict[str, str]:
    """sha256 of every file read through ``OUT/<district>/<year>`` (the paths people open)."""
    folder = out / "reports" / DISTRICT_ID / str(PUBLISHED_YEAR)
    return {p.name: sha256(p) for p in sorted(folder.iterdir())}


def versions(out: Path) -> dict[tuple[str, int], list[tuple[int, str]]]:
    """(unit, year) -> [(version, sha256)] for every roster unit and both demo years."""
    units = [u.unit_id for u in read_roster(out / "data" / "roster.csv").units]
    with Warehouse(out / "warehouse.duckdb") as wh:
        return {
            (unit, year): [(v.version, v.sha256) for v in versions_of(wh, unit, year)]
            for unit in units
            for year in (PUBLISHED_YEAR, BLOCKED_YEAR)
        }


def test_preparing_the_demo_twice_writes_the_same_files(tmp_path: Path) -> None:
    """Every writer the demo uses (forms, JSON, CSV, roster), in two folders, seconds apart: the same bytes."""
    prepare(tmp_path / "a")
    time.sleep(2.1)  # zip entries and core.xml record the clock in 1-2 second steps
    prepare(tmp_path / "b")
    a, b = files_under(tmp_path / "a"), files_under(tmp_path / "b")
    assert len(a) > 60 and sorted(a) == sorted(b)
    assert sum(rel.endswith(".xlsx") for rel in a) > 50
    assert {rel: sha256(p) for rel, p in a.items()} == {rel: sha256(p) for rel, p in b.items()}


def test_rerunning_the_demo_adds_no_versions_and_republishes_identical_files(harness, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--out", str(out)])
    assert first.exit_code == 0, first.output
    with Warehouse(out / "warehouse.duckdb") as wh:
        rows = wh.counts()
    before = versions(out)
    files, pub = snapshot(out), published(out)
    sent = sum(1 for rel in files if rel.startswith("data/submissions-"))
    assert sum(len(v) for v in before.values()) == sent == rows["submissions"]  # one version per file sent
    assert sorted(pub) == ["manifest.json", "report.html", "report.json", "report.xlsx"]

    second = runner.invoke(app, ["demo", "--out", str(out)])
    assert second.exit_code == 0, second.output

    assert versions(out) == before  # no new version of any unit
    with Warehouse(out / "warehouse.duckdb") as wh:
        assert wh.counts() == rows  # nor a receipt, a run or any other row
    assert published(out) == pub
    after = snapshot(out)
    assert sorted(after) == sorted(files)  # no new payload, run folder, Data Docs page or quarantined copy
    assert after == files  # forms, roster, published payloads, audit.html, Data Docs index: the same bytes
    assert not (out / "reports" / DISTRICT_ID / str(BLOCKED_YEAR)).exists()
