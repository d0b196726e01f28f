"""A published report (text, HTML or Word) dropped in the submissions folder goes through the same steps as a form:
read, matched to its roster unit by exact name, validated, loaded, consolidated and published, and the manifest
records which reader produced each unit's return. Plain ``pipeline.run`` (no Prefect), real DuckDB and GX."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from intake_flow_support import (
    LIANYUN_NAME,
    YEAR,
    csv_bytes,
    departments,
    good_return,
    office,
    return_json_bytes,
    roster_units,
    run_batch,
)

from intake.template import write_form
from sampledata.lianyun import lianyun_cells, sample_report_text
from schemas.cells import CELL_KEYS, FEE_KEY

PUBLISHED_FIXTURES = Path(__file__).resolve().parents[1] / "published" / "fixtures"
sys.path.insert(0, str(PUBLISHED_FIXTURES.parent))
from docx_fixture_builder import build_docx, unit_report

UNITS = roster_units()
DEPTS = departments(UNITS)
OFFICE = office(UNITS)


def department_files(tmp_path: Path) -> dict[str, bytes]:
    """The four departments' returns in the three other formats: JSON, JSON, XLSX form, CSV."""
    rets = [good_return(d) for d in DEPTS]
    form = write_form(tmp_path / "forms" / "form.xlsx", rets[2].unit_id, rets[2].unit_name, YEAR, rets[2].cells)
    return {
        f"{rets[0].unit_id}.json": return_json_bytes(rets[0]),
        f"{rets[1].unit_id}.json": return_json_bytes(rets[1]),
        "部门/财政局.xlsx": form.read_bytes(),
        "部门/人社局.csv": csv_bytes(rets[3]),
    }


PUBLISHED = {
    "published-text": ("连云区 2022 年报.txt", lambda: sample_report_text().encode("utf-8")),
    "published-html": (
        "连云区年报页面.html",
        lambda: (PUBLISHED_FIXTURES / "ok_html_traditional_gb18030.html").read_bytes(),
    ),
    # a Word report of 连云区's figures, its matrix in a layout table, labels wrapped, enumerators numbered by Word
    "published-docx": (
        "连云区 2022 年报.docx",
        lambda: build_docx("nested", True, True, report=unit_report(LIANYUN_NAME, lianyun_cells())),
    ),
}


@pytest.mark.parametrize("reader", sorted(PUBLISHED))
def test_a_published_report_is_consolidated_like_a_form(tmp_path: Path, reader: str) -> None:
    name, make = PUBLISHED[reader]
    files = {**department_files(tmp_path), name: make()}
    batch = run_batch(tmp_path, files, UNITS, until="end")
    blocking = [(f.file, f.rule, f.cell) for _, f in batch.judged.failures if f.blocking]
    assert blocking == []
    row = batch.submissions[batch.submissions["original_name"] == name].iloc[0]
    assert (row["unit_id"], row["reader"], row["status"]) == (OFFICE.unit_id, reader, "accepted")

    assert batch.trace is not None and batch.trace.result is not None
    result = batch.trace.result
    assert result.published, [o.name for o in result.checkpoint.outcomes if not o.success]
    assert result.folder is not None
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    readers = {u["unit_id"]: (u["reader"], u["file"]) for u in manifest["units"]}
    assert readers == {
        OFFICE.unit_id: (reader, name),
        DEPTS[0].unit_id: ("json", f"{DEPTS[0].unit_id}.json"),
        DEPTS[1].unit_id: ("json", f"{DEPTS[1].unit_id}.json"),
        DEPTS[2].unit_id: ("xlsx-form", "部门/财政局.xlsx"),
        DEPTS[3].unit_id: ("csv", "部门/人社局.csv"),
    }
    # the district report is the exact sum: the published figures of 连云区 plus the departments' returns
    report = json.loads((result.folder / "report.json").read_text(encoding="utf-8"))
    parts = [lianyun_cells()] + [good_return(d).cells for d in DEPTS]
    for key in CELL_KEYS:
        if key == FEE_KEY:
            assert Decimal(report["cells"][key]) == sum((Decimal(p[key]) for p in parts), Decimal(0)), key
        else:
            assert report["cells"][key] == sum(p[key] for p in parts), key


def test_the_unit_is_found_by_exact_name_only(tmp_path: Path) -> None:
    """A near name (办公室 added) is not guessed: the report stays unplaced (I2) and the unit is missing."""
    units = [replace(u, unit_name=LIANYUN_NAME + "办公室") if u.kind == "office" else u for u in UNITS]
    data = sample_report_text().encode("utf-8")
    batch = run_batch(tmp_path, {"年报.txt": data}, units)
    [failure] = batch.failures(file="年报.txt", rule="I2")
    assert failure.actual == "(none)"
    assert batch.status("年报.txt") == "rejected"


def test_two_roster_units_with_the_report_s_name_are_ambiguous(tmp_path: Path) -> None:
    units = [replace(u, unit_name=LIANYUN_NAME) if u.unit_id == DEPTS[0].unit_id else u for u in UNITS]
    batch = run_batch(tmp_path, {"年报.txt": sample_report_text().encode("utf-8")}, units)
    assert [f.rule for f in batch.failures(file="年报.txt") if f.blocking] == ["I2"]


def test_a_published_report_whose_narrative_contradicts_its_table_is_rejected(tmp_path: Path) -> None:
    text = sample_report_text()
    quoted = "新受理政府信息公開申請16件"  # the table says 16 new requests
    assert text.count(quoted) == 1
    data = text.replace(quoted, "新受理政府信息公開申請61件").encode("utf-8")
    batch = run_batch(tmp_path, {"连云区.txt": data}, UNITS)
    [failure] = [f for f in batch.failures(file="连云区.txt", rule="X1")]
    assert "61" in (failure.actual + failure.detail)
    assert batch.status("连云区.txt") == "rejected"
