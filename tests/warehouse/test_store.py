"""The DuckDB warehouse: idempotent loads, versions, exact sums, all-or-nothing writes."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sampledata.lianyun import lianyun_return
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.failures import make
from schemas.returns import CanonicalReturn
from warehouse.store import Submission, Warehouse, WarehouseBusy


def summed(wh: Warehouse, unit_ids: list[str], year: int):
    """One node's report over these units (the consolidation statement, sql/consolidate_nodes.sql)."""
    return wh.consolidate_nodes(["n"], ["n"] * len(unit_ids), list(unit_ids), year).drop(columns=["node_id"])


def submission(ret: CanonicalReturn, sha: str, status: str = "accepted") -> Submission:
    return Submission(
        sha256=sha,
        original_name=f"{ret.unit_id}.json",
        stored_path="",
        size_bytes=1,
        reader="json",
        unit_id=ret.unit_id,
        year=int(ret.year),
        status=status,
        ret=ret,
    )


@pytest.fixture
def wh(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as w:
        yield w


def test_loading_the_same_files_twice_adds_nothing(wh: Warehouse) -> None:
    """It records each distinct file once; a second load of the same run adds no row anywhere."""
    subs = [submission(lianyun_return(unit_id=f"u{i}"), f"sha{i}") for i in range(3)]
    failure = [("sha0", make("A4", "u0", "s3.carried_out.total", 1, 2, file="u0.json"))]
    first = wh.load_run("run-a", "d", 2022, "roster", subs, failure)
    before = wh.counts()
    again = wh.load_run("run-a", "d", 2022, "roster", subs, failure)
    other_run = wh.load_run("run-b", "d", 2022, "roster", subs, [])
    assert (first.new, again.new, other_run.new) == (3, 0, 0)
    after = wh.counts()
    assert after["cells"] == before["cells"] == 600
    assert after["submissions"] == before["submissions"] == 3
    assert after["validation_results"] == before["validation_results"] == 1


def test_a_changed_file_is_a_new_version_and_the_latest_accepted_is_consolidated(wh: Warehouse) -> None:
    v1 = lianyun_return(unit_id="u1")
    v2 = lianyun_return(unit_id="u1")
    v2.cells["s2.admin_license.decisions"] = 5
    v3 = lianyun_return(unit_id="u1")
    v3.cells["s2.admin_license.decisions"] = 99
    wh.load_run("r1", "d", 2022, "roster", [submission(v1, "a")], [])
    wh.load_run("r2", "d", 2022, "roster", [submission(v2, "b")], [])
    wh.load_run("r3", "d", 2022, "roster", [submission(v3, "c", status="rejected")], [])
    versions = wh.frame("SELECT sha256, version FROM submissions ORDER BY version")
    assert versions.values.tolist() == [["a", 1], ["b", 2], ["c", 3]]
    latest = wh.latest_accepted(["u1"], 2022)
    assert (latest["sha256"].iloc[0], int(latest["version"].iloc[0])) == ("b", 2)
    district = summed(wh, ["u1"], 2022).set_index("cell_key")
    assert district.loc["s2.admin_license.decisions", "value_int"] == 5


def test_a_crash_mid_load_leaves_the_warehouse_as_it_was(wh: Warehouse, monkeypatch) -> None:
    wh.load_run("r1", "d", 2022, "roster", [submission(lianyun_return(unit_id="u1"), "a")], [])
    before = wh.counts()

    def explode(self, tables):
        raise RuntimeError("power cut while writing cells")

    monkeypatch.setattr(Warehouse, "_insert_cell_table", explode)
    with pytest.raises(RuntimeError, match="power cut"):
        wh.load_run("r2", "d", 2022, "roster", [submission(lianyun_return(unit_id="u2"), "b")], [])
    assert wh.counts() == before
    assert not wh.run_exists("r2")


def test_the_fee_is_stored_and_summed_exactly(wh: Warehouse) -> None:
    a, b = lianyun_return(unit_id="a"), lianyun_return(unit_id="b")
    a.cells[FEE_KEY] = Decimal("0.1")
    b.cells[FEE_KEY] = Decimal("0.2")
    wh.load_run("r", "d", 2022, "roster", [submission(a, "x"), submission(b, "y")], [])
    fee = summed(wh, ["a", "b"], 2022).set_index("cell_key").loc[FEE_KEY, "value_dec"]
    assert isinstance(fee, Decimal) and fee == Decimal("0.3")


def test_missing_cells_are_kept_as_missing_not_zero(wh: Warehouse) -> None:
    ret = lianyun_return(unit_id="u")
    ret.cells["s3.granted.total"] = None
    ret.cells["s3.granted.natural_person"] = "八"
    wh.load_run("r", "d", 2022, "roster", [submission(ret, "x", status="rejected")], [])
    rows = wh.frame(
        "SELECT cell_key, value_int, raw_text FROM cells WHERE cell_key IN ('s3.granted.total', 's3.granted.natural_person') ORDER BY 1"
    )
    assert rows["value_int"].isna().all()
    assert rows["raw_text"].tolist()[0] == "八"


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    Warehouse(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy, match="in use by another nianbao run"):
            Warehouse(path)
    finally:
        holder.kill()
        holder.wait()


unit_values = st.fixed_dictionaries(
    {
        "count": st.integers(min_value=0, max_value=10**9),
        "fee": st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=st.lists(unit_values, min_size=1, max_size=8), seed=st.integers(0, 10**6))
def test_consolidation_equals_independently_computed_sums(tmp_path_factory, units, seed) -> None:
    """Every cell of the SQL consolidation equals a plain-Python sum over the units (fee exact)."""
    rng = random.Random(seed)
    returns = []
    for i, u in enumerate(units):
        cells: dict[str, object] = {k: rng.randint(0, u["count"]) for k in CELL_KEYS}
        cells[FEE_KEY] = u["fee"]
        returns.append(CanonicalReturn(unit_id=f"u{i}", unit_name=f"unit {i}", year=2024, cells=cells))
    path = tmp_path_factory.mktemp("hyp") / "w.duckdb"
    with Warehouse(path) as wh:
        wh.load_run("r", "d", 2024, "roster", [submission(r, f"s{i}") for i, r in enumerate(returns)], [])
        district = summed(wh, [r.unit_id for r in returns], 2024).set_index("cell_key")
    for key in CELL_KEYS:
        expected = sum((r.cells[key] for r in returns), Decimal(0) if key == FEE_KEY else 0)
        got = district.loc[key, "value_dec" if key == FEE_KEY else "value_int"]
        assert got == expected, key


def test_the_fee_and_year_checks_match_the_warehouse_types(tmp_path: Path) -> None:
    """S4 refuses a fee before the load by schemas.cells.FEE_DIGITS/FEE_DECIMALS and judge records a year only
    when it fits INTEGER: those must be the warehouse's own column types, or a load would abort or round."""
    from schemas.cells import FEE_DECIMALS, FEE_DIGITS

    with Warehouse(tmp_path / "w.duckdb") as wh:
        types = dict(
            wh.con.execute(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                "WHERE table_name IN ('cells', 'submissions')"
            ).fetchall()
        )
    assert types["cells.value_dec"] == f"DECIMAL({FEE_DIGITS},{FEE_DECIMALS})"
    assert types["cells.value_int"] == "BIGINT" and types["submissions.year"] == "INTEGER"
