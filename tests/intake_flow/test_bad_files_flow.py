"""Bad files through the whole intake: collect → read → judge → cross-year → keep → load, into a real DuckDB
warehouse (no Prefect).

All the bad files go into ONE batch beside two good returns, as they would arrive in a real submissions folder
(each readable bad file comes from its own roster unit, so they do not trip the one-return-per-unit rule I3 on
each other). The batch is run once for the module; each test then checks one file:
- the failure record names the file, the rule and (where there is one) the cell;
- the original bytes are kept byte for byte under ``<warehouse>.files/originals/<aa>/<sha256>``;
- a rejected file also has a quarantine copy with a ``.reason.txt`` naming the rule;
- the good units in the same batch are accepted (status in the ``submissions`` table).
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from intake_flow_support import (
    DISTRICT,
    LIANYUN_NAME,
    YEAR,
    Batch,
    csv_bytes,
    failure_summary,
    good_return,
    return_json_bytes,
    run_batch,
)

from intake.layout import META_SHEET
from intake.read import MAX_FILE_BYTES
from intake.roster import RosterError, read_roster
from intake.template import write_form
from intake.xlsx import MAX_UNCOMPRESSED_BYTES
from pipeline.audit_report import run_folder, write_audit_report
from pipeline.check import check
from pipeline.publish import publish_all
from publish.errors import PublishError
from sampledata.lianyun import sample_report_text
from sampledata.roster import district_roster
from schemas.cells import FEE_KEY
from schemas.failures import make
from schemas.roster import RosterUnit
from warehouse.archive import quarantine, safe_name
from warehouse.evidence import waivers_for_year
from warehouse.store import Warehouse

PUBLISHED_FIXTURES = Path(__file__).resolve().parents[1] / "published" / "fixtures"
REPO = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
COUNT_CELL = "s3.granted.natural_person"

UNITS = [
    replace(u, unit_name=LIANYUN_NAME) if u.kind == "office" else u
    for u in district_roster(DISTRICT, "示范区", n_departments=100, n_townships=0)
]
OFFICE = UNITS[1]
GOOD_UNITS = UNITS[2:4]
GOOD = {f"good-{u.unit_id}.json": return_json_bytes(good_return(u)) for u in GOOD_UNITS}


def summed(wh: Warehouse, unit_ids: list[str], year: int):
    """One node's report over these units (the consolidation statement, sql/consolidate_nodes.sql)."""
    return wh.consolidate_nodes(["n"], ["n"] * len(unit_ids), list(unit_ids), year).drop(columns=["node_id"])


@dataclass(frozen=True)
class Case:
    name: str  # the file's name in the batch (its path inside the submissions folder)
    data: bytes
    unit: RosterUnit | None = None  # the roster unit it is about, when there is one
    shown: str = ""  # how the failure names it, when not as ``name`` (a name that is not UTF-8 is shown escaped)

    @property
    def label(self) -> str:
        return self.shown or self.name


# --- building the bad files ---------------------------------------------------------------------------------------


def form_bytes(folder: Path, unit: RosterUnit, cells: dict | None = None) -> bytes:
    """A filled-in XLSX form for ``unit`` (its good figures unless ``cells`` overrides some)."""
    values = {**good_return(unit).cells, **(cells or {})}
    return write_form(folder / f"{unit.unit_id}.xlsx", unit.unit_id, unit.unit_name, YEAR, values).read_bytes()


def corrupt(form: bytes) -> bytes:
    data = bytearray(form)
    info = next(i for i in zipfile.ZipFile(io.BytesIO(form)).infolist() if i.filename.endswith("sheet1.xml"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + 60):  # scramble the compressed sheet
        data[i] ^= 0x5A
    return bytes(data)


HUGE_DECLARED = 0xFFFF_FF00  # 4 GiB less a little: the most a ZIP32 directory can declare


def zip_bomb() -> bytes:
    """A ~1 KB archive whose directory says its sheet expands to ~4 GB: must be refused from the directory alone."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (1 << 20))
    data = bytearray(buffer.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, HUGE_DECLARED)  # local header: uncompressed size
    central = -1
    while True:  # the sheet's entry in the central directory
        central = data.index(b"PK\x01\x02", central + 1)
        (name_length,) = struct.unpack_from("<H", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == info.filename.encode():
            break
    struct.pack_into("<I", data, central + 24, HUGE_DECLARED)  # central directory: uncompressed size
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(info.filename).file_size == HUGE_DECLARED
    return bytes(data)


def other_template_version(folder: Path, unit: RosterUnit) -> bytes:
    path = folder / "other-version.xlsx"
    path.write_bytes(form_bytes(folder, unit))
    wb = openpyxl.load_workbook(path)
    wb[META_SHEET]["B1"] = "nianbao.form/2019"
    wb.save(path)
    return path.read_bytes()


def not_our_form() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "政府信息公开情况统计表"
    wb.active["B2"] = 15
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def json_missing_cells(unit: RosterUnit) -> bytes:
    doc = good_return(unit).to_json()
    del doc["cells"]["s4.review.upheld"]
    doc["cells"]["s3.carried_in.legal_other"] = None  # null is missing too, never 0
    return json.dumps(doc, ensure_ascii=False).encode()


def changed(unit: RosterUnit, **changes):
    ret = good_return(unit)
    return replace(ret, cells={**ret.cells, **changes})


def with_cells(unit: RosterUnit, **changes) -> bytes:
    ret = good_return(unit)
    return return_json_bytes(replace(ret, cells={**ret.cells, **changes}))


def doc_bytes(unit: RosterUnit, cells: dict | None = None, **top) -> bytes:
    """The unit's good return as canonical JSON with some cells or top-level keys changed, written with
    ``ensure_ascii`` so that a lone surrogate travels as the escape ``\\ud83d`` a broken encoder writes."""
    doc = good_return(unit).to_json()
    doc["cells"].update(cells or {})
    doc.update(top)
    return json.dumps(doc).encode("ascii")


def raw_fee_json(unit: RosterUnit, number: str) -> bytes:
    """The fee as a bare JSON number (not a string): ``1e30``, ``1.0000005``."""
    text = doc_bytes(unit, {FEE_KEY: "@FEE@"}).decode()
    return text.replace('"@FEE@"', number).encode()


def gbk_name(text: str) -> str:
    """``text`` as the GBK bytes unzipping a Windows ZIP leaves, in the str Python makes of such a name."""
    return text.encode("gbk").decode("utf-8", "surrogateescape")


def shown_escaped(name: str) -> str:
    """How a name that is not UTF-8 is shown: its bytes that are not UTF-8 as ``\\xb2``, the rest as text."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


SURROGATE = "\ud83d"  # the first half of 😀 alone
LOW_SURROGATE = "\ude00"
MAX_STORABLE_FEE = "999999999999.999999"  # DECIMAL(18,6) at its fullest


def build_cases(folder: Path) -> dict[str, Case]:
    """Every bad file of the batch, keyed by case id; each readable one from a unit of its own."""
    units = iter(UNITS[4:])
    cases: dict[str, Case] = {}

    def add(case_id: str, name: str, make_bytes, with_unit: bool = True) -> None:
        unit = next(units) if with_unit else None
        cases[case_id] = Case(name, make_bytes(unit) if with_unit else make_bytes(), unit)

    form = form_bytes(folder, UNITS[-1])
    add("empty", "empty.xlsx", lambda: b"", with_unit=False)
    add("png", "scan.xlsx", lambda: PNG, with_unit=False)
    add("corrupt", "corrupt.xlsx", lambda: corrupt(form), with_unit=False)
    add("truncated", "cut.xlsx", lambda: form[: len(form) * 2 // 3], with_unit=False)
    add("bomb", "bomb.xlsx", zip_bomb, with_unit=False)
    add("version", "旧版 表格.xlsx", lambda u: other_template_version(folder, u))
    add("not-form", "own-table.xlsx", not_our_form, with_unit=False)
    add("text-count", "08-non-numeric.xlsx", lambda u: form_bytes(folder, u, {COUNT_CELL: "五"}))
    add("negative", "09-negative.xlsx", lambda u: form_bytes(folder, u, {COUNT_CELL: -3}))
    add("fraction", "10-fractional.xlsx", lambda u: form_bytes(folder, u, {COUNT_CELL: 2.5}))
    add("fee-yuan", "11-fee-in-yuan.xlsx", lambda u: form_bytes(folder, u, {FEE_KEY: "375300元"}))
    add("fee-yi", "12-fee-in-yi-yuan.xlsx", lambda u: form_bytes(folder, u, {FEE_KEY: "0.003753亿元"}))
    add("fee-wan", "13-fee-wan.xlsx", lambda u: form_bytes(folder, u, {FEE_KEY: "37.53万元"}))
    add("fee-negative", "neg-fee.json", lambda u: with_cells(u, **{FEE_KEY: Decimal("-1.5")}))
    add("missing", "missing.json", json_missing_cells)
    add("dup-key", "dup-key.csv", lambda u: csv_bytes(good_return(u), extra_rows=[("s3.granted.total", "0")]))
    add("wide-csv", "wide.csv", lambda: "单位,自然人,商业企业\n新收申请,3,1\n".encode(), with_unit=False)
    add("gbk", "财政局 GBK.csv", lambda u: csv_bytes(good_return(u), encoding="gbk"))
    add("bad-json", "broken.json", lambda: b'{"format": "nianbao.return/1", "cells": {', with_unit=False)
    add("photo", "report.pdf", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64, with_unit=False)  # a photo
    twice = next(units)
    first = good_return(twice)
    cases["twice-a"] = Case("a/finance.json", return_json_bytes(first), twice)
    cases["twice-b"] = Case("b/finance-corrected.json", with_cells(twice, **{FEE_KEY: Decimal("1.25")}), twice)
    stranger = next(units)
    cases["stranger"] = Case(
        "stranger.json", return_json_bytes(replace(good_return(stranger), unit_id="999999999", unit_name="外区某局"))
    )
    cases["district"] = Case(
        "district.json",
        return_json_bytes(replace(good_return(stranger), unit_id=UNITS[0].unit_id, unit_name=UNITS[0].unit_name)),
    )
    add("last-year", "last-year.json", lambda u: return_json_bytes(good_return(u, YEAR - 1)))
    add(
        "trial-2019",
        "2019年报.html",
        lambda: (PUBLISHED_FIXTURES / "old_2019_trial_traditional.html").read_bytes(),
        with_unit=False,
    )
    add(
        "unplaceable",
        "年报 缺行.txt",
        lambda: (PUBLISHED_FIXTURES / "bad_missing_row.txt").read_bytes(),
        with_unit=False,
    )
    cases["published"] = Case("连云区 2022.txt", sample_report_text().encode("utf-8"), OFFICE)
    add("huge", "huge.csv", lambda: b"\0" * (MAX_FILE_BYTES + 1), with_unit=False)
    add("spaces-good", "教育局 2022 年报 (最终).json", lambda u: return_json_bytes(good_return(u)))
    add("spaces-bad", "财政局 年报 (第2版).json", lambda u: return_json_bytes(good_return(u, YEAR + 1)))
    add("long-name", "财" * 78 + ".json", lambda u: return_json_bytes(good_return(u, YEAR + 1)))  # 239 bytes
    copy = next(units)
    cases["same-a"] = Case("same/finance.json", return_json_bytes(good_return(copy)), copy)
    cases["same-b"] = Case("same/copy of finance.json", cases["same-a"].data, copy)

    # --- issue 11 part 3: no bad file stops a run ---
    add(
        "sur-narrative",
        "sur-narrative.json",
        lambda u: doc_bytes(u, narrative={"overview": f"本年{SURROGATE}收到申请"}),
    )
    add("sur-problems", "sur-problems.json", lambda u: doc_bytes(u, narrative={"problems": LOW_SURROGATE}))
    add("sur-cell", "sur-cell.json", lambda u: doc_bytes(u, {COUNT_CELL: f"1{SURROGATE}"}))
    add("sur-fee", "sur-fee.json", lambda u: doc_bytes(u, {FEE_KEY: SURROGATE}))
    add("sur-unit-id", "sur-unit-id.json", lambda u: doc_bytes(u, unit_id=u.unit_id + SURROGATE))
    add("sur-unit-name", "sur-unit-name.json", lambda u: doc_bytes(u, unit_name=SURROGATE + u.unit_name))
    add("sur-key", "sur-key.json", lambda u: doc_bytes(u, {"s3.granted" + SURROGATE: 1}))
    add("sur-year", "sur-year.json", lambda u: doc_bytes(u, year="2022" + SURROGATE))
    for case_id, name, make_bytes in (
        ("gbk-name-good", gbk_name("财政局 2022") + ".json", lambda u: return_json_bytes(good_return(u))),
        ("gbk-name-bad", gbk_name("教育局") + ".json", lambda u: return_json_bytes(good_return(u, YEAR - 1))),
        ("gbk-folder", gbk_name("各单位") + "/" + gbk_name("民政局") + ".csv", lambda u: csv_bytes(good_return(u))),
    ):
        unit = next(units)
        cases[case_id] = Case(name, make_bytes(unit), unit, shown=shown_escaped(name))
    add("fee-1e30-number", "fee-1e30-number.json", lambda u: raw_fee_json(u, "1e30"))
    add("fee-1e30-text", "fee-1e30-text.json", lambda u: with_cells(u, **{FEE_KEY: "1e30"}))
    add("fee-10e14", "fee-10e14.json", lambda u: doc_bytes(u, {FEE_KEY: "100000000000000"}))
    add("fee-13-digits", "fee-13-digits.json", lambda u: doc_bytes(u, {FEE_KEY: "9999999999999.99"}))
    add("fee-10e12", "fee-10e12.json", lambda u: doc_bytes(u, {FEE_KEY: "1000000000000"}))
    add("fee-max", "fee-max.json", lambda u: doc_bytes(u, {FEE_KEY: MAX_STORABLE_FEE}))
    add("fee-yuan-huge", "fee-yuan-huge.json", lambda u: doc_bytes(u, {FEE_KEY: "1e20元"}))
    add("fee-huge-csv", "fee-huge.csv", lambda u: csv_bytes(changed(u, **{FEE_KEY: "9999999999999.99"})))
    add("fee-huge-xlsx", "fee-huge.xlsx", lambda u: form_bytes(folder, u, {FEE_KEY: 1e30}))
    add("year-11-digits", "year-11-digits.json", lambda u: doc_bytes(u, year=99999999999))
    add("year-2-70", "year-2-70.json", lambda u: doc_bytes(u, year=2**70))
    add("year-negative", "year-negative.json", lambda u: doc_bytes(u, year=-(2**40)))
    add("year-csv", "year-11-digits.csv", lambda u: csv_bytes(replace(good_return(u), year=99999999999)))
    add("count-2-63", "count-2-63.json", lambda u: doc_bytes(u, {COUNT_CELL: 2**63}))
    add("count-2-70-csv", "count-2-70.csv", lambda u: csv_bytes(changed(u, **{COUNT_CELL: 2**70})))
    add("count-below-bigint", "count-below-bigint.json", lambda u: doc_bytes(u, {COUNT_CELL: -(2**63) - 1}))
    add("count-over-max", "count-over-max.json", lambda u: doc_bytes(u, {COUNT_CELL: 10**15 + 1}))
    add("count-1e30-xlsx", "count-1e30.xlsx", lambda u: form_bytes(folder, u, {COUNT_CELL: 1e30}))

    # --- issue 11 part 4: nothing wrong published ---
    for case_id, fee in (
        ("fee-comma", "1,5"),
        ("fee-comma-2", "12,34"),
        ("fee-dot-comma", "1.500,25"),
        ("fee-space", "1 5"),
        ("fee-fullwidth-comma", "1，5"),
        ("fee-comma-yuan", "1,5元"),
        ("fee-apostrophe", "1'5"),
        ("fee-comma-4", "1,2345"),
    ):
        add(case_id, f"{case_id}.json", lambda u, fee=fee: doc_bytes(u, {FEE_KEY: fee}))
    add("fee-comma-csv", "fee-comma.csv", lambda u: csv_bytes(changed(u, **{FEE_KEY: '"1,5"'})))  # quoted: one field
    add("fee-comma-xlsx", "fee-comma.xlsx", lambda u: form_bytes(folder, u, {FEE_KEY: "1,5"}))
    add("fee-thousands", "fee-thousands.json", lambda u: doc_bytes(u, {FEE_KEY: "1,500"}))
    add("fee-thousands-point", "fee-thousands-point.json", lambda u: doc_bytes(u, {FEE_KEY: "1,234.56"}))
    add("fee-7-decimals", "fee-7-decimals.json", lambda u: doc_bytes(u, {FEE_KEY: "1.0000005"}))
    add("fee-7-decimals-number", "fee-7-decimals-number.json", lambda u: raw_fee_json(u, "1.0000005"))
    add("fee-1e-30", "fee-1e-30.json", lambda u: doc_bytes(u, {FEE_KEY: "1e-30"}))
    add("fee-7-decimals-wan", "fee-7-decimals-wan.xlsx", lambda u: form_bytes(folder, u, {FEE_KEY: "0.1234567万元"}))
    add("fee-yuan-fraction", "fee-yuan-fraction.json", lambda u: doc_bytes(u, {FEE_KEY: "0.5元"}))  # 0.00005 万元: fine
    add("fee-yuan-too-fine", "fee-yuan-too-fine.json", lambda u: doc_bytes(u, {FEE_KEY: "0.005元"}))  # 5e-7 万元
    add("fee-trailing-zeros", "fee-trailing-zeros.json", lambda u: doc_bytes(u, {FEE_KEY: "1.5000000000"}))
    add("fee-6-decimals", "fee-6-decimals.json", lambda u: doc_bytes(u, {FEE_KEY: "1.000005"}))
    add("count-comma", "count-comma.json", lambda u: doc_bytes(u, {COUNT_CELL: "1,5"}))
    add("count-comma-xlsx", "count-comma.xlsx", lambda u: form_bytes(folder, u, {COUNT_CELL: "12,34"}))
    add("count-comma-csv", "count-comma.csv", lambda u: csv_bytes(changed(u, **{COUNT_CELL: '"1,5"'})))
    return cases


@dataclass
class Run:
    batch: Batch
    cases: dict[str, Case]
    seconds: float
    outside: Case  # handed in as submissions/../outside.json
    tmp: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("bad-files")
    cases = build_cases(tmp_path_factory.mktemp("forms"))
    outside = Case("../outside.json", return_json_bytes(good_return(UNITS[-1], YEAR - 2)), UNITS[-1])
    (tmp / "outside.json").write_bytes(outside.data)
    subs = tmp / "submissions"
    files = {**GOOD, **{c.name: c.data for c in cases.values()}}
    started = time.perf_counter()
    batch = run_batch(tmp, files, UNITS, extra_paths=[subs / ".." / "outside.json", subs / "gone.json"])
    return Run(batch, cases, time.perf_counter() - started, outside, tmp)


# --- checks shared by every case ------------------------------------------------------------------------------------


def assert_others_accepted(batch: Batch) -> None:
    for name in GOOD:
        assert batch.status(name) == "accepted", (name, failure_summary(batch))


def assert_kept(batch: Batch, data: bytes) -> None:
    original = batch.original(data)
    assert original.is_file(), original
    assert original.read_bytes() == data


def assert_rejected(run: Run, case: Case, rule: str, cell: str | None = None, says: str = ""):
    """The common checks for a rejected bad file; returns its failure for case-specific checks."""
    batch = run.batch
    found = batch.failures(file=case.label, rule=rule)
    assert found, f"no {rule} for {case.label}: {[f for f in failure_summary(batch) if f['file'] == case.label]}"
    if cell is not None:
        found = [f for f in found if f.cell == cell]
        assert found, f"no {rule} on cell {cell} for {case.label}"
    failure = found[0]
    assert failure.file == case.label and failure.blocking
    if says:
        assert says in failure.detail + failure.message, (says, failure.detail, failure.message)
    assert batch.status(case.label) == "rejected"
    assert_kept(batch, case.data)
    [copy] = batch.quarantined(case.data)
    assert copy.parent == batch.files_root / "quarantine"
    assert copy.read_bytes() == case.data
    reason = copy.with_name(copy.name + ".reason.txt").read_text(encoding="utf-8")
    assert f"file: {case.label}" in reason and f"[{rule} " in reason
    if cell:
        assert f"cell {cell}" in reason
    assert_others_accepted(batch)
    return failure


def assert_accepted(run: Run, case: Case) -> None:
    batch = run.batch
    assert batch.status(case.label) == "accepted", [f for f in failure_summary(batch) if f["file"] == case.label]
    assert not [f for f in batch.failures(file=case.label) if f.blocking]
    assert_kept(batch, case.data)
    assert batch.quarantined(case.data) == []
    assert_others_accepted(batch)


# --- files that cannot be read -------------------------------------------------------------------------------------


def test_01_empty_file(run: Run) -> None:
    assert_rejected(run, run.cases["empty"], "I1", says="empty")


def test_02_png_named_xlsx(run: Run) -> None:
    failure = assert_rejected(run, run.cases["png"], "I1", says="PNG image")
    assert "not an XLSX" in failure.detail


def test_03_corrupt_xlsx(run: Run) -> None:
    assert_rejected(run, run.cases["corrupt"], "I1", says="sheet1.xml")


def test_04_truncated_xlsx(run: Run) -> None:
    assert_rejected(run, run.cases["truncated"], "I1", says="corrupt or truncated")


def test_05_zip_bomb_declaring_gigabytes_is_refused_by_size_before_expanding(run: Run) -> None:
    case = run.cases["bomb"]
    assert len(case.data) < 10_000
    failure = assert_rejected(run, case, "I1", says="zip bomb")
    assert f"{MAX_UNCOMPRESSED_BYTES:,}" in failure.detail
    assert run.seconds < 30  # the whole batch: nothing was inflated to gigabytes


def test_06_form_of_another_template_version(run: Run) -> None:
    case = run.cases["version"]
    failure = assert_rejected(run, case, "S1", says="nianbao.form/2019")
    assert failure.unit_id == case.unit.unit_id  # the header block still names the unit


def test_07_workbook_that_is_not_the_form(run: Run) -> None:
    assert_rejected(run, run.cases["not-form"], "S1", says="not a nianbao form")


# --- cells that are wrong ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case_id", "shown"), [("text-count", "五"), ("negative", "-3"), ("fraction", "2.5")])
def test_08_10_count_that_is_not_a_non_negative_integer(run: Run, case_id: str, shown: str) -> None:
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S3", cell=COUNT_CELL)
    assert failure.actual == shown and failure.unit_id == case.unit.unit_id


@pytest.mark.parametrize(("case_id", "unit"), [("fee-yuan", "元"), ("fee-yi", "亿元")])
def test_11_12_fee_with_a_unit_suffix_is_converted_and_warned(run: Run, case_id: str, unit: str) -> None:
    case = run.cases[case_id]
    assert_accepted(run, case)
    [warning] = run.batch.failures(file=case.name, rule="S4W")
    assert warning.cell == FEE_KEY and not warning.blocking and f"converted from {unit}" in warning.detail
    [sub] = [s for s in run.batch.judged.submissions if s.original_name == case.name]
    assert sub.ret.cells[FEE_KEY] == Decimal("37.53")


def test_13_fee_in_wan_yuan_suffix_is_read_exactly_without_a_warning(run: Run) -> None:
    case = run.cases["fee-wan"]
    assert_accepted(run, case)
    assert run.batch.failures(file=case.name, rule="S4W") == []


def test_14_negative_fee(run: Run) -> None:
    failure = assert_rejected(run, run.cases["fee-negative"], "S4", cell=FEE_KEY)
    assert failure.actual == "-1.5"


def test_15_json_with_a_missing_cell(run: Run) -> None:
    assert_rejected(run, run.cases["missing"], "S2", cell="s4.review.upheld")
    assert_rejected(run, run.cases["missing"], "S2", cell="s3.carried_in.legal_other")


def test_16_csv_with_a_duplicated_key(run: Run) -> None:
    assert_rejected(run, run.cases["dup-key"], "I1", says="'s3.granted.total' was already given on line")


def test_17_csv_in_another_layout(run: Run) -> None:
    assert_rejected(run, run.cases["wide-csv"], "S1", says="not a cell,value CSV")


def test_18_gbk_encoded_csv_is_accepted(run: Run) -> None:
    case = run.cases["gbk"]
    with pytest.raises(UnicodeDecodeError):
        case.data.decode("utf-8")  # really GBK, not UTF-8
    assert_accepted(run, case)
    [outcome] = [o for o in run.batch.judged.outcomes if o.path.name == case.name]
    assert outcome.encoding == "gb18030" and outcome.reader == "csv"
    assert outcome.ret.unit_name == case.unit.unit_name and outcome.ret.cells == good_return(case.unit).cells


def test_19_invalid_json(run: Run) -> None:
    assert_rejected(run, run.cases["bad-json"], "I1", says="not valid JSON")


def test_20_unknown_file_type(run: Run) -> None:
    """The kind comes from the content (a PDF is a published report now): a photo named .pdf is refused as one."""
    failure = assert_rejected(run, run.cases["photo"], "I1", says="unknown file type")
    assert "not a PDF document (as its name says)" in failure.detail and "a JPEG image" in failure.detail


# --- who sent it, for which year -----------------------------------------------------------------------------------


def test_21_two_returns_for_the_same_unit_in_one_batch(run: Run) -> None:
    for case_id in ("twice-a", "twice-b"):
        failure = assert_rejected(run, run.cases[case_id], "I3")
        assert "a/finance.json" in failure.detail and "b/finance-corrected.json" in failure.detail


def test_22_unit_not_on_the_roster(run: Run) -> None:
    failure = assert_rejected(run, run.cases["stranger"], "I2")
    assert failure.actual == "999999999"


def test_23_the_district_row_itself_is_not_a_reporting_unit(run: Run) -> None:
    failure = assert_rejected(run, run.cases["district"], "I2")
    assert failure.actual == DISTRICT


def test_24_return_for_another_year(run: Run) -> None:
    failure = assert_rejected(run, run.cases["last-year"], "S5", cell="year")
    assert (failure.expected, failure.actual) == (str(YEAR), str(YEAR - 1))


# --- published reports ---------------------------------------------------------------------------------------------


def test_25_html_page_that_is_a_2019_trial_report(run: Run) -> None:
    failure = assert_rejected(run, run.cases["trial-2019"], "S1", says="2019-trial")
    assert "本年新制作数量" in failure.detail  # the label that gave the era away


def test_26_published_text_that_cannot_be_placed(run: Run) -> None:
    failure = assert_rejected(run, run.cases["unplaceable"], "I1", says="section 三")
    assert "补正后申请内容仍不明确" in failure.detail  # the row it could not read


def test_27_published_report_is_accepted_by_exact_name_beside_the_bad_files(run: Run) -> None:
    case = run.cases["published"]
    assert_accepted(run, case)
    row = run.batch.submissions[run.batch.submissions["original_name"] == case.name].iloc[0]
    assert (row["unit_id"], row["reader"], int(row["version"])) == (OFFICE.unit_id, "published-text", 1)


# --- sizes and names -----------------------------------------------------------------------------------------------


def test_28_file_larger_than_the_size_limit(run: Run) -> None:
    failure = assert_rejected(run, run.cases["huge"], "I1", says="limit")
    assert f"{MAX_FILE_BYTES:,}" in failure.detail


def test_29_names_with_spaces_and_chinese_are_kept_and_quarantined_under_a_safe_name(run: Run) -> None:
    assert_accepted(run, run.cases["spaces-good"])
    bad = run.cases["spaces-bad"]
    assert_rejected(run, bad, "S5")
    [copy] = run.batch.quarantined(bad.data)
    assert copy.name.endswith("-" + safe_name(bad.name))
    assert "财政局" in copy.name and " " not in copy.name and "(" not in copy.name


def test_29b_a_long_chinese_name_is_quarantined_under_a_shorter_one(run: Run) -> None:
    case = run.cases["long-name"]
    assert_rejected(run, case, "S5")
    [copy] = run.batch.quarantined(case.data)
    assert len(copy.name.encode()) < 255 - len(".reason.txt") and copy.name.endswith("财.json")


def test_30_original_name_with_dotdot_stays_inside_the_quarantine_folder(run: Run) -> None:
    """A path handed in as ``submissions/../outside.json`` is named ``../outside.json`` in the batch; its
    quarantine copy still lands inside quarantine/, and nothing is written beside the submissions folder."""
    assert_rejected(run, run.outside, "S5")
    [copy] = run.batch.quarantined(run.outside.data)
    assert copy.resolve().parent == (run.batch.files_root / "quarantine").resolve()
    assert copy.name.endswith("-outside.json") and ".." not in copy.name
    assert sorted(p.name for p in run.tmp.iterdir()) == [
        "outside.json",
        "roster.csv",
        "submissions",
        "w.duckdb",
        "w.files",
    ]


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("sub dir/../连云 区 (v2).xlsx", "连云_区_v2_.xlsx"),
        ("..", "unnamed"),
        ("a/b/", "unnamed"),
        ("/abs/path/x.json", "x.json"),
        ("name\x00with\nnul.csv", "name_with_nul.csv"),
        ("财" * 78 + ".json", "财" * 38 + ".json"),  # 239 bytes on disk: the copy's name must stay under 255
        ("x" * 200, "x" * 120),
    ],
)
def test_31_safe_name_never_leaves_the_quarantine_folder(tmp_path: Path, original: str, expected: str) -> None:
    assert safe_name(original) == expected
    src = tmp_path / "src.bin"
    src.write_bytes(b"bytes")
    files_root = tmp_path / "files"
    sha = "ab" * 32
    dest = quarantine(src, files_root, sha, original, [make("I1", "", detail="test")])
    assert dest.resolve().parent == (files_root / "quarantine").resolve()
    assert dest.name == f"{sha[:12]}-{expected}" and dest.read_bytes() == b"bytes"
    assert f"file: {original}" in dest.with_name(dest.name + ".reason.txt").read_text(encoding="utf-8")
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(["src.bin", dest.name, dest.name + ".reason.txt"])


def test_32_a_file_that_vanishes_before_it_is_read_does_not_stop_the_batch(run: Run) -> None:
    [failure] = run.batch.failures(file="gone.json")
    assert failure.rule == "I1" and "cannot be opened" in failure.detail
    assert_others_accepted(run.batch)


def test_33_the_same_bytes_under_two_names_are_one_submission(run: Run) -> None:
    case = run.cases["same-a"]
    assert run.batch.failures(file=case.name, rule="I3") == []
    assert run.batch.submissions.loc[run.batch.submissions["unit_id"] == case.unit.unit_id, "status"].tolist() == [
        "accepted"
    ]
    assert_kept(run.batch, case.data)


def test_34_every_readable_bad_file_is_judged_alone(run: Run) -> None:
    """The shared batch is sound only if no case trips I3 on another case: I3 appears for the two files of the
    one unit that sent two, nowhere else; and every file of the batch has a submissions row."""
    i3_files = sorted({f.file for f in run.batch.failures(rule="I3")})
    assert i3_files == ["a/finance.json", "b/finance-corrected.json"]
    names = set(run.batch.submissions["original_name"])
    expected = {c.label for c in run.cases.values()} - {"same/copy of finance.json"} | set(GOOD) | {run.outside.name}
    assert expected <= names


# --- issue 11, part 3: no bad file stops a run ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_id", "cell", "shown"),
    [
        ("sur-narrative", "narrative.overview", "本年\\ud83d收到申请"),
        ("sur-problems", "narrative.problems", "\\ude00"),
        ("sur-cell", COUNT_CELL, "1\\ud83d"),
        ("sur-fee", FEE_KEY, "\\ud83d"),
        ("sur-unit-id", "unit_id", "\\ud83d"),
        ("sur-unit-name", "unit_name", "\\ud83d"),
        ("sur-key", "s3.granted\\ud83d", "s3.granted\\ud83d"),
        ("sur-year", "year", "2022\\ud83d"),
    ],
)
def test_40_a_lone_surrogate_is_refused_naming_the_field(run: Run, case_id: str, cell: str, shown: str) -> None:
    """JSON may spell half of an emoji ("\ud83d"), which Python keeps but no UTF-8 writer accepts: refused (I1)
    naming the field, shown escaped — not a UnicodeEncodeError that stops the district."""
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "I1", cell=cell, says="lone UTF-16 surrogate")
    assert shown in failure.detail
    assert failure.detail.encode("utf-8") and failure.message.encode("utf-8")  # storable, printable
    assert failure.unit_id == ("" if case_id == "sur-unit-id" else case.unit.unit_id)
    rows = run.batch.submissions[run.batch.submissions["original_name"] == case.name]
    assert rows["reader"].tolist() == ["unreadable"]


@pytest.mark.parametrize("case_id", ["gbk-name-good", "gbk-folder"])
def test_41_a_name_that_is_not_utf8_is_kept_and_shown_escaped(run: Run, case_id: str) -> None:
    case = run.cases[case_id]
    assert "\\xb2\\xc6" in case.label or "\\xb8\\xf7" in case.label  # 财 / 各 as GBK bytes
    assert_accepted(run, case)
    row = run.batch.submissions[run.batch.submissions["original_name"] == case.label].iloc[0]
    assert row["unit_id"] == case.unit.unit_id
    assert (run.batch.subs / case.name).read_bytes() == case.data  # the file itself is left alone


def test_42_a_rejected_file_with_a_gbk_name_is_quarantined_under_an_escaped_name(run: Run) -> None:
    case = run.cases["gbk-name-bad"]
    assert case.label == "\\xbd\\xcc\\xd3\\xfd\\xbe\\xd6.json"  # 教育局 in GBK
    failure = assert_rejected(run, case, "S5", cell="year")
    assert failure.actual == str(YEAR - 1)
    [copy] = run.batch.quarantined(case.data)
    copy.name.encode("utf-8")  # a name every file system and terminal takes


@pytest.mark.parametrize(
    ("case_id", "actual", "says"),
    [
        ("fee-1e30-number", "1" + "0" * 30, "too large to be stored exactly"),
        ("fee-1e30-text", "1" + "0" * 30, "too large to be stored exactly"),
        ("fee-10e14", "100000000000000", "DECIMAL(18,6)"),
        ("fee-13-digits", "9999999999999.99", "DECIMAL(18,6)"),
        ("fee-10e12", "1000000000000", "less than 1,000,000,000,000 万元"),
        ("fee-yuan-huge", "10000000000000000", "check the unit"),
        ("fee-huge-csv", "9999999999999.99", "DECIMAL(18,6)"),
        ("fee-huge-xlsx", "1" + "0" * 30, "DECIMAL(18,6)"),
    ],
)
def test_43_a_fee_the_warehouse_cannot_hold_is_refused_before_the_load(
    run: Run, case_id: str, actual: str, says: str
) -> None:
    """DECIMAL(18,6) holds less than 10^12 万元: a bigger fee used to abort the load's transaction for the whole
    district; it is now S4 on the fee cell, and its text is kept in the warehouse as evidence (never cast)."""
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S4", cell=FEE_KEY, says=says)
    assert failure.actual == actual
    with Warehouse(run.batch.warehouse_path, read_only=True) as wh:
        row = wh.con.execute(
            "SELECT value_dec, raw_text FROM cells WHERE sha256 = ? AND cell_key = ?",
            [hashlib.sha256(case.data).hexdigest(), FEE_KEY],
        ).fetchall()
    assert row == [(None, actual)]


def test_44_the_largest_fee_the_warehouse_holds_is_stored_exactly(run: Run) -> None:
    case = run.cases["fee-max"]
    assert_accepted(run, case)
    with Warehouse(run.batch.warehouse_path, read_only=True) as wh:
        stored = wh.scalar(
            "SELECT value_dec FROM cells WHERE sha256 = ? AND cell_key = ?",
            [hashlib.sha256(case.data).hexdigest(), FEE_KEY],
        )
    assert stored == Decimal(MAX_STORABLE_FEE)


@pytest.mark.parametrize(
    ("case_id", "actual"),
    [
        ("year-11-digits", "99999999999"),
        ("year-2-70", str(2**70)),
        ("year-negative", str(-(2**40))),
        ("year-csv", "99999999999"),
    ],
)
def test_45_a_year_out_of_range_is_refused_with_its_value(run: Run, case_id: str, actual: str) -> None:
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S5", cell="year")
    assert (failure.expected, failure.actual, failure.detail) == (str(YEAR), actual, "out of range")
    row = run.batch.submissions[run.batch.submissions["original_name"] == case.name].iloc[0]
    assert row["unit_id"] == case.unit.unit_id and pd.isna(row["year"])  # INTEGER cannot hold it: recorded NULL


@pytest.mark.parametrize(
    ("case_id", "actual", "problem"),
    [
        ("count-2-63", str(2**63), "too large"),
        ("count-2-70-csv", str(2**70), "too large"),
        ("count-below-bigint", str(-(2**63) - 1), "negative"),
        ("count-over-max", str(10**15 + 1), "too large"),
        ("count-1e30-xlsx", str(int(1e30)), "too large"),
    ],  # the float the sheet holds, exactly
)
def test_46_a_count_beyond_bigint_is_refused_and_kept_as_text(
    run: Run, case_id: str, actual: str, problem: str
) -> None:
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S3", cell=COUNT_CELL)
    assert (failure.actual, failure.detail) == (actual, problem)
    with Warehouse(run.batch.warehouse_path, read_only=True) as wh:
        row = wh.con.execute(
            "SELECT value_int, raw_text FROM cells WHERE sha256 = ? AND cell_key = ?",
            [hashlib.sha256(case.data).hexdigest(), COUNT_CELL],
        ).fetchall()
    assert row == [(None if abs(int(actual)) >= 2**63 else int(actual), actual if abs(int(actual)) >= 2**63 else None)]


# --- issue 11, part 4: nothing wrong published ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_id", "actual"),
    [
        ("fee-comma", "1,5"),
        ("fee-comma-2", "12,34"),
        ("fee-dot-comma", "1.500,25"),
        ("fee-space", "1 5"),
        ("fee-fullwidth-comma", "1，5"),
        ("fee-comma-yuan", "1,5元"),
        ("fee-apostrophe", "1'5"),
        ("fee-comma-4", "1,2345"),
        ("fee-comma-csv", "1,5"),
        ("fee-comma-xlsx", "1,5"),
    ],
)
def test_47_an_ambiguous_decimal_separator_is_refused_never_read_as_thousands(
    run: Run, case_id: str, actual: str
) -> None:
    """ "1,5" used to be published as 15 万元: a comma is read only between whole groups of three digits."""
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S4", cell=FEE_KEY, says="the separator is ambiguous")
    assert failure.actual == actual
    [sub] = [s for s in run.batch.judged.submissions if s.original_name == case.name]
    assert sub.ret.cells[FEE_KEY] == actual  # kept as the text read, never a number


@pytest.mark.parametrize(
    ("case_id", "actual"), [("count-comma", "1,5"), ("count-comma-xlsx", "12,34"), ("count-comma-csv", "1,5")]
)
def test_47b_a_count_with_a_comma_out_of_place_is_refused_not_read_as_15(run: Run, case_id: str, actual: str) -> None:
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S3", cell=COUNT_CELL)
    assert failure.actual == actual


@pytest.mark.parametrize(("case_id", "value"), [("fee-thousands", "1500"), ("fee-thousands-point", "1234.56")])
def test_48_thousands_in_groups_of_three_are_still_read(run: Run, case_id: str, value: str) -> None:
    case = run.cases[case_id]
    assert_accepted(run, case)
    [sub] = [s for s in run.batch.judged.submissions if s.original_name == case.name]
    assert sub.ret.cells[FEE_KEY] == Decimal(value)


@pytest.mark.parametrize(
    ("case_id", "actual", "decimals"),
    [
        ("fee-7-decimals", "1.0000005", 7),
        ("fee-7-decimals-number", "1.0000005", 7),
        ("fee-1e-30", "0." + "0" * 29 + "1", 30),
        ("fee-7-decimals-wan", "0.1234567", 7),
        ("fee-yuan-too-fine", "0.0000005", 7),
    ],
)
def test_49_a_fee_with_more_than_6_decimals_is_refused_never_rounded(
    run: Run, case_id: str, actual: str, decimals: int
) -> None:
    case = run.cases[case_id]
    failure = assert_rejected(run, case, "S4", cell=FEE_KEY, says=f"{decimals} decimals cannot be stored exactly")
    assert failure.actual == actual and "never rounded" in failure.detail
    assert not [f for f in run.batch.failures(file=case.name, rule="S4W") if "decimals" in f.detail]  # S4 alone
    with Warehouse(run.batch.warehouse_path, read_only=True) as wh:
        row = wh.con.execute(
            "SELECT value_dec, raw_text FROM cells WHERE sha256 = ? AND cell_key = ?",
            [hashlib.sha256(case.data).hexdigest(), FEE_KEY],
        ).fetchall()
    assert row == [(None, actual)]  # the exact text, not a rounded DECIMAL


@pytest.mark.parametrize(
    ("case_id", "stored", "warned"),
    [
        ("fee-trailing-zeros", "1.5", False),
        ("fee-6-decimals", "1.000005", True),
        ("fee-yuan-fraction", "0.00005", True),
    ],
)
def test_50_a_fee_that_fits_exactly_is_stored_exactly(run: Run, case_id: str, stored: str, warned: bool) -> None:
    case = run.cases[case_id]
    assert_accepted(run, case)
    assert bool(run.batch.failures(file=case.name, rule="S4W")) is warned
    with Warehouse(run.batch.warehouse_path, read_only=True) as wh:
        value = wh.scalar(
            "SELECT value_dec FROM cells WHERE sha256 = ? AND cell_key = ?",
            [hashlib.sha256(case.data).hexdigest(), FEE_KEY],
        )
    assert value == Decimal(stored)


# --- a bad roster: one clear error, naming the rows, before any work -------------------------------------------------

ROSTER_HEAD = "unit_id,unit_name,kind,parent_id\n"
DISTRICT_ROW = f"{DISTRICT},示范区人民政府,district,\n"


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ("", f"no reporting unit (office, department, township) lists {DISTRICT} as its parent"),
        (f"{DISTRICT}001,办公室,office,{DISTRICT}001\n", f"line 3 ({DISTRICT}001) is its own parent"),
        (
            f"A,甲,department,B\nB,乙,office,C\nC,丙,office,A\nE,戊,department,{DISTRICT}\n",
            "a cycle of parents: line 3 (A), line 4 (B), line 5 (C) → A",
        ),
        (
            f"E,戊,department,{DISTRICT}\nC1,市,city,C2\nC2,省,province,C1\n",
            "a cycle of parents: line 4 (C1), line 5 (C2) → C1",
        ),
        (f"A,甲,department,\nE,戊,department,{DISTRICT}\n", "line 3 (A) is a department with an empty parent_id"),
        (f"A,甲,department,   \nE,戊,department,{DISTRICT}\n", "line 3 (A) is a department with an empty parent_id"),
        (
            f"A,甲,department,999\nE,戊,department,{DISTRICT}\n",
            "line 3 (A): its parent 999 is not a unit of this roster",
        ),
        (f"A,甲,department,{DISTRICT}\nA,乙,department,{DISTRICT}\n", "A appears twice (lines 3 and 4)"),
        (
            f"A,甲,department,\nB,乙,department,B\nE,戊,department,{DISTRICT}\n",
            "line 3 (A) is a department with an empty parent_id; name the node it reports to; line 4 (B) is its own parent",
        ),
        (f",财政局,department,{DISTRICT}\n", "line 3, column unit_id: empty"),
    ],
    ids=[
        "no-units",
        "self-parent",
        "cycle-3",
        "cycle-aggregates",
        "empty-parent",
        "blank-parent",
        "dangling",
        "duplicate",
        "every-row-named",
        "empty-id",
    ],
)
def test_51_a_bad_roster_is_one_clear_error_naming_the_rows(tmp_path: Path, rows: str, says: str) -> None:
    """A unit dropped from the tree by a broken parent chain used to be left out of the report while G1 passed;
    a roster with no reporting unit failed deep in publication ('MergedCell' object is not iterable)."""
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER_HEAD + DISTRICT_ROW + rows, encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        read_roster(path, DISTRICT)
    message = str(caught.value)
    assert says in message and str(path) in message
    assert "Traceback" not in message and "MergedCell" not in message


def test_52_a_roster_of_several_districts_is_still_read(tmp_path: Path) -> None:
    """Units of another district (reaching another root) are not an error: only broken chains are."""
    path = tmp_path / "roster.csv"
    path.write_text(
        ROSTER_HEAD + f"C,市,city,\n{DISTRICT},区,district,C\nD2,另一区,district,C\n"
        f"A,甲,department,{DISTRICT}\nB,乙,department,D2\n",
        encoding="utf-8",
    )
    roster = read_roster(path, DISTRICT)
    assert [u.unit_id for u in roster.below(DISTRICT)] == ["A"] and len(roster.units) == 5


# --- the latest RECEIVED version is the unit's current one ----------------------------------------------------------


def _current(batch: Batch, unit: RosterUnit) -> tuple[str, int]:
    with Warehouse(batch.warehouse_path, read_only=True) as wh:
        latest = wh.latest_accepted([unit.unit_id], YEAR)
        fee = summed(wh, [unit.unit_id], YEAR)
    fee_value = fee.loc[fee["cell_key"] == FEE_KEY, "value_dec"].iloc[0]
    return latest["sha256"].iloc[0], int(latest["version"].iloc[0]), Decimal(str(fee_value))


def test_53_v1_v2_then_v1_again_consolidates_v1(tmp_path: Path) -> None:
    unit = GOOD_UNITS[0]
    v1 = return_json_bytes(good_return(unit))
    v2 = with_cells(unit, **{FEE_KEY: Decimal("9.5")})
    run_batch(tmp_path, {"a.json": v1}, UNITS, batch_name="b1")
    second = run_batch(tmp_path, {"a v2.json": v2}, UNITS, batch_name="b2")
    assert _current(second, unit)[:2] == (hashlib.sha256(v2).hexdigest(), 2)
    third = run_batch(tmp_path, {"a again.json": v1}, UNITS, batch_name="b3")
    sha, version, fee = _current(third, unit)
    assert (sha, version, fee) == (hashlib.sha256(v1).hexdigest(), 1, good_return(unit).cells[FEE_KEY])
    with Warehouse(third.warehouse_path, read_only=True) as wh:
        before = wh.counts()
        receipts = wh.frame("SELECT receipt_no, sha256, original_name FROM receipts ORDER BY receipt_no")
    assert receipts["original_name"].tolist() == ["a.json", "a v2.json", "a again.json"]
    assert before["submissions"] == 2 and before["runs"] == 3  # one row per content; v1 keeps its version 1
    assert third.status("a.json") == "accepted"  # the submission row, from its first receipt
    # a rerun of the same inputs adds nothing, and v1 stays current
    rerun = run_batch(tmp_path, {"a again.json": v1}, UNITS, batch_name="b3")
    with Warehouse(rerun.warehouse_path, read_only=True) as wh:
        assert wh.counts() == before
    assert _current(rerun, unit)[0] == hashlib.sha256(v1).hexdigest()


def test_54_the_same_file_twice_in_one_run_is_one_receipt(tmp_path: Path) -> None:
    unit = GOOD_UNITS[0]
    data = return_json_bytes(good_return(unit))
    batch = run_batch(tmp_path, {"x/a.json": data, "y/copy of a.json": data}, UNITS)
    with Warehouse(batch.warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM receipts") == 1
        assert wh.scalar("SELECT count(*) FROM submissions") == 1


def test_55_a_resent_old_file_rejected_beside_another_does_not_come_back(tmp_path: Path) -> None:
    """v1 accepted, v2 accepted, then v1 sent again together with v3 (I3: two files, both rejected in that batch):
    v1's old 'accepted' must not make it current again."""
    unit = GOOD_UNITS[0]
    v1 = return_json_bytes(good_return(unit))
    v2 = with_cells(unit, **{FEE_KEY: Decimal("9.5")})
    v3 = with_cells(unit, **{FEE_KEY: Decimal("7.25")})
    run_batch(tmp_path, {"a.json": v1}, UNITS, batch_name="b1")
    run_batch(tmp_path, {"a.json": v2}, UNITS, batch_name="b2")
    third = run_batch(tmp_path, {"a.json": v1, "a v3.json": v3}, UNITS, batch_name="b3")
    assert {f.file for f in third.failures(rule="I3")} == {"a.json", "a v3.json"}
    assert _current(third, unit)[:2] == (hashlib.sha256(v2).hexdigest(), 2)


def test_56_a_warehouse_from_before_receipts_gets_one_per_submission(tmp_path: Path) -> None:
    unit = GOOD_UNITS[0]
    v1, v2 = return_json_bytes(good_return(unit)), with_cells(unit, **{FEE_KEY: Decimal("9.5")})
    run_batch(tmp_path, {"a.json": v1}, UNITS, batch_name="b1")
    second = run_batch(tmp_path, {"a.json": v2}, UNITS, batch_name="b2")
    with Warehouse(second.warehouse_path) as wh:
        wh.con.execute("DROP TABLE receipts")  # as an older nianbao left it
    with Warehouse(second.warehouse_path) as wh:  # opening it for writing backfills, in order of receipt
        rows = wh.con.execute("SELECT receipt_no, sha256 FROM receipts ORDER BY receipt_no").fetchall()
        assert rows == [(1, hashlib.sha256(v1).hexdigest()), (2, hashlib.sha256(v2).hexdigest())]
        assert wh.latest_accepted([unit.unit_id], YEAR)["version"].tolist() == [2]


def test_56b_a_warehouse_from_before_receipts_opened_read_only_still_answers(tmp_path: Path) -> None:
    """``nianbao audit`` opens the file read-only, so receipts cannot be added: the current return is then the
    highest version, as nianbao chose it when the file was written."""
    unit = GOOD_UNITS[0]
    v1, v2 = return_json_bytes(good_return(unit)), with_cells(unit, **{FEE_KEY: Decimal("9.5")})
    run_batch(tmp_path, {"a.json": v1}, UNITS, batch_name="b1")
    second = run_batch(tmp_path, {"a.json": v2}, UNITS, batch_name="b2")
    con = duckdb.connect(str(second.warehouse_path))  # as an older nianbao left it: no receipts, its own view
    con.execute("DROP TABLE receipts")
    con.execute(
        "CREATE OR REPLACE VIEW submission_status AS "
        "SELECT s.*, false AS waived, s.status AS status_at_receipt FROM submissions s"
    )
    con.close()
    with Warehouse(second.warehouse_path, read_only=True) as wh:
        assert not wh.has_receipts
        latest = wh.latest_accepted([unit.unit_id], YEAR)
        assert (latest["sha256"].iloc[0], int(latest["version"].iloc[0])) == (hashlib.sha256(v2).hexdigest(), 2)
        assert len(waivers_for_year(wh, YEAR)) == 0


# --- a failure writing any output leaves no publication recorded and names the path ---------------------------------


def _mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}): needs root")


@pytest.fixture
def consolidated(tmp_path: Path):
    """Every unit of a small district sent a good return: the run is publishable."""
    units = [u for u in UNITS[:6]]
    files = {f"{u.unit_id}.json": return_json_bytes(good_return(u)) for u in units if u.kind != "district"}
    batch = run_batch(tmp_path, files, units, until="checkpoint")  # consolidated and checked, not published
    done = batch.trace
    assert done is not None and done.checkpoint is not None and done.checkpoint.success
    mounts: list[Path] = []
    with Warehouse(batch.warehouse_path) as wh:
        yield wh, done.consolidation, done.roster, done.checkpoint, done.key, tmp_path / "out", mounts
    for folder in reversed(mounts):
        subprocess.run(["umount", str(folder)], check=False)


def _publish(wh, consolidation, roster, result, key, out):
    return publish_all(
        consolidation,
        roster,
        wh,
        out,
        key,
        result,
        before_record=lambda published: write_audit_report(wh, key, out, result, published[DISTRICT].folder),
    )


def test_57_a_full_disk_while_writing_the_report_records_no_publication(consolidated) -> None:
    wh, consolidation, roster, result, key, out, mounts = consolidated
    _mount_tmpfs(out, "16k")  # a real full disk: ENOSPC from the kernel, not a simulated error
    mounts.append(out)
    with pytest.raises(PublishError) as caught:
        _publish(wh, consolidation, roster, result, key, out)
    assert str(out) in str(caught.value) and "No space left on device" in str(caught.value)  # the path, named
    assert wh.scalar("SELECT count(*) FROM node_publications") == 0
    assert wh.scalar("SELECT count(*) FROM node_publications") == 0
    assert not (out / DISTRICT / str(YEAR)).exists()  # nothing published


def test_58_a_full_disk_while_writing_the_audit_report_records_no_publication_and_names_it(consolidated) -> None:
    wh, consolidation, roster, result, key, out, mounts = consolidated
    runs = run_folder(out, key).parent
    _mount_tmpfs(runs, "4k")  # the report fits; the audit report beside it does not
    mounts.append(runs)
    with pytest.raises(OSError) as caught:
        _publish(wh, consolidation, roster, result, key, out)
    assert caught.value.errno == errno.ENOSPC
    assert str(run_folder(out, key) / "audit.html") in str(caught.value)
    assert wh.scalar("SELECT count(*) FROM node_publications") == 0
    assert wh.scalar("SELECT count(*) FROM node_publications") == 0
    subprocess.run(["umount", str(runs)], check=True)
    mounts.remove(runs)
    published = _publish(wh, consolidation, roster, result, key, out)  # space again: the rerun records it
    assert published[DISTRICT].folder == out / DISTRICT / str(YEAR)
    assert wh.scalar("SELECT count(*) FROM node_publications") == 1
    assert (run_folder(out, key) / "audit.html").is_file()


def test_58b_a_full_disk_while_writing_the_data_docs_names_the_folder(consolidated) -> None:
    wh, consolidation, _roster, _result, key, out, mounts = consolidated
    runs = run_folder(out, key).parent
    _mount_tmpfs(runs, "8k")
    mounts.append(runs)
    docs = run_folder(out, key) / "data-docs"
    with pytest.raises(OSError) as caught:
        check(consolidation, data_docs_dir=docs)
    assert caught.value.errno == errno.ENOSPC and str(docs) in str(caught.value)
    assert wh.scalar("SELECT count(*) FROM node_publications") == 0


# --- nianbao validate: a finding, never a traceback -----------------------------------------------------------------


VALIDATE_CASES = [
    ("sur-cell", "I1", COUNT_CELL),
    ("sur-narrative", "I1", "narrative.overview"),
    ("sur-unit-id", "I1", "unit_id"),
    ("fee-1e30-number", "S4", FEE_KEY),
    ("fee-comma", "S4", FEE_KEY),
    ("fee-7-decimals", "S4", FEE_KEY),
    ("year-2-70", "S5", "year"),
    ("count-2-70-csv", "S3", COUNT_CELL),
    ("gbk-name-bad", "S5", "year"),
]


@pytest.fixture(scope="module")
def validated(run: Run) -> dict[bool, tuple[int, str, str]]:
    """`nianbao validate` over all the cases' files at once, as --json and as text: (exit code, stdout, stderr)."""
    paths = [os.fsencode(run.batch.subs / run.cases[case_id].name) for case_id, _, _ in VALIDATE_CASES]
    out = {}
    for as_json in (True, False):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "validate",
                "--year",
                str(YEAR),
                *(["--json"] if as_json else []),
                *paths,
            ],
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "400"},  # one finding per line, unwrapped
            check=False,
        )
        out[as_json] = (done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    return out


@pytest.mark.parametrize(("case_id", "rule", "cell"), VALIDATE_CASES)
def test_59_nianbao_validate_reports_each_bad_file_without_a_traceback(
    run: Run, validated: dict[bool, tuple[int, str, str]], case_id: str, rule: str, cell: str
) -> None:
    case = run.cases[case_id]
    name = case.label.split("/")[-1]
    for as_json, (code, out, err) in validated.items():
        assert code == 1, (out, err)
        assert "Traceback" not in out + err
        if as_json:
            mine = [f for f in json.loads(out) if f["file"].endswith(name)]
            assert (rule, cell) in {(f["rule"], f["cell"]) for f in mine}, mine
        else:
            said = [line for line in out.splitlines() if f"{rule} HARD" in line and name in line]
            assert said, out
            assert f"FAIL: {len(VALIDATE_CASES)} file(s)" in out


def _cases_in(module) -> int:
    """Test cases of a module: one per test function, one per parameter set of a parametrized one."""
    cases = 0
    for name in dir(module):
        if name.startswith("test_") and name not in (
            "test_the_bad_file_count",
            "test_34_every_readable_bad_file_is_judged_alone",
        ):
            marks = getattr(getattr(module, name), "pytestmark", [])
            params = [m for m in marks if m.name == "parametrize"]
            cases += len(params[0].args[1]) if params else 1
    return cases


def test_the_bad_file_count() -> None:
    """Issue 11 asks for at least 80 bad-input cases in the bad-file suite: this module (whole runs) and
    tests/intake/test_bad_files.py (the readers)."""
    spec = importlib.util.spec_from_file_location("bad_files_readers", REPO / "tests" / "intake" / "test_bad_files.py")
    readers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readers)
    here, there = _cases_in(sys.modules[__name__]), _cases_in(readers)
    assert here >= 25 and here + there >= 80, (here, there)
