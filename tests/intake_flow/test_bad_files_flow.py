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

import io
import json
import struct
import sys
import time
import zipfile
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import openpyxl
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
from intake.template import write_form
from intake.xlsx import MAX_UNCOMPRESSED_BYTES
from sampledata.lianyun import sample_report_text
from sampledata.roster import district_roster
from schemas.cells import FEE_KEY
from schemas.failures import make
from schemas.roster import RosterUnit
from warehouse.archive import quarantine, safe_name

PUBLISHED_FIXTURES = Path(__file__).resolve().parents[1] / "published" / "fixtures"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
COUNT_CELL = "s3.granted.natural_person"

UNITS = [
    replace(u, unit_name=LIANYUN_NAME) if u.kind == "office" else u
    for u in district_roster(DISTRICT, "示范区", n_departments=32, n_townships=0)
]
OFFICE = UNITS[1]
GOOD_UNITS = UNITS[2:4]
GOOD = {f"good-{u.unit_id}.json": return_json_bytes(good_return(u)) for u in GOOD_UNITS}


@dataclass(frozen=True)
class Case:
    name: str  # the file's name in the batch (its path inside the submissions folder)
    data: bytes
    unit: RosterUnit | None = None  # the roster unit it is about, when there is one


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


def with_cells(unit: RosterUnit, **changes) -> bytes:
    ret = good_return(unit)
    return return_json_bytes(replace(ret, cells={**ret.cells, **changes}))


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
    add("trial-2019", "2019年报.html", lambda: (PUBLISHED_FIXTURES / "old_2019_trial_traditional.html").read_bytes(),
        with_unit=False)
    add("unplaceable", "年报 缺行.txt", lambda: (PUBLISHED_FIXTURES / "bad_missing_row.txt").read_bytes(),
        with_unit=False)
    cases["published"] = Case("连云区 2022.txt", sample_report_text().encode("utf-8"), OFFICE)
    add("huge", "huge.csv", lambda: b"\0" * (MAX_FILE_BYTES + 1), with_unit=False)
    add("spaces-good", "教育局 2022 年报 (最终).json", lambda u: return_json_bytes(good_return(u)))
    add("spaces-bad", "财政局 年报 (第2版).json", lambda u: return_json_bytes(good_return(u, YEAR + 1)))
    add("long-name", "财" * 78 + ".json", lambda u: return_json_bytes(good_return(u, YEAR + 1)))  # 239 bytes
    copy = next(units)
    cases["same-a"] = Case("same/finance.json", return_json_bytes(good_return(copy)), copy)
    cases["same-b"] = Case("same/copy of finance.json", cases["same-a"].data, copy)
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
    found = batch.failures(file=case.name, rule=rule)
    assert found, f"no {rule} for {case.name}: {[f for f in failure_summary(batch) if f['file'] == case.name]}"
    if cell is not None:
        found = [f for f in found if f.cell == cell]
        assert found, f"no {rule} on cell {cell} for {case.name}"
    failure = found[0]
    assert failure.file == case.name and failure.blocking
    if says:
        assert says in failure.detail + failure.message, (says, failure.detail, failure.message)
    assert batch.status(case.name) == "rejected"
    assert_kept(batch, case.data)
    [copy] = batch.quarantined(case.data)
    assert copy.parent == batch.files_root / "quarantine"
    assert copy.read_bytes() == case.data
    reason = copy.with_name(copy.name + ".reason.txt").read_text(encoding="utf-8")
    assert f"file: {case.name}" in reason and f"[{rule} " in reason
    if cell:
        assert f"cell {cell}" in reason
    assert_others_accepted(batch)
    return failure


def assert_accepted(run: Run, case: Case) -> None:
    batch = run.batch
    assert batch.status(case.name) == "accepted", [f for f in failure_summary(batch) if f["file"] == case.name]
    assert not [f for f in batch.failures(file=case.name) if f.blocking]
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
    assert sorted(p.name for p in run.tmp.iterdir()) == ["outside.json", "roster.csv", "submissions", "w.duckdb", "w.files"]


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
    expected = {c.name for c in run.cases.values()} - {"same/copy of finance.json"} | set(GOOD) | {run.outside.name}
    assert expected <= names


def test_the_bad_file_count() -> None:
    """The issue asks for at least 25 bad-file cases."""
    module = sys.modules[__name__]
    cases = 0
    for name in dir(module):
        if name.startswith("test_") and name not in ("test_the_bad_file_count", "test_34_every_readable_bad_file_is_judged_alone"):
            marks = getattr(getattr(module, name), "pytestmark", [])
            params = [m for m in marks if m.name == "parametrize"]
            cases += len(params[0].args[1]) if params else 1
    assert cases >= 25, cases
