"""Keeps in a real DuckDB warehouse (no Prefect): which return is in force and each unit's verdict
(sql/unit_verdicts.sql), the keep policy (audit.keeps), its voiding by the next file and its revocation, and a
warehouse from before keeps — migrated when opened for writing, answered through TEMP stand-ins when read-only."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from audit.keeps import KeepRefused, keep, keep_records, revoke
from sampledata.roster import district_roster
from sampledata.synthetic import unit_return
from schemas.failures import make
from warehouse import chain
from warehouse.store import Submission, Warehouse

DISTRICT, YEAR = "320799", 2024
UNITS = [u for u in district_roster(DISTRICT, "示范区", n_departments=2, n_townships=0) if u.kind == "department"]
A, B = UNITS[0].unit_id, UNITS[1].unit_id


def receive(wh: Warehouse, run: str, unit_index: int, seed: int, status: str) -> str:
    """One return of a unit recorded by its own run (a new version), rejected with an X1 when ``status`` says so."""
    unit = UNITS[unit_index]
    ret = unit_return(unit, YEAR, seed)
    sha = f"{seed:064x}"
    failures = (
        [(sha, make("X1", unit.unit_id, "s3.new_received.total", 8, 15, file=f"{seed}.json"))]
        if status == "rejected"
        else []
    )
    wh.load_run(
        run,
        DISTRICT,
        YEAR,
        "roster",
        [Submission(sha, f"{seed}.json", "", 1, "json", unit.unit_id, YEAR, status, ret)],
        failures,
    )
    return sha


def verdicts(wh: Warehouse) -> list[tuple]:
    frame = wh.unit_verdicts([A, B, "nobody"], YEAR)
    return [
        (r.unit_id, r.verdict, None if pd.isna(r.version) else int(r.version), r.current_rules)
        for r in frame.itertuples(index=False)
    ]


def test_verdicts_keep_voiding_and_revocation(tmp_path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        v1 = receive(wh, "r1", 0, 1, "accepted")
        receive(wh, "r2", 1, 2, "accepted")
        assert verdicts(wh) == [(A, "accepted", 1, ""), (B, "accepted", 1, ""), ("nobody", "missing", None, "")]
        v2 = receive(wh, "r3", 0, 3, "rejected")
        # the older accepted v1 is what the sums hold, but the verdict is "rejected": G5 blocks
        assert verdicts(wh)[0] == (A, "rejected", 1, "X1")
        with pytest.raises(KeepRefused, match="latest 2024 return and it is rejected"):
            keep(wh, A, YEAR, 2, "reason", "who")
        with pytest.raises(KeepRefused, match="no version 7"):
            keep(wh, A, YEAR, 7, "reason", "who")
        with pytest.raises(KeepRefused, match="accepted and is the one counted"):
            keep(wh, B, YEAR, 1, "reason", "who")
        with pytest.raises(KeepRefused, match="reason"):
            keep(wh, A, YEAR, 1, " ", "who")
        k = keep(wh, A, YEAR, 1, "沿用第1版", "办公室")
        assert (k.sha256, k.version, k.instead_of, k.instead_of_version) == (v1, 1, v2, 2)
        assert verdicts(wh)[0] == (A, "kept", 1, "X1")
        assert [(r["id"], r["in_force"]) for r in keep_records(wh, YEAR)] == [(k.keep_id, True)]
        assert wh.latest_accepted([A], YEAR)["sha256"].tolist() == [v1]
        # revoked: rejected again; a second revocation is refused
        revoke(wh, k.keep_id, "看错了", "办公室")
        assert verdicts(wh)[0] == (A, "rejected", 1, "X1")
        with pytest.raises(KeepRefused, match="already been revoked"):
            revoke(wh, k.keep_id, "again", "办公室")
        k2 = keep(wh, A, YEAR, 1, "再次沿用第1版", "办公室")
        assert verdicts(wh)[0][1] == "kept"
        # the next file voids the keep: a rejected v3 blocks again, naming v3
        receive(wh, "r4", 0, 4, "rejected")
        assert verdicts(wh)[0] == (A, "rejected", 1, "X1")
        [record] = [r for r in keep_records(wh, YEAR, in_force_only=False) if r["id"] == k2.keep_id]
        assert (record["in_force"], record["void_by_version"]) == (False, 3)
        assert keep_records(wh, YEAR) == []
        assert chain.verify(wh.con).ok  # the keeps and revocations are chained


def test_a_warehouse_from_before_keeps(tmp_path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        v1 = receive(wh, "r1", 0, 1, "accepted")
        receive(wh, "r2", 0, 2, "rejected")
    con = duckdb.connect(str(path))  # as an older nianbao left it: no keeps, none of their views
    for view in ("returns_in_force", "keeps_in_force", "unit_returns"):
        con.execute(f"DROP VIEW {view}")
    con.execute("DROP TABLE keeps")
    con.execute("DROP SEQUENCE keep_ids")
    con.close()
    with Warehouse(path, read_only=True) as wh:  # nianbao audit: TEMP stand-ins, the file untouched
        assert verdicts(wh)[0] == (A, "rejected", 1, "X1")
        assert wh.latest_accepted([A], YEAR)["sha256"].tolist() == [v1]
        assert keep_records(wh, YEAR, in_force_only=False) == []
    con = duckdb.connect(str(path), read_only=True)
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'keeps'").fetchone()[0]
    con.close()
    with Warehouse(path) as wh:  # opened for writing: migrated, and a keep can be recorded and verified
        keep(wh, A, YEAR, 1, "沿用第1版", "办公室")
        assert verdicts(wh)[0][1] == "kept"
        assert chain.verify(wh.con).ok
