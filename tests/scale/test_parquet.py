"""Many returns in one Parquet file: exact round trip, one submission per row, refusals, and the pipeline's names."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from intake.jsonfile import read_json
from intake.parquet import read_table, row_digests, write_returns_parquet
from intake.read import read_submissions
from intake.roster import read_roster
from pipeline.collect import collect
from pipeline.judge import judge
from pipeline.read import read_checked
from sampledata.roster import district_roster, write_roster_csv
from sampledata.synthetic import returns_for, write_returns_json
from schemas.cells import FEE_KEY

DISTRICT = "320799"


def district(n_departments: int = 6):
    roster = district_roster(DISTRICT, "示范区", n_departments=n_departments, n_townships=2)
    return roster, returns_for(roster, 2024, seed=5)


def test_each_row_reads_back_exactly_as_its_canonical_json(tmp_path: Path) -> None:
    _, returns = district()
    returns[0].cells[FEE_KEY] = Decimal("746.844")
    path = write_returns_parquet(returns, tmp_path / "returns.parquet")
    json_paths = write_returns_json(returns, tmp_path / "json")
    outcomes = read_submissions([path])
    assert [o.original_name for o in outcomes] == [f"returns.parquet#{i}" for i in range(1, len(returns) + 1)]
    assert all(o.reader == "parquet" and not o.failures for o in outcomes)
    for outcome, json_path in zip(outcomes, json_paths):
        assert outcome.ret == read_json(json_path.read_bytes())
    assert outcomes[0].ret.cells[FEE_KEY] == Decimal("746.844")
    assert len({o.sha256 for o in outcomes}) == len(returns)
    assert {o.container_sha256 for o in outcomes} == {outcomes[0].container_sha256}


def test_a_changed_row_changes_only_its_own_digest(tmp_path: Path) -> None:
    _, returns = district()
    first = row_digests(read_table(write_returns_parquet(returns, tmp_path / "a.parquet")))
    changed = list(returns)
    cells = dict(changed[2].cells)
    cells["s2.normative_docs.in_force"] += 1
    changed[2] = replace(changed[2], cells=cells)
    second = row_digests(read_table(write_returns_parquet(changed, tmp_path / "b.parquet")))
    assert [a == b for a, b in zip(first, second)] == [i != 2 for i in range(len(returns))]


def test_a_float_count_column_is_another_layout(tmp_path: Path) -> None:
    _, returns = district()
    table = read_table(write_returns_parquet(returns, tmp_path / "good.parquet"))
    column = "s3.new_received.natural_person"
    bad = table.set_column(table.schema.get_field_index(column), column, table.column(column).cast(pa.float64()))
    pq.write_table(bad, tmp_path / "bad.parquet")
    [outcome] = read_submissions([tmp_path / "bad.parquet"])
    assert outcome.ret is None
    assert [f.rule for f in outcome.failures] == ["S1"]
    assert column in outcome.failures[0].detail


def test_not_parquet_at_all_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "returns.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    [outcome] = read_submissions([path])
    assert outcome.ret is None and [f.rule for f in outcome.failures] == ["I1"]


def test_judge_names_the_row_and_blank_cells_stay_missing(tmp_path: Path) -> None:
    roster, returns = district()
    cells = dict(returns[1].cells)
    cells["s3.carried_in.total"] = None  # blank, never 0
    returns[1] = replace(returns[1], cells=cells)
    subs = tmp_path / "subs"
    write_returns_parquet(returns, subs / "all.parquet")
    roster_file = read_roster(write_roster_csv(roster, tmp_path / "roster.csv"), DISTRICT)
    judged = judge(read_checked(collect(subs)), roster_file, DISTRICT, 2024, subs)
    bad = [f for _, f in judged.failures if f.rule == "S2"]
    assert [(f.file, f.unit_id, f.cell) for f in bad] == [("all.parquet#2", returns[1].unit_id, "s3.carried_in.total")]
    assert [s.original_name for s in judged.rejected] == ["all.parquet#2"]
    assert len(judged.accepted) == len(returns) - 1


def test_column_wise_reading_equals_reading_each_row_with_from_raw_cells(tmp_path: Path) -> None:
    """returns_from_table builds the cells column-wise; every value must be what from_raw_cells gives row by row,
    including missing counts (nulls), a fee given as text with a unit, extra columns and narratives."""
    from intake.parquet import returns_from_table
    from schemas.cells import CELL_KEYS
    from schemas.returns import from_raw_cells
    from schemas.values import fee_text

    _, returns = district(4)
    table = read_table(write_returns_parquet(returns, tmp_path / "r.parquet"))
    some_count = CELL_KEYS[3]
    counts = table.column(some_count).to_pylist()
    counts[1] = None  # a missing cell: that column is no longer int64 end to end
    table = table.set_column(table.column_names.index(some_count), some_count, pa.array(counts, pa.int64()))
    fees = [fee_text(v) if v is not None else None for v in table.column(FEE_KEY).to_pylist()]
    fees[0], fees[2] = "7468440元", None  # text with a unit (converted, with a note), and a missing fee
    table = table.set_column(table.column_names.index(FEE_KEY), FEE_KEY, pa.array(fees, pa.string()))
    table = table.append_column("remark", pa.array(["x"] * table.num_rows))

    got = returns_from_table(table)
    rows = table.to_pylist()
    for ret, row in zip(got, rows, strict=True):
        narrative = {
            k.removeprefix("narrative."): v.strip() for k, v in row.items() if k.startswith("narrative.") and v
        }
        expected = from_raw_cells(
            row["unit_id"], row["unit_name"], row["year"], {k: row[k] for k in CELL_KEYS}, narrative
        )
        assert dict(ret.cells) == expected.cells
        assert [type(ret.cells[k]) for k in CELL_KEYS] == [type(expected.cells[k]) for k in CELL_KEYS]
        assert (ret.unit_id, ret.unit_name, ret.year, ret.narrative, ret.notes) == (
            expected.unit_id,
            expected.unit_name,
            expected.year,
            expected.narrative,
            expected.notes,
        )
        assert ret.extra_keys == ("remark",)
    assert got[1].cells[some_count] is None and got[0].notes[FEE_KEY] and got[2].cells[FEE_KEY] is None
