"""The warehouse keeps a single (六) row (table cell_deviations): loaded in the submission's transaction, added
to a warehouse made before it existed, and counted under (六)3.其他 by both consolidation paths."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sampledata.lianyun import lianyun_return
from sampledata.single_row import collapse_other
from schemas.cells import CELL_KEYS, FEE_KEY, S3_COL_KEYS, s3
from schemas.failures import Failure
from warehouse.store import Submission, Warehouse, sql

YEAR = 2022


def summed(wh: Warehouse, unit_ids: list[str], year: int):
    """One node's report over these units (the consolidation statement, sql/consolidate_nodes.sql)."""
    return wh.consolidate_nodes(["n"], ["n"] * len(unit_ids), list(unit_ids), year).drop(columns=["node_id"])


def submission(ret, sha: str) -> Submission:
    return Submission(sha, f"{ret.unit_id}.json", "", 1, "json", ret.unit_id, YEAR, "accepted", ret)


def with_other(unit_id: str, other: tuple[int, int, int]):
    """The 连云区 return with (六) 1./2./3. of ``other`` natural persons (A1/A2/A3 kept: taken out of 予以公开)."""
    ret = lianyun_return(unit_id, unit_id, YEAR)
    for row, n in zip(("other_no_correction", "other_fee_unpaid", "other_other"), other):
        for col in ("natural_person", "total"):
            ret.cells[s3(row, col)] += n
            ret.cells[s3("granted", col)] -= n
    return ret


def test_the_single_row_is_loaded_and_counted_under_3_other(tmp_path: Path) -> None:
    regular, single = with_other("U1", (1, 2, 3)), collapse_other(with_other("U2", (4, 5, 6)))
    assert single.other_single_row == (15, 0, 0, 0, 0, 0, 15)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_run("r1", "D", YEAR, "roster", [submission(regular, "a" * 64), submission(single, "b" * 64)], [])
        assert wh.single_rows_of(["a" * 64, "b" * 64]) == {"b" * 64: (15, 0, 0, 0, 0, 0, 15)}
        cells = summed(wh, ["U1", "U2"], YEAR)
        got = {k: (d if k == FEE_KEY else int(v)) for k, v, d in cells.itertuples(index=False)}
        assert (
            got["s3.other_no_correction.natural_person"],
            got["s3.other_fee_unpaid.natural_person"],
            got["s3.other_other.natural_person"],
        ) == (1, 2, 3 + 15)
        assert got["s3.other_other.total"] == 18 and got["s3.other_no_correction.total"] == 1
        assert got["s3.total_processed.total"] == 2 * lianyun_return().cells["s3.total_processed.total"]
        direct = wh.direct_sums(["U1", "U2"], ["D", "D"], YEAR).set_index("cell_key")
        assert int(direct.at["s3.other_other.natural_person", "value_int"]) == 18
        assert int(direct.at["s3.other_fee_unpaid.natural_person", "value_int"]) == 2
        assert int(direct["blanks"].sum()) == 0  # the 21 NULL sub-row cells are stood in for, not blanks


def test_a_garbled_value_is_kept_as_text_and_a_failed_load_keeps_nothing(tmp_path: Path) -> None:
    single = collapse_other(with_other("U2", (0, 0, 2)))
    single.other_single_row = (2, 0, 0, 0, 0, 0, "二")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        bogus = [("c" * 64, Failure(rule="NO-SUCH-RULE", unit_id="U2"))]
        with pytest.raises(KeyError):  # the failures are written in the same transaction: all or nothing
            wh.load_run("r0", "D", YEAR, "roster", [submission(single, "c" * 64)], bogus)
        assert wh.scalar("SELECT count(*) FROM cell_deviations") == 0
        assert wh.scalar("SELECT count(*) FROM submissions") == 0
        wh.load_run("r1", "D", YEAR, "roster", [submission(single, "c" * 64)], [])
        rows = wh.con.execute("SELECT col_key, value_int, raw_text FROM cell_deviations ORDER BY position").fetchall()
    assert rows[0] == ("natural_person", 2, None) and rows[-1] == ("total", None, "二")
    assert [r[0] for r in rows] == list(S3_COL_KEYS)


def test_a_warehouse_made_before_the_table_gains_it_when_opened_for_writing(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # the schema as it was before cell_deviations
        for name in ("create_tables", "create_evidence_tables", "create_node_tables"):
            con.execute(sql(name))
        con.executemany(
            "INSERT INTO cell_keys VALUES (?, ?, ?)", [(k, i, k == FEE_KEY) for i, k in enumerate(CELL_KEYS, start=1)]
        )
    with Warehouse(path, read_only=True) as wh:  # read-only (e.g. `nianbao audit`): no table, and no error
        assert wh.single_rows_of(["x" * 64]) == {}
    with Warehouse(path) as wh:
        tables = {r[0] for r in wh.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {r[0] for r in wh.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert "cell_deviations" in tables and "stand_in_cells" in views
