"""A file's kind comes from its content; the name only breaks ties. Misnamed files are read by what they are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from intake.read import read_submission
from intake.sniff import describe, kind_of
from intake.template import write_form
from sampledata.lianyun import lianyun_cells, sample_report_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "published"))
from docx_fixture_builder import build_docx, published_html

FIXTURES = Path(__file__).parent / "fixtures"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def form(tmp_path: Path) -> bytes:
    return write_form(tmp_path / "f.xlsx", "320703", "连云区人民政府", 2022, lianyun_cells()).read_bytes()


def test_kinds_from_content(tmp_path: Path) -> None:
    gbk_report = sample_report_text().encode("gb18030")
    cases = {
        "docx": build_docx(),
        "xlsx": form(tmp_path),
        "pdf": PDF,
        "doc": (FIXTURES / "tiny.doc").read_bytes(),  # made by LibreOffice (Word 97 binary, as WPS .wps is too)
        "xls": (FIXTURES / "tiny.xls").read_bytes(),
        "rtf": b"{\\rtf1\\ansi hello}",
        "parquet": b"PAR1" + b"\x00" * 20 + b"PAR1",
        "json": b'\xef\xbb\xbf  {"format": "nianbao.return/1"}',
        "csv": b"unit_id,320703\ncell,value\ns2.regulations.issued,0\n",
        "html": published_html().encode(),
        "text": gbk_report,
        "unknown": PNG,
    }
    for kind, data in cases.items():
        for name in ("x.txt", "x.bin", "x.json", "x"):  # the name never overrides identified content
            expect = "json" if kind == "text" and name == "x.json" else kind  # (text: the name breaks the tie)
            assert kind_of(data, name) == expect, (kind, name)


def test_the_name_breaks_ties() -> None:
    assert kind_of(b"", "年报.docx") == "docx" and kind_of(b"", "年报.wps") == "doc" and kind_of(b"", "a.et") == "xls"
    assert kind_of(b"", "noname") == "unknown"
    assert kind_of(b"just words", "a.csv") == "csv" and kind_of(b"just words", "a.htm") == "html"
    assert kind_of(b"just words", "a.docx") == "text"  # a binary name does not make text binary
    assert kind_of(b"PK\x03\x04 broken", "a.xlsx") == "xlsx"  # the XLSX guard explains the damage
    assert kind_of(b"PK\x03\x04 broken", "a.zip") == "unknown"
    assert kind_of("cell,value\n".encode("utf-16"), "a.csv") == "csv"  # undecodable text: the CSV reader says why
    assert kind_of(PNG, "a.txt") == kind_of(PNG, "a.csv") == "unknown"  # but a signature is never overridden
    assert kind_of(b"junk\r\n" + PDF, "a") == "pdf" and kind_of("正文提到 %PDF-1.4 格式".encode(), "a.txt") == "text"


def test_describe_names_what_it_is() -> None:
    assert describe(PNG) == "a PNG image"
    assert "PowerPoint" not in describe((FIXTURES / "tiny.doc").read_bytes())
    assert describe(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) == "a damaged old-Office (OLE2) file"


def test_docx_named_txt_reads_as_docx(tmp_path: Path) -> None:
    path = tmp_path / "连云区年报.txt"
    path.write_bytes(build_docx())
    outcome = read_submission(path)
    assert outcome.failures == [] and outcome.reader == "published-docx"
    assert len(outcome.ret.cells) == 200 and outcome.ret.cells["s3.new_received.total"] == 48


def test_xlsx_named_json_reads_as_the_form(tmp_path: Path) -> None:
    path = tmp_path / "320703.json"
    path.write_bytes(form(tmp_path))
    outcome = read_submission(path)
    assert outcome.failures == [] and outcome.reader == "xlsx-form" and outcome.ret.cells == lianyun_cells()


def test_pdf_named_html_goes_to_the_pdf_reader(tmp_path: Path) -> None:
    path = tmp_path / "年报.html"
    path.write_bytes(PDF)
    outcome = read_submission(path)
    try:
        import intake.pdf_reader  # noqa: F401
    except ImportError:
        assert outcome.reader == "unreadable" and "PDF reading not installed" in outcome.failures[0].detail
    else:  # a PDF without text: the PDF reader refuses it, as a PDF
        assert outcome.reader == "unreadable" and "PDF" in outcome.failures[0].detail
    assert "not an HTML page (as its name says): the content is a PDF document" in outcome.failures[0].detail


@pytest.mark.parametrize("name", ["年报.docx", "年报.png", "年报"])
def test_an_image_is_refused_naming_it(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(PNG)
    outcome = read_submission(tmp_path / name)
    assert outcome.ret is None and len(outcome.failures) == 1
    detail = outcome.failures[0].detail
    assert outcome.failures[0].rule == "I1" and "unknown file type" in detail and "a PNG image" in detail
    assert ("not a DOCX document" in detail) == name.endswith(".docx")


def test_missing_libreoffice_is_a_clear_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_SOFFICE", "/nonexistent/soffice")
    for name in ("年报.doc", "年报.wps"):
        (tmp_path / name).write_bytes((FIXTURES / "tiny.doc").read_bytes())
    (tmp_path / "报表.xls").write_bytes((FIXTURES / "tiny.xls").read_bytes())
    for name in ("年报.doc", "年报.wps", "报表.xls"):
        outcome = read_submission(tmp_path / name)
        assert outcome.ret is None and outcome.failures[0].rule == "I1", name
        detail = outcome.failures[0].detail
        assert "converter is missing" in detail and "/nonexistent/soffice" in detail
        assert "libreoffice-writer-nogui" in detail and "libreoffice-calc-nogui" in detail


def test_libreoffice_not_on_path_is_a_clear_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIANBAO_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    (tmp_path / "年报.doc").write_bytes((FIXTURES / "tiny.doc").read_bytes())
    detail = read_submission(tmp_path / "年报.doc").failures[0].detail
    assert "LibreOffice (soffice) is not installed" in detail and "apt-get install libreoffice-writer-nogui" in detail


def test_a_parquet_file_under_another_name_is_read_row_by_row(tmp_path: Path) -> None:
    from intake.parquet import write_returns_parquet
    from intake.read import read_submissions
    from sampledata.lianyun import lianyun_return

    first, second = lianyun_return(), lianyun_return()
    second.unit_id = "320703999"
    path = write_returns_parquet([first, second], tmp_path / "returns.parquet")
    renamed = path.rename(tmp_path / "returns.dat")
    outcomes = read_submissions([renamed])
    assert [(o.reader, o.row, o.ret.unit_id) for o in outcomes] == [
        ("parquet", 1, first.unit_id),
        ("parquet", 2, "320703999"),
    ]


def test_html_or_text_as_the_published_parser_sees_it() -> None:
    """sniff keeps its own copy of the HTML hint (so reading files does not load OpenCC): it must agree with the
    published-report parser on every corpus page."""
    from intake.published_text import looks_like_html

    corpus = sorted((Path(__file__).resolve().parents[1] / "published" / "fixtures").glob("*.*"))
    pages = [p.read_bytes() for p in corpus if p.suffix in (".txt", ".html", ".htm")]
    assert len(pages) > 10
    kinds = [kind_of(data, "page") for data in pages]
    assert "html" in kinds and "text" in kinds
    for data, kind in zip(pages, kinds):
        if kind in ("html", "text"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            assert (kind == "html") == looks_like_html(text)


def test_without_the_pdf_reader_a_pdf_is_refused_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "intake.pdf_reader", None)  # makes the import fail
    (tmp_path / "年报.pdf").write_bytes(PDF)
    outcome = read_submission(tmp_path / "年报.pdf")
    assert outcome.reader == "unreadable" and outcome.failures[0].rule == "I1"
    assert outcome.failures[0].detail.startswith("PDF reading not installed")
