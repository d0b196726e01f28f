"""Old office formats units really send, converted by a real LibreOffice: a .doc/.wps report reads like the DOCX it
was saved from, an .xls/.et form like its XLSX, a PDF named .html goes to the PDF reader. Timings are printed."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from office_helpers import need_soffice, save_as
from typer.testing import CliRunner

from intake.errors import UnreadableFile
from intake.office import convert
from intake.published import parse_published
from intake.read import read_submission
from intake.template import write_form
from sampledata.lianyun import lianyun_cells

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "published"))
from docx_fixture_builder import build_docx, published_html

pytestmark = pytest.mark.slow
NARRATIVE = {"overview": "2022年，全区…新受理政府信息公开申请16件。", "problems": "人员流动较大。", "other": "无"}


@pytest.fixture(scope="module")
def expected():
    return parse_published(published_html())


@pytest.fixture(scope="module")
def report_doc() -> bytes:
    start = time.perf_counter()
    data = save_as(build_docx("nested", wrapped=True), ".docx", "doc")
    print(f"\nLibreOffice DOCX -> DOC: {time.perf_counter() - start:.2f} s")
    return data


@pytest.fixture(scope="module")
def form_files(tmp_path_factory) -> tuple[bytes, bytes]:
    folder = tmp_path_factory.mktemp("form")
    xlsx = write_form(folder / "320703.xlsx", "320703", "连云区人民政府", 2022, lianyun_cells(), NARRATIVE).read_bytes()
    return xlsx, save_as(xlsx, ".xlsx", "xls")


@pytest.mark.parametrize("name", ["连云区 2022 年报.doc", "连云区 2022 年报.wps", "年报.txt"])
def test_a_doc_made_from_the_docx_reads_the_same(tmp_path: Path, expected, report_doc: bytes, name: str) -> None:
    (tmp_path / name).write_bytes(report_doc)
    start = time.perf_counter()
    outcome = read_submission(tmp_path / name)
    print(f"\n{name}: LibreOffice DOC -> DOCX + read: {time.perf_counter() - start:.2f} s")
    assert outcome.failures == [] and outcome.reader == "published-doc"
    assert outcome.ret.cells == expected.cells and len(outcome.ret.cells) == 200
    assert (outcome.ret.unit_name, outcome.ret.year) == ("连云区人民政府", 2022)


@pytest.mark.parametrize("name", ["320703.xls", "320703.et"])
def test_an_xls_made_from_the_form_reads_like_the_xlsx(tmp_path: Path, form_files, name: str) -> None:
    xlsx, xls = form_files
    (tmp_path / "320703.xlsx").write_bytes(xlsx)
    (tmp_path / name).write_bytes(xls)
    want = read_submission(tmp_path / "320703.xlsx").ret
    start = time.perf_counter()
    outcome = read_submission(tmp_path / name)
    print(f"\n{name}: LibreOffice XLS -> XLSX + read: {time.perf_counter() - start:.2f} s")
    assert outcome.failures == [] and outcome.reader == "xls-form"
    got = outcome.ret
    assert got.cells == want.cells == lianyun_cells()
    assert (got.unit_id, got.unit_name, got.year, got.narrative) == (want.unit_id, want.unit_name, want.year, NARRATIVE)


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    pdf = save_as(build_docx(), ".docx", "pdf")  # LibreOffice's PDF export of the Word report
    assert pdf.startswith(b"%PDF-")
    return pdf


def test_a_pdf_named_html_is_read_as_pdf(tmp_path: Path, expected, report_pdf: bytes) -> None:
    (tmp_path / "年报.html").write_bytes(report_pdf)
    outcome = read_submission(tmp_path / "年报.html")
    try:
        import intake.pdf_reader  # noqa: F401
    except ImportError:
        assert outcome.reader == "unreadable" and "PDF reading not installed" in outcome.failures[0].detail
        return
    assert outcome.failures == [] and outcome.reader == "published-pdf"
    assert outcome.ret.cells == expected.cells and (outcome.ret.unit_name, outcome.ret.year) == ("连云区人民政府", 2022)


def test_automatic_numbering_is_drawn_as_libreoffice_draws_it() -> None:
    """LibreOffice's own text export of the numbered DOCX is the oracle for the enumerators we draw."""
    from intake.docx_reader import read_docx_lines

    data = build_docx(numbered=True)
    drawn = {"".join(line.split()) for line in save_as(data, ".docx", "txt").decode("utf-8-sig").splitlines()}
    lines = read_docx_lines(data)
    paragraphs = ["".join(line.text.split()) for line in lines if not line.is_row]
    labels = [
        "".join(piece.split())
        for line in lines
        if line.where.table == 2
        for piece in line.text.strip("| ").split(" | ")
        if piece[:1] in "（12345678"
    ]
    assert "二、主动公开政府信息情况" in paragraphs and "（三）不予公开" in labels and "2.重复申请" in labels
    assert [p for p in paragraphs if p not in drawn] == []
    assert [label for label in labels if label not in drawn] == []


def test_parallel_conversions_do_not_collide(expected, report_doc: bytes, form_files) -> None:
    """Each conversion has its own LibreOffice profile: two at once both finish, each with its own result."""
    from concurrent.futures import ThreadPoolExecutor

    from intake.docx_reader import read_docx_lines
    from intake.published import parse_lines
    from intake.xlsx import read_form

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        docx_job = pool.submit(convert, report_doc, ".doc", "docx")
        xlsx_job = pool.submit(convert, form_files[1], ".xls", "xlsx")
        docx_bytes, xlsx_bytes = docx_job.result(), xlsx_job.result()
    print(f"\ntwo conversions at once: {time.perf_counter() - start:.2f} s")
    assert parse_lines(read_docx_lines(docx_bytes)).cells == expected.cells
    assert read_form(xlsx_bytes).cells == lianyun_cells()


def test_a_conversion_that_times_out_is_refused() -> None:
    need_soffice()
    with pytest.raises(UnreadableFile, match="took longer than"):
        convert(build_docx(), ".docx", "docx", timeout=0.05)


def test_nianbao_parse_reads_every_kind_by_content(tmp_path: Path, expected, report_doc: bytes, form_files) -> None:
    from flows.cli import app

    files = {
        "a.docx.txt": build_docx(),
        "b.doc": report_doc,
        "c.html": published_html().encode(),
        "d.xls": form_files[1],
    }
    runner = CliRunner()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(app, ["parse", str(tmp_path / name)])
        assert result.exit_code == 0, (name, result.output)
        ret = json.loads(result.stdout)
        assert ret["year"] == 2022 and len(ret["cells"]) == 200, name
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    result = runner.invoke(app, ["parse", str(tmp_path / "photo.jpg")])
    assert result.exit_code == 1 and "a JPEG image" in result.output
