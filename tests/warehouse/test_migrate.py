"""A warehouse written by the district-era code (commit f5bbf18, run from its own tree in a subprocess) is moved
to the node tables when opened for writing: nothing lost, the evidence chain still verifies, tampering still
named (warehouse/migrate.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import duckdb
import pytest

from warehouse import chain
from warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[2]
OLD = "f5bbf18"
DISTRICT = "320799"

# run by the OLD code: a district run published (its own node in both eras' tables), then a district-era run whose
# report and publication exist ONLY in consolidated_cells / publications (what a pre-tree warehouse holds)
OLD_SCRIPT = """
import sys
from pathlib import Path
from intake.roster import read_roster
from pipeline import steps
from sampledata.roster import district_roster, write_roster_csv
from sampledata.synthetic import returns_for, write_returns_json
from warehouse.store import Warehouse

root, district, year = Path(sys.argv[1]), sys.argv[2], 2023
units = district_roster(district, "示范区", n_departments=3, n_townships=0)
roster_path = write_roster_csv(units, root / "roster.csv")
write_returns_json(returns_for(units, year, seed=5), root / "subs")
roster = read_roster(roster_path, district)
with Warehouse(root / "w.duckdb") as wh:
    outcomes = steps.read(steps.collect(root / "subs"))
    judged = steps.judge(outcomes, roster, district, year, root / "subs")
    key = steps.run_key(district, year, roster.sha256, [o.sha256 for o in outcomes])
    steps.keep(judged, wh.path)
    steps.load(wh, key, district, year, roster, judged)
    c = steps.consolidate(wh, roster, district, year)
    result = steps.check(c)
    assert result.success
    wh.record_outcome(key, c.district_cells, steps.checkpoint_rows(result), c.node_cells)
    steps.publish_all(c, roster, wh, root / "out", key, result)
    # the district era: a run recorded with its report and publication in the old tables only
    wh.load_run("districtera0001", district, year, roster.sha256, [], [])
    wh.record_outcome("districtera0001", c.district_cells, steps.checkpoint_rows(result))
    folder = root / "out" / district / str(year)
    wh.record_publication("districtera0001", district, year, str(folder), "0" * 64, {"report.json": "1" * 64})
print(key)
"""


@pytest.fixture(scope="module")
def old_warehouse(tmp_path_factory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("old")
    code = base / "code"
    code.mkdir()
    archive = base / "old.tar"
    try:
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), OLD], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"commit {OLD} not available here: {exc}")
    with tarfile.open(archive) as tar:
        tar.extractall(code, filter="data")
    data = base / "data"
    data.mkdir()
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", OLD_SCRIPT, str(data), DISTRICT],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return data, done.stdout.strip().splitlines()[-1]


def copy_of(old: Path, to: Path) -> Path:
    shutil.copytree(old, to)
    return to / "w.duckdb"


def tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def test_the_old_warehouse_has_both_eras_tables_and_verifies_read_only(old_warehouse) -> None:
    data, _ = old_warehouse
    assert {"consolidated_cells", "publications", "node_cells", "node_publications"} <= tables(data / "w.duckdb")
    with Warehouse(data / "w.duckdb", read_only=True) as wh:  # read-only: not migrated, verified as it is
        verified = chain.verify(wh.con)
        assert verified.ok, verified.breaks
        assert verified.anchors > 0
    assert "consolidated_cells" in tables(data / "w.duckdb")


def test_opening_for_writing_moves_every_row_and_keeps_the_chain_verifiable(old_warehouse, tmp_path) -> None:
    data, key = old_warehouse
    path = copy_of(data, tmp_path / "case")
    con = duckdb.connect(str(path), read_only=True)
    old_report = con.execute(
        "SELECT cell_key, value_int, value_dec FROM consolidated_cells WHERE run_key = 'districtera0001' ORDER BY 1"
    ).fetchall()
    old_pubs = con.execute("SELECT run_key, district_id, folder, manifest_sha256, files FROM publications").fetchall()
    con.close()
    assert len(old_report) == 200 and len(old_pubs) == 2
    with Warehouse(path) as wh:  # what any run does first
        assert not ({"consolidated_cells", "publications"} & set(wh.counts()))
        moved = wh.con.execute(
            "SELECT cell_key, value_int, value_dec FROM node_cells WHERE run_key = 'districtera0001' "
            "AND node_id = ? ORDER BY 1",
            [DISTRICT],
        ).fetchall()
        assert moved == old_report  # the district-era report, under the run's own node
        pubs = wh.con.execute(
            "SELECT run_key, node_id, folder, manifest_sha256, files FROM node_publications ORDER BY run_key"
        ).fetchall()
        assert sorted(pubs) == sorted(old_pubs)  # both publications, one row each (the twin was not doubled)
        verified = chain.verify(wh.con)
        assert verified.ok, verified.breaks
        assert verified.anchors > 0  # the published manifest's heads are still links of the chain
    with Warehouse(path) as wh:  # a second open finds nothing left to do
        assert chain.verify(wh.con).ok
    assert key  # the old run itself is untouched: its runs row and links are still verified above


def test_a_retired_row_deleted_from_the_node_table_is_named(old_warehouse, tmp_path) -> None:
    data, _ = old_warehouse
    path = copy_of(data, tmp_path / "case")
    Warehouse(path).close()  # migrated
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM node_cells WHERE run_key = 'districtera0001'")
    con.close()
    with Warehouse(path, read_only=True) as wh:
        breaks = [str(b) for b in chain.verify(wh.con).breaks]
    assert any(b.startswith("consolidated_cells row districtera0001: retired") for b in breaks), breaks
    assert any(b.startswith("node_cells row districtera0001/") for b in breaks), breaks


def test_tampered_old_tables_are_not_dropped(old_warehouse, tmp_path) -> None:
    data, _ = old_warehouse
    path = copy_of(data, tmp_path / "case")
    con = duckdb.connect(str(path))
    con.execute("UPDATE consolidated_cells SET value_int = value_int + 1 WHERE cell_key = 's3.granted.total'")
    con.close()
    with Warehouse(path) as wh:  # the migration refuses to hide it: the old tables stay, verify names the row
        assert "consolidated_cells" in wh.counts()
        breaks = chain.verify(wh.con).breaks
    assert {b.table for b in breaks} == {"consolidated_cells"}, breaks
