"""Resubmissions: a corrected return is a new version, every version is kept, and ``warehouse.versions`` /
``nianbao diff`` say which cells changed (old and new value, the fee exact) and which rules each version failed.
Real DuckDB in tmp_path; batches go through pipeline.run.trace (intake_flow_support.run_batch)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from intake_flow_support import YEAR, departments, good_return, office, return_json_bytes, roster_units, run_batch
from typer.testing import CliRunner

from flows.cli import app
from flows.settings import DEFAULT_WAREHOUSE
from sampledata.lianyun import lianyun_cells, sample_report_text
from sampledata.synthetic import break_a3
from schemas.cells import FEE_KEY
from schemas.values import fee_text
from warehouse.store import Warehouse
from warehouse.versions import VersionNotFound, cell_location, diff_versions, versions_of

UNITS = roster_units()
DEPTS = departments(UNITS)
UNIT = DEPTS[0]
GRANTED = "s3.granted.natural_person"


def versions_fixture(tmp_path: Path) -> dict:
    """Three batches for one unit: v1 breaks A3 (and has a long fee); v2 fixes A3 but types text in a count (S3)
    and changes the fee by a millionth of 万元; v3 is right."""
    right = good_return(UNIT)
    v1 = break_a3(right)
    v1.cells[FEE_KEY] = Decimal("123456789012.123456")
    v2 = replace(right, cells={**right.cells, FEE_KEY: Decimal("123456789012.123457"), GRANTED: "五"})
    v3 = right
    other = return_json_bytes(good_return(DEPTS[1]))
    data = [return_json_bytes(v) for v in (v1, v2, v3)]
    batches = [
        run_batch(tmp_path, {"finance.json": data[0], "other.json": other}, UNITS, batch_name="b1"),
        run_batch(tmp_path, {"finance v2.json": data[1], "other.json": other}, UNITS, batch_name="b2"),
        run_batch(tmp_path, {"财政局 更正.json": data[2]}, UNITS, batch_name="b3"),
    ]
    return {"right": right, "v1": v1, "data": data, "batches": batches, "warehouse": tmp_path / "w.duckdb"}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Built once: the tests using it only read the warehouse."""
    return versions_fixture(tmp_path_factory.mktemp("history"))


def test_every_version_is_kept_with_its_cells_and_original_bytes(history) -> None:
    with Warehouse(history["warehouse"], read_only=True) as wh:
        versions = versions_of(wh, UNIT.unit_id, YEAR)
        assert [(v.version, v.file, v.status) for v in versions] == [
            (1, "finance.json", "rejected"),
            (2, "finance v2.json", "rejected"),
            (3, "财政局 更正.json", "accepted"),
        ]
        for v, data in zip(versions, history["data"]):
            assert (
                Path(wh.scalar("SELECT stored_path FROM submissions WHERE sha256 = ?", [v.sha256])).read_bytes() == data
            )
            assert wh.scalar("SELECT count(*) FROM cells WHERE sha256 = ?", [v.sha256]) == 200
        # the other unit sent the same bytes twice: still one version
        assert [v.version for v in versions_of(wh, DEPTS[1].unit_id, YEAR)] == [1]
        # consolidation uses the latest accepted version
        latest = wh.latest_accepted([UNIT.unit_id], YEAR)
        assert int(latest["version"].iloc[0]) == 3


def test_default_diff_is_previous_to_latest(history) -> None:
    with Warehouse(history["warehouse"], read_only=True) as wh:
        diff = diff_versions(wh, UNIT.unit_id, YEAR)
    assert (diff.old.version, diff.new.version) == (2, 3)
    right = history["right"]
    assert [(c.cell, c.old, c.new) for c in diff.changes] == [
        (FEE_KEY, Decimal("123456789012.123457"), right.cells[FEE_KEY]),
        (GRANTED, "五", right.cells[GRANTED]),  # the text as it was read, then the number
    ]
    assert [(f.rule, f.cell) for f in diff.old.blocking] == [("S3", GRANTED)]
    assert diff.new.blocking == ()


def test_diff_lists_every_changed_cell_with_old_and_new_values_in_official_order(history) -> None:
    right, v1 = history["right"], history["v1"]
    with Warehouse(history["warehouse"], read_only=True) as wh:
        diff = diff_versions(wh, UNIT.unit_id, YEAR, from_version=1, to_version=2)
    changed = {c.cell: (c.old, c.new) for c in diff.changes}
    assert changed == {
        FEE_KEY: (Decimal("123456789012.123456"), Decimal("123456789012.123457")),  # a millionth of 万元 apart
        "s3.new_received.natural_person": (
            v1.cells["s3.new_received.natural_person"],
            right.cells["s3.new_received.natural_person"],
        ),
        "s3.new_received.total": (v1.cells["s3.new_received.total"], right.cells["s3.new_received.total"]),
        GRANTED: (right.cells[GRANTED], "五"),
    }
    assert next(c.cell for c in diff.changes) == FEE_KEY  # 二 comes before 三
    # the rules each version failed, joined on the run that first received it
    assert [(f.rule, f.cell) for f in diff.old.blocking] == [
        ("A3", "s3.carried_out.natural_person"),
        ("A3", "s3.carried_out.total"),
    ]
    assert ("S4W", FEE_KEY) in {(f.rule, f.cell) for f in diff.old.findings}  # SOFT findings are listed too
    assert [(f.rule, f.cell, f.actual) for f in diff.new.blocking] == [("S3", GRANTED, "五")]
    assert diff.old.status == diff.new.status == "rejected"


def test_a_reverse_diff_swaps_old_and_new(history) -> None:
    with Warehouse(history["warehouse"], read_only=True) as wh:
        forward = diff_versions(wh, UNIT.unit_id, YEAR, 1, 3)
        backward = diff_versions(wh, UNIT.unit_id, YEAR, 3, 1)
    assert [(c.cell, c.new, c.old) for c in backward.changes] == [(c.cell, c.old, c.new) for c in forward.changes]


def test_blank_cells_are_none_never_zero(tmp_path: Path) -> None:
    right = good_return(UNIT)
    blank = replace(right, cells={**right.cells, "s4.review.upheld": None})
    run_batch(tmp_path, {"a.json": return_json_bytes(blank)}, UNITS, batch_name="b1")
    run_batch(tmp_path, {"a.json": return_json_bytes(right)}, UNITS, batch_name="b2")
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        diff = diff_versions(wh, UNIT.unit_id, YEAR)
    assert [(c.cell, c.old, c.new) for c in diff.changes] == [
        ("s4.review.upheld", None, right.cells["s4.review.upheld"])
    ]
    assert ("S2", "s4.review.upheld") in {(f.rule, f.cell) for f in diff.old.findings}


def test_a_published_report_then_a_form_keeps_both_readers(tmp_path: Path) -> None:
    unit = office(UNITS)
    run_batch(tmp_path, {"连云区.txt": sample_report_text().encode("utf-8")}, UNITS, batch_name="b1")
    corrected = dict(lianyun_cells())
    corrected[FEE_KEY] = Decimal("0.5")
    ret = replace(good_return(unit), cells=corrected, narrative={})
    run_batch(tmp_path, {"office.json": return_json_bytes(ret)}, UNITS, batch_name="b2")
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        diff = diff_versions(wh, unit.unit_id, YEAR)
    assert (diff.old.reader, diff.new.reader) == ("published-text", "json")
    assert [(c.cell, c.new) for c in diff.changes] == [(FEE_KEY, Decimal("0.5"))]


def test_only_one_version_has_nothing_to_compare(tmp_path: Path) -> None:
    run_batch(tmp_path, {"a.json": return_json_bytes(good_return(UNIT))}, UNITS)
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        diff = diff_versions(wh, UNIT.unit_id, YEAR)
    assert diff.old is None and diff.new.version == 1 and diff.changes == []


def test_unknown_unit_year_or_version_say_what_exists(history) -> None:
    with Warehouse(history["warehouse"], read_only=True) as wh:
        with pytest.raises(VersionNotFound, match=r"no return for 2030 .* it has returns for 2022"):
            diff_versions(wh, UNIT.unit_id, 2030)
        with pytest.raises(
            VersionNotFound, match=r"no version 9 for 2022 \(--to\); its versions for 2022 are: 1, 2, 3"
        ):
            diff_versions(wh, UNIT.unit_id, YEAR, to_version=9)
        with pytest.raises(VersionNotFound, match=r"no version 0 for 2022 \(--from\)"):
            diff_versions(wh, UNIT.unit_id, YEAR, from_version=0)
        with pytest.raises(VersionNotFound, match=r"No return from unit nobody .*no roster"):
            diff_versions(wh, "nobody", YEAR)
        with pytest.raises(VersionNotFound, match=r"on a roster but has sent nothing"):
            diff_versions(wh, DEPTS[3].unit_id, YEAR)


def test_cell_location_names_section_row_and_column() -> None:
    assert cell_location(GRANTED) == "三 · （一）予以公开 · 自然人"
    assert cell_location(FEE_KEY).startswith("二 · ") and cell_location(FEE_KEY).endswith("本年收费金额（单位：万元）")


# --- the command line ---------------------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def test_cli_diff_shows_changed_cells_and_failed_rules(history) -> None:
    result = invoke(
        "--unit",
        UNIT.unit_id,
        "--year",
        str(YEAR),
        "--from",
        "1",
        "--to",
        "2",
        "--warehouse",
        str(history["warehouse"]),
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "4 cell(s) changed from v1 to v2" in out
    assert "123456789012.123456" in out and "123456789012.123457" in out
    assert "'五'" in out  # text that was not a number is shown quoted
    assert "v1 failed" in out and "A3 HARD s3.carried_out.natural_person expected 1 found 0" in out
    assert "v2 failed" in out and "S3 HARD s3.granted.natural_person" in out


def test_cli_diff_json_for_tools(history) -> None:
    result = invoke(
        "--unit", UNIT.unit_id, "--year", str(YEAR), "--from", "1", "--warehouse", str(history["warehouse"]), "--json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["from"]["version"], doc["to"]["version"]) == (1, 3)
    assert [v["version"] for v in doc["versions"]] == [1, 2, 3]
    changes = {c["cell"]: c for c in doc["changes"]}
    assert changes[FEE_KEY]["old"] == "123456789012.123456"  # exact text, not a float
    assert changes[FEE_KEY]["new"] == fee_text(history["right"].cells[FEE_KEY])
    assert changes["s3.new_received.total"]["old"] == history["v1"].cells["s3.new_received.total"]  # an int
    assert changes["s3.new_received.total"]["location"] == "三 · 一、本年新收政府信息公开申请数量 · 总计"
    assert GRANTED not in changes  # v1 and v3 agree there
    assert ("A3", "s3.carried_out.total") in [(f["rule"], f["cell"]) for f in doc["from"]["failures"]]
    assert all(f["severity"] == "SOFT" for f in doc["to"]["failures"])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--year", "2030"), "no return for 2030"),
        (("--year", str(YEAR), "--to", "4"), "no version 4"),
        (("--year", str(YEAR), "--from", "7"), "no version 7"),
    ],
)
def test_cli_diff_exits_1_when_it_does_not_exist(history, args, says) -> None:
    result = invoke("--unit", UNIT.unit_id, *args, "--warehouse", str(history["warehouse"]))
    assert result.exit_code == 1
    assert says in " ".join(result.output.split())


def test_cli_diff_unknown_unit_and_missing_warehouse(tmp_path: Path, history) -> None:
    result = invoke("--unit", "nobody", "--year", str(YEAR), "--warehouse", str(history["warehouse"]))
    assert result.exit_code == 1 and "No return from unit nobody" in " ".join(result.output.split())
    result = invoke("--unit", UNIT.unit_id, "--year", str(YEAR), "--warehouse", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 1 and "No warehouse at" in result.output


def test_cli_diff_uses_the_default_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_batch(
        tmp_path, {"a.json": return_json_bytes(good_return(UNIT))}, UNITS, warehouse_path=tmp_path / DEFAULT_WAREHOUSE
    )
    result = invoke("--unit", UNIT.unit_id, "--year", str(YEAR))
    assert result.exit_code == 0, result.output
    assert "Only version 1" in result.output
