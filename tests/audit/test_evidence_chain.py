"""Evidence that proves itself: every evidence table of a real warehouse file is tampered with directly through
DuckDB (an UPDATE, a DELETE, a forged INSERT), and so are the chain itself and the originals packs; each time
``nianbao audit --verify`` exits 3 naming the table and the row (or the pack member), an intact warehouse exits
0, and a rerun refuses to publish from the tampered warehouse.

The warehouse is made once by the real steps (read with the originals packed, judge, keep, load, consolidate,
checkpoint, publish_all), with a published text report (cell_sources), an unreadable file (a validation result
on a rejected submission), a single (六) row return (cell_deviations), a waiver and a keep; each case works on a copy.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from flows.cli_audit import EXIT_OK, EXIT_TAMPERED, register
from pipeline.run import Run
from pipeline.run import run as pipeline_run
from sampledata.lianyun import lianyun_return, sample_report_text
from sampledata.roster import district_roster, write_roster_csv
from sampledata.single_row import collapse_other
from sampledata.synthetic import unit_return
from schemas.cells import FEE_KEY
from warehouse import chain
from warehouse.evidence import insert_waiver
from warehouse.keeps import insert_keep
from warehouse.store import Submission, Warehouse

DISTRICT, YEAR = "320799", 2022
FORGED = "f" * 64

app = typer.Typer()
register(app)


def audit_verify(warehouse: Path) -> tuple[int, str]:
    out = CliRunner().invoke(app, ["audit", "--verify", "--warehouse", str(warehouse)])
    return out.exit_code, out.output


def run(root: Path, out: Path) -> dict[str, Path]:
    """One district run through pipeline.run (the sequence the flow wraps); the published folders."""
    result = pipeline_run(Run(DISTRICT, YEAR, root / "roster.csv", root / "subs", root / "w.duckdb", out, False))
    assert result.published, [o.name for o in result.checkpoint.outcomes if not o.success]
    return dict(result.published_nodes)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chain")
    units = district_roster(DISTRICT, "示范区", n_departments=3, n_townships=0)
    units = [replace(u, unit_name="连云区人民政府") if u.kind == "office" else u for u in units]  # the sample report's
    write_roster_csv(units, root / "roster.csv")
    subs = root / "subs"
    subs.mkdir()
    for u in units:
        if u.kind == "department":
            ret = unit_return(u, YEAR, 11)
            (subs / f"{u.unit_id}.json").write_text(json.dumps(ret.to_json(), ensure_ascii=False), encoding="utf-8")
    (subs / "连云区 2022 年报.txt").write_text(sample_report_text(), encoding="utf-8")  # read where: cell_sources
    (subs / "坏文件.json").write_bytes(b"{not json")  # unreadable: rejected, its I1 in validation_results
    run(root, root / "out")
    # a single (六) row return of a unit elsewhere, and a waiver on it: of the year before, so that the district's
    # run key (which counts the year's waivers) stays the same on a rerun
    with Warehouse(root / "w.duckdb") as wh:
        single = collapse_other(lianyun_return("X9", "外区单位", YEAR - 1))
        wh.load_run(
            "other-run",
            "X",
            YEAR - 1,
            "roster-x",
            [Submission("e" * 64, "X9.json", "", 1, "json", "X9", YEAR - 1, "rejected", single)],
            [],
        )
        insert_waiver(wh, "waiver", "S6", "HARD-W", "X9", YEAR - 1, "e" * 64, 1, "printed as one row", "审计员")
        # and a keep (`nianbao keep`): a chained evidence table like the waivers
        insert_keep(wh, "keep", "X9", YEAR - 1, "e" * 64, 1, "d" * 64, 2, "第2版未通过校验，沿用第1版", "办公室")
    return root


def copy_of(base: Path, tmp_path: Path) -> Path:
    shutil.copytree(base, tmp_path / "case")
    return tmp_path / "case"


def tamper(warehouse: Path, statement: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(statement)
    finally:
        con.close()


FIRST = "rowid = (SELECT min(rowid) FROM {t})"
# table -> (an UPDATE's SET clause, a forged row: the REPLACE of a copied row)
CASES = {
    "rosters": ("source_name = 'forged.csv'", f"'{FORGED}' AS roster_sha256"),
    "roster_units": ("unit_name = unit_name || '（改）'", "unit_id || 'X' AS unit_id"),
    "runs": ("n_files = n_files + 1", "'forged-run' AS run_key"),
    "submissions": (
        "status = CASE status WHEN 'accepted' THEN 'rejected' ELSE 'accepted' END",
        f"'{FORGED}' AS sha256",
    ),
    # a receipt decides which version is current (issue 11): a forged one would bring an old version back
    "receipts": ("original_name = original_name || ' (edited)'", "receipt_no + 1000 AS receipt_no"),
    "cells": ("value_int = coalesce(value_int, 0) + 1", f"'{FORGED}' AS sha256"),
    "cell_sources": ("source = source || ' (edited)'", f"'{FORGED}' AS sha256"),
    "cell_deviations": ("value_int = coalesce(value_int, 0) + 1", f"'{FORGED}' AS sha256"),
    "validation_results": ("message = message || '（已核实）'", "seq + 1000 AS seq"),
    "checkpoint_results": ("success = NOT success", "seq + 1000 AS seq"),
    "node_cells": ("value_int = coalesce(value_int, 0) + 1", "'forged-run' AS run_key"),
    "waivers": ("reason = 'forged'", "waiver_id + 1000 AS waiver_id"),
    # a keep decides which version of a return is counted (G5): a forged one would publish a rejected unit's old one
    "keeps": ("version = version + 1", "keep_id + 1000 AS keep_id"),
    "node_publications": ("folder = '/tmp/elsewhere'", "'forged-node' AS node_id"),
}
GROUPED = ("roster_units", "cells", "cell_sources", "cell_deviations", "node_cells")
TRIED: list[str] = []
DETECTED: list[str] = []


def expect_break(warehouse: Path, case: str, *named: str) -> str:
    TRIED.append(case)
    code, text = audit_verify(warehouse)
    assert code == EXIT_TAMPERED, (case, code, text)
    for name in named:
        assert name in text, (case, name, text)
    DETECTED.append(case)
    return text


def test_every_chained_table_has_rows_in_the_base_warehouse(base: Path) -> None:
    con = duckdb.connect(str(base / "w.duckdb"), read_only=True)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in chain.CHAINED}
    con.close()
    assert all(counts.values()), counts  # else a case below would tamper with nothing
    assert set(CASES) == set(chain.CHAINED)


def test_an_intact_warehouse_verifies(base: Path) -> None:
    code, text = audit_verify(base / "w.duckdb")
    assert code == EXIT_OK, text
    assert "Evidence intact" in text
    assert not re.search(r"\b0 chain head", text)  # the manifests' heads were found and checked
    packs = list((base / "w.files" / "originals" / "packs").glob("*.zip"))
    assert packs and not re.search(r"\b0 kept original", text)


@pytest.mark.parametrize("table", sorted(CASES))
@pytest.mark.parametrize("how", ["update", "delete", "insert"])
def test_tampering_with_a_table_is_detected(base: Path, tmp_path: Path, table: str, how: str) -> None:
    case = copy_of(base, tmp_path)
    set_clause, forged = CASES[table]
    statement = {
        "update": f"UPDATE {table} SET {set_clause} WHERE {FIRST.format(t=table)}",
        "delete": f"DELETE FROM {table} WHERE {FIRST.format(t=table)}",
        "insert": f"INSERT INTO {table} SELECT * REPLACE ({forged}) FROM {table} WHERE {FIRST.format(t=table)}",
    }[how]
    tamper(case / "w.duckdb", statement)
    text = expect_break(case / "w.duckdb", f"{how} {table}", f"{table} row ")
    changed, deleted, inserted = "changed since it was recorded", "deleted", "inserted outside nianbao"
    expected = {"update": [changed], "delete": [deleted], "insert": [inserted]}[how]
    if table in GROUPED and how == "delete":  # one row of a group gone: the group changed (or it is gone)
        expected = [changed, deleted]
    if table == "roster_units" and how == "insert":  # a unit added to the same roster: the roster's units changed
        expected = [changed]
    assert any(problem in text for problem in expected), text


CELL_EDITS = {
    "a key renamed to one the format does not have": "UPDATE cells SET cell_key = cell_key || 'x' WHERE {first}",
    "a count made blank": "UPDATE cells SET value_int = NULL WHERE value_int IS NOT NULL AND {first}",
    "a blank made 0": "UPDATE cells SET value_int = 0 WHERE rowid = (SELECT min(rowid) FROM cells WHERE value_int IS NULL)",
    "the fee changed by 0.000001": "UPDATE cells SET value_dec = value_dec + 0.000001 WHERE value_dec IS NOT NULL "
    "AND rowid = (SELECT min(rowid) FROM cells WHERE value_dec IS NOT NULL)",
    "two counts swapped": "UPDATE cells SET value_int = CASE WHEN cell_key = 's3.granted.total' "
    "THEN (SELECT value_int FROM cells x WHERE x.sha256 = cells.sha256 AND x.cell_key = 's3.new_received.total') "
    "ELSE (SELECT value_int FROM cells x WHERE x.sha256 = cells.sha256 AND x.cell_key = 's3.granted.total') END "
    "WHERE sha256 = (SELECT min(sha256) FROM cells) AND cell_key IN ('s3.granted.total', 's3.new_received.total')",
}


@pytest.mark.parametrize("edit", sorted(CELL_EDITS))
def test_subtle_cell_edits_are_detected(base: Path, tmp_path: Path, edit: str) -> None:
    case = copy_of(base, tmp_path)
    con = duckdb.connect(str(case / "w.duckdb"))
    every_cell = "SELECT * FROM cells ORDER BY ALL"
    before = con.execute(every_cell).fetchall()
    con.execute(CELL_EDITS[edit].format(first=FIRST.format(t="cells")))
    assert con.execute(every_cell).fetchall() != before  # the edit did change a cell
    con.close()
    expect_break(case / "w.duckdb", f"cells: {edit}", "cells row ", "changed since it was recorded")


def test_a_changed_row_with_its_link_fixed_is_detected(base: Path, tmp_path: Path) -> None:
    """The tamperer updates a cell and writes the cells' new hash into its link: the link's own hash breaks."""
    case = copy_of(base, tmp_path)
    con = duckdb.connect(str(case / "w.duckdb"))
    sha = con.execute("SELECT sha256 FROM cells WHERE value_int > 0 LIMIT 1").fetchone()[0]
    con.execute(
        "UPDATE cells SET value_int = value_int + 1 WHERE sha256 = ? AND value_int > 0 "
        "AND cell_key = (SELECT min(cell_key) FROM cells WHERE sha256 = ? AND value_int > 0)",
        [sha, sha],
    )
    (new_hash,) = [h for ref, h in chain._row_hashes(con, "cells", [sha])]
    con.execute("UPDATE evidence_chain SET row_hash = ? WHERE table_name = 'cells' AND row_ref = ?", [new_hash, sha])
    con.close()
    expect_break(case / "w.duckdb", "cells row and its link's row hash", "cells row", sha, "was rewritten")


def test_a_deleted_link_is_detected(base: Path, tmp_path: Path) -> None:
    case = copy_of(base, tmp_path)
    tamper(
        case / "w.duckdb",
        "DELETE FROM evidence_chain WHERE link_id = (SELECT min(link_id) FROM evidence_chain "
        "WHERE table_name = 'submissions')",
    )
    expect_break(case / "w.duckdb", "delete a chain link", "submissions row", "not in the chain")


def test_a_chain_rebuilt_after_tampering_is_caught_by_the_manifests(base: Path, tmp_path: Path) -> None:
    """The tamperer changes a cell, then throws the chain away and rebuilds all of it consistently: only the
    chain heads recorded in the published manifests (outside the warehouse) can tell."""
    case = copy_of(base, tmp_path)
    con = duckdb.connect(str(case / "w.duckdb"))
    con.execute(f"UPDATE cells SET value_int = coalesce(value_int, 0) + 1 WHERE {FIRST.format(t='cells')}")
    con.execute("DELETE FROM evidence_chain")
    chain.seal(con, {t: None for t in chain.CHAINED}, None)
    con.close()
    # the manifests in the copy name the base's folders: point the publications at the copy's own
    con = duckdb.connect(str(case / "w.duckdb"))
    verified = chain.verify(con)
    con.close()
    assert verified.breaks and all("the chain was rewritten" in b.problem for b in verified.breaks), verified.breaks
    expect_break(case / "w.duckdb", "rebuild the whole chain", "chain was rewritten")


def _rewrite_pack(pack: Path, change) -> str:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(pack) as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = min(members)
    members = change(members, name)
    with zipfile.ZipFile(pack, "w", compression=zipfile.ZIP_STORED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return name


def test_a_rewritten_pack_member_is_detected(base: Path, tmp_path: Path) -> None:
    case = copy_of(base, tmp_path)
    pack = min((case / "w.files" / "originals" / "packs").glob("*.zip"))
    name = _rewrite_pack(pack, lambda m, n: {**m, n: m[n].replace(b"1", b"2", 1) + b" "})
    expect_break(case / "w.duckdb", "rewrite a pack member", "originals", pack.name, name, "rewritten")


def test_a_pack_member_overwritten_in_place_is_detected(base: Path, tmp_path: Path) -> None:
    """Bytes changed inside the ZIP without touching its headers: the member's CRC no longer matches."""
    case = copy_of(base, tmp_path)
    pack = min((case / "w.files" / "originals" / "packs").glob("*.zip"))
    with zipfile.ZipFile(pack) as z:
        info = z.infolist()[0]
    data = bytearray(pack.read_bytes())
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 5
    data[at] = (data[at] + 1) % 256
    pack.write_bytes(bytes(data))
    expect_break(case / "w.duckdb", "overwrite a pack member in place", "originals", info.filename)


def test_a_removed_pack_member_is_detected(base: Path, tmp_path: Path) -> None:
    case = copy_of(base, tmp_path)
    pack = min((case / "w.files" / "originals" / "packs").glob("*.zip"))
    name = _rewrite_pack(pack, lambda m, n: {k: v for k, v in m.items() if k != n})
    expect_break(case / "w.duckdb", "remove a pack member", "originals", pack.name, "added or removed")
    assert name


def test_a_rerun_refuses_to_publish_a_tampered_cell(base: Path, tmp_path: Path) -> None:
    """The same inputs rerun after a cell was changed in the warehouse: the run stops before publishing, naming
    the table and the row, and nothing is written under the publication folder."""
    case = copy_of(base, tmp_path)
    con = duckdb.connect(str(case / "w.duckdb"))
    sha = con.execute("SELECT sha256 FROM submissions WHERE status = 'accepted' ORDER BY sha256 LIMIT 1").fetchone()[0]
    con.execute("UPDATE cells SET value_dec = value_dec + 100 WHERE sha256 = ? AND cell_key = ?", [sha, FEE_KEY])
    con.close()
    TRIED.append("rerun after a tampered cell")
    out = tmp_path / "republish"
    with pytest.raises(chain.ChainBroken) as refused:
        run(case, out)
    assert f"table cells, row {sha}" in str(refused.value) and "Nothing was published" in str(refused.value)
    assert not out.exists()
    DETECTED.append("rerun after a tampered cell")


def test_an_intact_rerun_publishes_the_same_manifest(base: Path, tmp_path: Path) -> None:
    """The chain heads in the manifest are those of the run's own evidence: a rerun writes the same bytes."""
    case = copy_of(base, tmp_path)
    first = {p.name: p.read_bytes() for p in (base / "out" / DISTRICT / str(YEAR)).iterdir() if p.is_file()}
    folders = run(case, tmp_path / "again")
    again = {p.name: p.read_bytes() for p in folders[DISTRICT].iterdir() if p.is_file()}
    manifest = json.loads(again["manifest.json"])
    assert set(manifest[chain.MANIFEST_KEY]) >= {"submissions", "cells", "validation_results", "checkpoint_results"}
    assert again["manifest.json"] == first["manifest.json"]


def test_cells_hashed_in_chunks_give_the_same_hashes(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """150,000 returns' cells are hashed chunk by chunk (memory): one submission a chunk gives the same result."""
    case = copy_of(base, tmp_path)
    con = duckdb.connect(str(case / "w.duckdb"))
    whole = chain._row_hashes(con, "cells", None)
    monkeypatch.setattr(chain, "CHUNK", 1)
    assert chain._row_hashes(con, "cells", None) == whole and len(whole) > 1
    assert chain.verify(con).ok
    con.execute(f"DELETE FROM cells WHERE {FIRST.format(t='cells')}")
    assert [b.table for b in chain.verify(con).breaks] == ["cells"]
    con.close()


def test_a_warehouse_from_before_the_chain_is_sealed_when_a_run_opens_it(tmp_path: Path) -> None:
    """Rows recorded before the chain existed (here: the chain table dropped from a file that never published) are
    sealed as they are the first time the warehouse is opened for writing; then tampering is detected."""
    ret = lianyun_return("U1", "单位", YEAR)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_run(
            "r1",
            DISTRICT,
            YEAR,
            "roster",
            [Submission("a" * 64, "U1.json", "", 1, "json", "U1", YEAR, "accepted", ret)],
            [],
        )
    tamper(tmp_path / "w.duckdb", "DROP TABLE evidence_chain")
    code, text = audit_verify(tmp_path / "w.duckdb")
    assert code == EXIT_TAMPERED and "no evidence chain" in text, text
    Warehouse(tmp_path / "w.duckdb").close()  # what any run does first
    code, text = audit_verify(tmp_path / "w.duckdb")
    assert code == EXIT_OK, text
    tamper(tmp_path / "w.duckdb", "UPDATE submissions SET unit_id = 'U2'")
    assert audit_verify(tmp_path / "w.duckdb")[0] == EXIT_TAMPERED


def test_a_dropped_chain_resealed_by_the_next_run_is_caught_by_the_manifests(base: Path, tmp_path: Path) -> None:
    """Tamper, drop the chain, let a run reseal the file as if it were from before the chain: the heads the
    manifests recorded no longer match."""
    case = copy_of(base, tmp_path)
    tamper(
        case / "w.duckdb", f"UPDATE cells SET value_int = coalesce(value_int, 0) + 1 WHERE {FIRST.format(t='cells')}"
    )
    tamper(case / "w.duckdb", "DROP TABLE evidence_chain")
    Warehouse(case / "w.duckdb").close()
    expect_break(case / "w.duckdb", "drop the chain and let a run reseal it", "chain was rewritten")


def test_zzz_tamper_count(capsys: pytest.CaptureFixture[str]) -> None:
    """The tally for the closing note (runs last in this module)."""
    with capsys.disabled():
        print(f"\ntamper cases: {len(DETECTED)} detected of {len(TRIED)} tried")
    assert TRIED and DETECTED == TRIED
