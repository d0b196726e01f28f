"""Same content, same bytes: the department form (``nianbao template``, the demo's units), the canonical JSON and
CSV returns. A clock leaking into a form makes a rewritten form a new version in the warehouse (issue 12, part 5).

Zip entries record their time in 2-second steps and core.xml in seconds, so the repeat tests wait 2.1 s between
the two writes; the structural tests look for the clock directly (entry dates, core.xml, entry modes)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from zipfile import ZipFile

import openpyxl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from intake.csvfile import write_csv_return
from intake.jsonfile import write_json_return
from intake.read import read_submission
from intake.template import write_form
from intake.xlsx_save import save_workbook
from schemas.instants import year_instant


def test_year_instant_is_the_first_of_january_after_the_year() -> None:
    assert year_instant(2024).isoformat() == "2025-01-01T00:00:00"
    assert year_instant(1970).isoformat() == "1980-01-01T00:00:00"  # zip dates cannot be earlier


def test_the_form_bytes_repeat(lianyun, tmp_path: Path) -> None:
    first = write_form(tmp_path / "a.xlsx", lianyun.unit_id, lianyun.unit_name, 2022, lianyun.cells).read_bytes()
    time.sleep(2.1)
    second = write_form(tmp_path / "b.xlsx", lianyun.unit_id, lianyun.unit_name, 2022, lianyun.cells).read_bytes()
    assert first == second
    time.sleep(2.1)
    again = write_form(tmp_path / "a.xlsx", lianyun.unit_id, lianyun.unit_name, 2022, lianyun.cells)  # over itself
    assert again.read_bytes() == first
    other = write_form(tmp_path / "c.xlsx", lianyun.unit_id, lianyun.unit_name, 2023, lianyun.cells)
    assert other.read_bytes() != first  # the comparison can tell two forms apart


def test_the_form_carries_the_years_instant_not_the_clock(lianyun, tmp_path: Path) -> None:
    path = write_form(tmp_path / "f.xlsx", lianyun.unit_id, lianyun.unit_name, 2022, lianyun.cells)
    with ZipFile(path) as z:
        infos = z.infolist()
        core = z.read("docProps/core.xml").decode("utf-8")
    assert {i.date_time for i in infos} == {(2023, 1, 1, 0, 0, 0)}
    assert {i.external_attr for i in infos} == {0o600 << 16}  # not the mode of openpyxl's temporary files
    assert {i.create_system for i in infos} == {3}
    stamps = re.findall(r"<dcterms:(created|modified)[^>]*>([^<]+)<", core)
    assert sorted(stamps) == [("created", "2023-01-01T00:00:00Z"), ("modified", "2023-01-01T00:00:00Z")]
    wb = openpyxl.load_workbook(path)
    assert wb.properties.created == wb.properties.modified == year_instant(2022)
    # and the pinned file is still the form the reader accepts, figures intact
    outcome = read_submission(path)
    assert outcome.failures == [] and outcome.reader == "xlsx-form"
    assert outcome.ret is not None and outcome.ret.cells == lianyun.cells


def test_save_workbook_pins_any_workbook(tmp_path: Path) -> None:
    def book() -> openpyxl.Workbook:
        wb = openpyxl.Workbook()  # its created time is the clock at this moment
        wb.active["A1"] = "x"
        wb.create_sheet("second")["B2"] = 2
        return wb

    first = save_workbook(book(), tmp_path / "a.xlsx", year_instant(2030))
    time.sleep(2.1)
    second = save_workbook(book(), tmp_path / "b.xlsx", year_instant(2030))
    assert first.read_bytes() == second.read_bytes()
    with ZipFile(second) as z:
        assert {i.date_time for i in z.infolist()} == {(2031, 1, 1, 0, 0, 0)}
        assert [i.filename for i in z.infolist()][:2] == ["docProps/app.xml", "docProps/core.xml"]  # openpyxl's order


def test_nianbao_template_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["template", "--unit-id", "320799101", "--unit-name", "示范区发展和改革局", "--year", "2024"]
    first = runner.invoke(app, [*args, "-o", str(tmp_path / "a.xlsx")])
    time.sleep(2.1)
    second = runner.invoke(app, [*args, "-o", str(tmp_path / "b.xlsx")])
    assert first.exit_code == 0 and second.exit_code == 0, (first.output, second.output)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


@pytest.mark.parametrize("writer", [write_json_return, write_csv_return], ids=["json", "csv"])
def test_the_json_and_csv_returns_repeat(lianyun, tmp_path: Path, writer) -> None:
    suffix = ".json" if writer is write_json_return else ".csv"
    first = Path(writer(lianyun, tmp_path / f"a{suffix}"))
    second = Path(writer(lianyun, tmp_path / f"b{suffix}"))
    assert first.read_bytes() == second.read_bytes()
    lianyun.cells["s2.admin_license.decisions"] += 1
    assert Path(writer(lianyun, tmp_path / f"c{suffix}")).read_bytes() != first.read_bytes()
