"""Unit names, narrative text and reasons that look like HTML, spreadsheet formulas or carry control characters are
shown as text in audit.html, report.html and report.xlsx (and in the audit CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from audit.report import visible
from audit.waivers import waive
from flows.cli import app
from publish.model import DistrictReport, UnitFigures
from publish.render import render_html, render_xlsx
from sampledata.lianyun import lianyun_cells
from schemas.cells import S3_COL_KEYS, s3
from tests.audit.conftest import DISTRICT, returns_for, roll_forward, run_pipeline, write_returns
from warehouse.store import Warehouse

HTML = "<script>alert(1)</script>局"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
PLUS, MINUS, AT = "+1+1 街道", "-2+3 镇", "@SUM(A1:A9)"
CONTROL = "财政\x07局\u202e反向"
HOSTILE = ((("U1", HTML, "office")), ("U2", FORMULA, "department"), ("U3", CONTROL, "township"))


def write_hostile_roster(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_id", "unit_name", "kind", "parent_id"])
        w.writerow([DISTRICT, "示范区", "district", ""])
        for unit_id, name, kind in HOSTILE:
            w.writerow([unit_id, name, kind, DISTRICT])
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    """A published 2023 and a 2024 run blocked by Y1 on U2, whose waiver reason is itself hostile (built once)."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    roster = write_hostile_roster(tmp_path / "roster.csv")
    last = returns_for(2023)
    first = run_pipeline(tmp_path, 2023, write_returns(tmp_path / "s23", last), roster)
    now = [roll_forward(a, b) for a, b in zip(last, returns_for(2024))]
    for row in ("carried_in", "granted", "total_processed"):
        for col in ("natural_person", "total"):
            now[1].cells[s3(row, col)] += 1
    subs = write_returns(tmp_path / "s24", now)
    run_pipeline(tmp_path, 2024, subs, roster)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        waive(wh, "Y1", "U2", 2024, "<img src=x onerror=alert(2)>" + FORMULA + "\x1b[31m", "=cmd|' /C calc'!A0")
    second = run_pipeline(tmp_path, 2024, subs, roster)
    return {"tmp": tmp_path, "first": first, "second": second}


def test_audit_html_shows_hostile_text_as_text(hostile) -> None:
    top = hostile["second"].audit.read_text(encoding="utf-8")
    assert "<script>alert" not in top and "<img src=x" not in top
    assert "\x07" not in top and "\x1b" not in top and "\u202e" not in top
    assert top.count("<script>") == 1  # the page's own search script, nothing from the data
    page = hostile["second"].district_page.read_text(encoding="utf-8")  # the units' names, the waiver's reason
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;局" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "\x07" not in page and "\x1b" not in page and "\u202e" not in page  # control characters made visible
    assert "财政\\x07局\\u202e反向" in page and "\\x1b[31m" in page
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;点我&#34;)" in page  # a formula is just text in HTML


def test_visible_escapes_markup_and_control_characters() -> None:
    assert str(visible("<b>\x00\t\n</b>")) == "&lt;b&gt;\\x00\t\n&lt;/b&gt;"
    assert str(visible(None)) == ""


def test_report_html_escapes_unit_names(hostile) -> None:
    html = (hostile["first"].folder / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;局" in html


def test_report_html_escapes_narrative_text() -> None:
    cells = lianyun_cells()
    units = [UnitFigures("U1", HTML, "office", "accepted", 1, "a" * 64, cells)]
    report = DistrictReport(
        DISTRICT,
        "示范区",
        2022,
        cells,
        units,
        narrative={"overview": HTML + " " + FORMULA, "problems": "无", "other": "<i>x</i>"},
    )
    html = render_html(report)
    assert "<script>alert" not in html and "<i>x</i>" not in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html


def test_report_html_makes_control_characters_visible(hostile) -> None:
    html = (hostile["first"].folder / "report.html").read_text(encoding="utf-8")
    assert "\x07" not in html and "\u202e" not in html


def test_report_xlsx_stores_formula_like_names_as_text(hostile) -> None:
    wb = openpyxl.load_workbook(hostile["first"].folder / "report.xlsx")
    texts = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts[cell.value] = cell.data_type
    assert texts.get(FORMULA) == "s"
    assert texts.get(HTML) == "s"
    assert not any("\x07" in t for t in texts)  # XLSX cannot store C0 control characters: publish drops them


def test_report_xlsx_shows_bidi_overrides_as_text(hostile) -> None:
    wb = openpyxl.load_workbook(hostile["first"].folder / "report.xlsx")
    assert not any(
        isinstance(c.value, str) and "\u202e" in c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
    )


def test_report_xlsx_with_plus_minus_at_names(tmp_path: Path) -> None:
    cells = lianyun_cells()
    units = [
        UnitFigures(f"U{i}", name, "department", "accepted", 1, "a" * 64, cells)
        for i, name in enumerate((PLUS, MINUS, AT, FORMULA))
    ]
    report = DistrictReport(DISTRICT, "示范区", 2022, {k: v * 4 for k, v in cells.items()}, units)
    render_xlsx(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    found = {
        c.value: c.data_type
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value in (PLUS, MINUS, AT, FORMULA)
    }
    assert found == {PLUS: "s", MINUS: "s", AT: "s", FORMULA: "s"}


def test_audit_csv_neutralises_formulas(hostile) -> None:
    out = CliRunner().invoke(
        app,
        [
            "audit",
            "--district",
            DISTRICT,
            "--year",
            "2024",
            "--format",
            "csv",
            "--warehouse",
            str(hostile["tmp"] / "w.duckdb"),
        ],
    )
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    names = {r["unit_name"] for r in rows if r["record"] == "unit"}
    assert "'" + FORMULA in names and FORMULA not in names
    (w,) = [r for r in rows if r["record"] == "waiver"]
    assert w["by"] == "'=cmd|' /C calc'!A0"
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v)


def test_units_with_s3_columns_still_balance() -> None:  # guards the fixture itself
    r = roll_forward(returns_for(2023)[0], returns_for(2024)[0])
    for col in S3_COL_KEYS:
        assert r.cells[s3("new_received", col)] + r.cells[s3("carried_in", col)] == (
            r.cells[s3("total_processed", col)] + r.cells[s3("carried_out", col)]
        )
