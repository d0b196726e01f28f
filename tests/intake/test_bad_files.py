"""Bad files come back as a ReadOutcome naming the file and the rule, never as an exception."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import sys
import types
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from intake import read as read_module
from intake.read import MAX_FILE_BYTES, read_submission
from intake.template import write_form
from intake.xlsx import MAX_UNCOMPRESSED_BYTES
from sampledata.lianyun import lianyun_cells, lianyun_return
from schemas.cells import FEE_KEY
from schemas.validate import validate_returns
from schemas.values import fee_fits, fee_text, normalize_count, normalize_fee

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def only_failure(path: Path, rule: str):
    outcome = read_submission(path)
    assert outcome.ret is None and outcome.reader == "unreadable"
    assert len(outcome.failures) == 1, outcome.failures
    failure = outcome.failures[0]
    assert failure.rule == rule, failure
    assert failure.file == path.name
    assert path.name in failure.to_dict()["file"]
    return outcome, failure


def form_bytes(tmp_path: Path) -> bytes:
    return write_form(tmp_path / "good.xlsx", "1", "x", 2023, lianyun_cells()).read_bytes()


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    outcome, failure = only_failure(tmp_path / "empty.xlsx", "I1")
    assert "empty" in failure.detail
    assert outcome.sha256 == hashlib.sha256(b"").hexdigest() and outcome.size == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [(PNG, "PNG image"), (b"unit,1007\n", "plain text"), (b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xls")],
)
def test_not_a_spreadsheet(tmp_path: Path, content: bytes, says: str) -> None:
    (tmp_path / "renamed.xlsx").write_bytes(content)
    _, failure = only_failure(tmp_path / "renamed.xlsx", "I1")
    assert says in failure.detail and "not an XLSX" in failure.detail


def test_truncated_xlsx(tmp_path: Path) -> None:
    data = form_bytes(tmp_path)
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    _, failure = only_failure(tmp_path / "cut.xlsx", "I1")
    assert "corrupt or truncated" in failure.detail


def test_corrupt_member_fails_its_check(tmp_path: Path) -> None:
    data = bytearray(form_bytes(tmp_path))
    info = next(i for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist() if i.filename.endswith("sheet1.xml"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + 40):
        data[i] ^= 0x55
    (tmp_path / "flipped.xlsx").write_bytes(bytes(data))
    _, failure = only_failure(tmp_path / "flipped.xlsx", "I1")
    assert "sheet1.xml" in failure.detail


def test_zip_bomb_by_declared_size_is_refused_before_expanding(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (MAX_UNCOMPRESSED_BYTES + 1))
    (tmp_path / "bomb.xlsx").write_bytes(buffer.getvalue())
    assert len(buffer.getvalue()) < 100_000
    _, failure = only_failure(tmp_path / "bomb.xlsx", "I1")
    assert "zip bomb" in failure.detail and f"{MAX_UNCOMPRESSED_BYTES:,}" in failure.detail


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))
    (tmp_path / "ratio.xlsx").write_bytes(buffer.getvalue())
    _, failure = only_failure(tmp_path / "ratio.xlsx", "I1")
    assert "expands" in failure.detail and "zip bomb" in failure.detail


def test_zip_directory_that_lies_about_sizes(tmp_path: Path) -> None:
    """The directory says 1 000 bytes with a matching CRC, but the deflate stream goes on for 2 MB."""
    payload = b"<x/>" * (512 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", payload)
    data = bytearray(buffer.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    fake_size, fake_crc = 1000, zlib.crc32(payload[:1000])
    struct.pack_into("<III", data, info.header_offset + 14, fake_crc, info.compress_size, fake_size)  # local header
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<III", data, central + 16, fake_crc, info.compress_size, fake_size)  # central directory
    (tmp_path / "liar.xlsx").write_bytes(bytes(data))
    _, failure = only_failure(tmp_path / "liar.xlsx", "I1")
    assert "declared size" in failure.detail


def test_file_too_big_is_hashed_but_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    outcome, failure = only_failure(path, "I1")
    assert "limit" in failure.detail and outcome.size == MAX_FILE_BYTES + 1 and len(outcome.sha256) == 64


@pytest.mark.parametrize(
    ("name", "claim"),
    [
        ("return.pdf", "a PDF document"),
        ("return", ""),
        ("return.xls", "an XLS workbook"),
        ("return.docx", "a DOCX document"),
        ("return.bin", ""),
    ],
)
def test_text_under_another_name_is_read_as_text(tmp_path: Path, name: str, claim: str) -> None:
    """The kind comes from the content (intake.sniff): text is tried as a published report, and the refusal says
    the name promised something else."""
    (tmp_path / name).write_bytes(b"something")
    _, failure = only_failure(tmp_path / name, "I1")
    assert "cannot be read unambiguously" in failure.detail and "title" in failure.detail
    if claim:
        assert failure.detail.startswith(f"not {claim} (as its name says): the content is plain text")
    else:
        assert "as its name says" not in failure.detail


@pytest.mark.parametrize("name", ["return.pdf", "return", "return.zip"])
def test_unknown_content(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"\x00\x01\x02binary\xff" * 10)
    _, failure = only_failure(tmp_path / name, "I1")
    assert "unknown file type" in failure.detail and "unknown binary file" in failure.detail


def test_missing_file_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    outcome, failure = only_failure(tmp_path / "gone.json", "I1")
    assert "cannot be opened" in failure.detail and outcome.sha256 == ""


def test_a_folder_given_as_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.json").mkdir()
    only_failure(tmp_path / "dir.json", "I1")


# --- published reports go to intake.published when it is there --------------------------------------------------


def test_published_report_without_the_parser_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "intake.published", None)  # makes the import fail
    (tmp_path / "report.txt").write_text("2022年政府信息公开工作年度报告", encoding="utf-8")
    _, failure = only_failure(tmp_path / "report.txt", "I1")
    assert "published reports not supported yet" in failure.detail


def test_published_report_errors_map_to_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class ParseError(Exception):
        pass

    class OldFormatError(ParseError):
        pass

    def parse_published_bytes(data: bytes, source_name: str = ""):  # the bytes read, never the path again
        text = data.decode("utf-8")
        if "old" in text:
            raise OldFormatError("2019 trial format: 本年新制作数量")
        if "bad" in text:
            raise ParseError("section 三, row '（七）总计': found 2 values")
        return lianyun_return()

    fake = types.ModuleType("intake.published")
    fake.ParseError, fake.OldFormatError, fake.parse_published_bytes = ParseError, OldFormatError, parse_published_bytes
    monkeypatch.setitem(sys.modules, "intake.published", fake)
    for name, text in (("old.html", "old"), ("bad.txt", "bad"), ("good.htm", "good")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert only_failure(tmp_path / "old.html", "S1")[1].detail.endswith("本年新制作数量")
    assert "（七）总计" in only_failure(tmp_path / "bad.txt", "I1")[1].detail
    good = read_submission(tmp_path / "good.htm")
    assert good.reader == "published-html" and good.ret.cells == lianyun_cells() and good.failures == []


def test_an_unexpected_reader_error_still_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes):
        raise RuntimeError("boom")

    monkeypatch.setattr(read_module, "read_json", broken)
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    _, failure = only_failure(tmp_path / "x.json", "I1")
    assert "RuntimeError: boom" in failure.detail


def test_the_sample_published_report_goes_through_intake_published(tmp_path: Path) -> None:
    pytest.importorskip("intake.published")
    from sampledata.lianyun import sample_report_text

    path = tmp_path / "连云区 2022 年报.txt"
    path.write_text(sample_report_text(), encoding="utf-8")
    outcome = read_submission(path)
    assert outcome.reader == "published-text" and outcome.failures == []
    assert outcome.ret.cells == lianyun_cells() and outcome.ret.year == 2022


# --- issue 11: text no UTF-8 writer accepts, names that are not UTF-8, fees the warehouse cannot hold ------------


@pytest.mark.parametrize(
    ("field", "doc_change", "cell"),
    [
        ("narrative", {"narrative": {"other": "\ud83d"}}, "narrative.other"),
        ("cell", {"cells": {"s3.granted.total": "\udfff"}}, "s3.granted.total"),
        ("unit id", {"unit_id": "\ud800x"}, "unit_id"),
        ("unit name", {"unit_name": "局" + chr(0xDBFF)}, "unit_name"),  # built: a literal would feed other tests
    ],
)
def test_a_lone_surrogate_is_i1_naming_the_field(tmp_path: Path, field: str, doc_change: dict, cell: str) -> None:
    doc = lianyun_return().to_json()
    for key, value in doc_change.items():
        doc[key] = {**doc[key], **value} if isinstance(value, dict) and key == "cells" else value
    path = tmp_path / f"{field}.json"
    path.write_text(json.dumps(doc), encoding="ascii")  # the escape \ud83d, as a broken encoder writes it
    _, failure = only_failure(path, "I1")
    assert failure.cell == cell and "lone UTF-16 surrogate" in failure.detail
    assert json.dumps(failure.to_dict(), ensure_ascii=False).encode("utf-8")  # every field can be written


def test_a_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    name = "财政局".encode("gbk") + b".json"
    path = Path(os.fsdecode(tmp_path / os.fsdecode(name)))
    path.write_text(json.dumps(lianyun_return().to_json()), encoding="utf-8")
    outcome = read_submission(path)
    assert outcome.failures == [] and outcome.ret.cells == lianyun_cells()
    assert outcome.original_name == "\\xb2\\xc6\\xd5\\xfe\\xbe\\xd6.json"
    assert outcome.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unreadable_file_with_a_gbk_name_names_it_escaped(tmp_path: Path) -> None:
    path = tmp_path / os.fsdecode("教育局".encode("gbk") + b".json")
    path.write_bytes(b"{")
    outcome = read_submission(path)
    [failure] = outcome.failures
    assert failure.rule == "I1" and outcome.ret is None and failure.file == outcome.original_name
    assert failure.file == "\\xbd\\xcc\\xd3\\xfd\\xbe\\xd6.json" and "not valid JSON" in failure.detail


@pytest.mark.parametrize(
    "text",
    [
        "1,5",
        "12,34",
        "1.500,25",
        "1 5",
        "1，5",
        "1'5",
        "1_5",
        "1,2345",
        "1,50,000",
        "1,5元",
        "1,5万元",
        "12,3456.7",
        "1, 500",
    ],
)
def test_an_ambiguous_fee_separator_is_left_as_text_for_s4(text: str) -> None:
    value, note = normalize_fee(text)
    assert value == text and note == ""
    [failure] = [f for f in validate_returns([_with_fee(text)], year=2022) if f.cell == FEE_KEY]
    assert failure.rule == "S4" and "ambiguous" in failure.detail and failure.actual == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,500", "1500"),
        ("1,234,567.25", "1234567.25"),
        ("1 500", "1500"),
        ("１，５００", "1500"),
        ("1,500元", "0.15"),
        ("746.844", "746.844"),
        ("0.000001", "0.000001"),
    ],
)
def test_thousands_in_groups_of_three_are_read(text: str, value: str) -> None:
    assert normalize_fee(text)[0] == Decimal(value)


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("999999999999.999999", True),
        ("1000000000000", False),
        ("1e30", False),
        ("9999999999999.99", False),
        ("1.0000005", False),
        ("1e-30", False),
        ("1.5000000000", True),
        ("0E-12", True),
        ("Infinity", False),
    ],
)
def test_a_fee_fits_the_warehouse_exactly_or_is_refused(value: str, fits: bool) -> None:
    assert fee_fits(Decimal(value)) is fits
    failures = [f for f in validate_returns([_with_fee(Decimal(value))], year=2022) if f.cell == FEE_KEY]
    assert [f.rule for f in failures if f.blocking] == ([] if fits else ["S4"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,5", "1,5"),
        ("12,34", "12,34"),
        ("1,0000", "1,0000"),
        ("1,007", 1007),
        ("1，234，567", 1234567),
        ("-1,007", -1007),
    ],
)
def test_a_count_reads_a_comma_only_between_groups_of_three(text: str, value) -> None:
    assert normalize_count(text) == value


def test_fee_text_never_rounds() -> None:
    assert fee_text(Decimal("1.0000005")) == "1.0000005" and fee_text(Decimal("1e30")) == "1" + "0" * 30
    assert fee_text(Decimal("746.8440000")) == "746.844"


def _with_fee(fee):
    ret = lianyun_return()
    ret.cells = {**ret.cells, FEE_KEY: fee}
    ret.year = 2022
    return ret
