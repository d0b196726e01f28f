"""intake.pdf_reader: published reports as PDF with a text layer, read into lines for the shared section logic.

The real report (淮安市洪泽区 2023, exported by WPS: a paragraph background behind every text line, the matrix cut
by a page break, a vertical merged label, page numbers "- N -") is checked row by row against a hand transcription.
Our own district report printed by Chromium three ways must give exactly the 200 cells of its HTML parse.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from intake.document import Line
from intake.errors import UnreadableFile
from intake.pdf_reader import read_pdf_lines
from intake.published import parse_lines, parse_published
from publish.render import render_html
from schemas import cells as C

REAL = Path(__file__).parent / "real"
REAL_PDF = REAL / "2023_huaian-hongzequ_quzhengfu.pdf"
EXPECTED = json.loads((REAL / "expected_section3.json").read_text(encoding="utf-8"))["reports"][REAL_PDF.stem]

# The matrix rows as printed in the real PDF, in order: (row key, label pieces joined by " "). "2.其他法律行政止公开"
# is a misprint in the published PDF itself (its text layer and its glyphs lack 法规禁).
REAL_ROWS = [
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果 （一）予以公开"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开 1.属于国家秘密"),
    ("denied_prohibited_by_law", "2.其他法律行政止公开"),
    ("denied_security_stability", "3.危及“三安全一稳定”"),
    ("denied_third_party", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"),
    ("denied_process_info", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "7.属于行政执法案卷"),
    ("denied_admin_inquiry", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unable_unclear_after_correction", "3.补正后申请内容仍不明确"),
    ("not_handled_petition", "（五）不予处理 1.信访举报投诉类申请"),
    ("not_handled_duplicate", "2.重复申请"),
    ("not_handled_publication", "3.要求提供公开出版物"),
    ("not_handled_excessive", "4.无正当理由大量反复申请"),
    ("not_handled_confirm_existing", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_single_row", "（六）其他处理"),
    ("total_processed", "（七）总计"),
    ("carried_out", "四、结转下年度继续办理"),
]


def pieces(line: Line) -> list[str]:
    return [p.strip() for p in line.text.strip()[1:-1].split("|")]


@pytest.fixture(scope="module")
def real_lines() -> list[Line]:
    return read_pdf_lines(REAL_PDF.read_bytes())


def matrix_rows(lines: list[Line]) -> list[Line]:
    """The rows of section 三's table that carry seven figures."""
    first = next(line for line in lines if line.is_row and "本年新收政府信息公开申请数量" in line.text)
    table = first.where.table
    return [
        line
        for line in lines
        if line.is_row
        and line.where.table == table
        and len(pieces(line)) >= 8
        and all(re.fullmatch(r"\d+", p) for p in pieces(line)[-7:])
    ]


# --- the real PDF ---------------------------------------------------------------------------------------------


def test_real_rows_are_in_official_order_with_the_transcribed_figures(real_lines) -> None:
    rows = matrix_rows(real_lines)
    official = [r.key for r in C.S3_ROWS if r.group != C.G6_OTHER]
    official.insert(official.index("total_processed"), "other_single_row")
    assert [key for key, _ in REAL_ROWS] == official  # the test's own list is the official order
    assert len(rows) == len(REAL_ROWS)
    for line, (key, label) in zip(rows, REAL_ROWS):
        got = pieces(line)
        assert " ".join(p for p in got[:-7] if p) == label, line.text
        assert [int(v) for v in got[-7:]] == [EXPECTED[C.s3(key, col)] for col in C.S3_COL_KEYS], key


def test_real_matrix_is_one_table_stitched_over_the_page_break(real_lines) -> None:
    rows = matrix_rows(real_lines)
    assert {r.where.table for r in rows} == {rows[0].where.table}
    assert [r.where.page for r in rows].count(3) == 14 and [r.where.page for r in rows].count(4) == 9
    numbers = [r.where.row for r in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    last = rows[-1]  # 四、结转下年度继续办理: label in grid column 1 (spanning 3), figures in columns 4..10
    assert [w.col for w in last.cells] == [1, 4, 5, 6, 7, 8, 9, 10]
    assert all(w.page == 4 and w.row == last.where.row for w in last.cells)
    first_on_4 = rows[14]  # 3.补正后…: the empty pieces of the merged cells cut by the page break are not cells
    assert first_on_4.where.page == 4 and [w.col for w in first_on_4.cells] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert pieces(first_on_4)[0] == "3.补正后申请内容仍不明确"
    granted = rows[2]  # the vertical label 三、本年度办理结果 in column 1, once, on its first row
    assert [w.col for w in granted.cells][:2] == [1, 2]
    assert sum("本年度办理结果" in line.text for line in real_lines) == 1


def test_real_page_numbers_are_gone_and_the_title_is_whole(real_lines) -> None:
    assert not [line.text for line in real_lines if re.search(r"-\s*\d+\s*-", line.text)]
    assert real_lines[0].text == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert real_lines[0].where.page == 1 and real_lines[0].where.line == 1
    headings = [line.text for line in real_lines if re.fullmatch(r"[一二三四五六]、.*情况|[五六]、.*", line.text)]
    assert headings[0] == "一、总体情况" and "六、其他需要报告的事项" in headings


def test_real_sections_two_and_four(real_lines) -> None:
    rows = [line.text for line in real_lines if line.is_row]
    for row in (
        "| 规章 | 0 | 0 | 0 |",
        "| 行政规范性文件 | 0 | 5 | 5 |",
        "| 行政许可 | 550 |",
        "| 行政处罚 | 4119 |",
        "| 行政强制 | 195 |",
        "| 信息内容 | 本年收费金额（单位：万元） |",
        "| 行政事业性收费 | 7730.28 |",
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
    ):
        assert rows.count(row) == 1, row
    s4 = next(line for line in real_lines if line.is_row and "未经复议直接起诉" in line.text).where.table
    data = [pieces(line) for line in real_lines if line.where.table == s4 and all(p.isdigit() for p in pieces(line))]
    assert data == [["10", "1", "0", "0", "0", "0", "0", "0", "0", "0", "5", "0", "0", "0", "0"]]
    assert rows.count("| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |") == 1


def test_real_report_reads_exactly_as_printed(real_lines) -> None:
    """As published: the misprinted label (三)2 cannot anchor its row, so section 三 is read by the order of its
    rows (every row one run of seven values, the other labels beside their values), the single (六) row kept."""
    ret = parse_lines(real_lines, REAL_PDF.name)
    assert ret.year == 2023 and ret.unit_name == "洪泽区人民政府"
    for key, value in EXPECTED.items():
        if ".other_single_row." in key:
            assert ret.other_single_row[C.S3_COL_KEYS.index(key.rsplit(".", 1)[1])] == value, key
        else:
            assert ret.cells[key] == value, key
    for row in ("other_no_correction", "other_fee_unpaid", "other_other"):
        assert all(ret.cells[C.s3(row, c)] is None for c in C.S3_COL_KEYS)  # not printed: missing, never 0
    assert ret.provenance[C.s3("granted", "total")] == "第3页 表2 第6行 第10列（总计）：“0”"


def test_real_report_with_the_misprint_mended_reads_by_its_labels(real_lines) -> None:
    mended = [
        Line(line.text.replace("2.其他法律行政止公开", "2.其他法律行政法规禁止公开"), line.where, line.cells)
        for line in real_lines
    ]
    ret = parse_lines(mended, REAL_PDF.name)
    assert ret.other_single_row == (0,) * 7
    for key, value in EXPECTED.items():
        if ".other_single_row." not in key:
            assert ret.cells[key] == value, key


def test_not_a_pdf_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="not a readable PDF"):
        read_pdf_lines(b"this is not a PDF at all")
    with pytest.raises(UnreadableFile):
        read_pdf_lines(REAL_PDF.read_bytes()[:5000])  # truncated


# --- our own report printed by Chromium ---------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FOOTER = '<div style="font-size:10px;width:100%;text-align:center">- <span class="pageNumber"></span> -</div>'
PAGE_OF = (
    '<div style="font-size:10px;width:100%;text-align:right;padding-right:40px">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
FOOTER_ZH = '<div style="font-size:10px;width:100%;text-align:center">第 <span class="pageNumber"></span> 页</div>'
HEADER = '<div style="font-size:9px;width:100%;text-align:center">连云区政务公开工作专报</div>'
NARROW = "main { font-size: 20px; } table.form { font-size: 18px; }"  # labels wrap, the matrix breaks over pages


def _publish_fixtures():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "publish_fixtures_for_pdf", Path(__file__).parents[1] / "publish" / "publish_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def printed(tmp_path_factory):  # type: ignore[no-untyped-def]
    """{variant: PDF bytes} for the HTML report (a, b, c) and a scan-like PDF, plus the HTML's own parse."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("pdf")
    html = render_html(_publish_fixtures().make_report())
    (folder / "report.html").write_text(html, encoding="utf-8")
    out: dict[str, bytes] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto((folder / "report.html").as_uri())
            out["a"] = page.pdf(format="A4")
            out["b"] = page.pdf(
                format="A4",
                display_header_footer=True,
                header_template=HEADER,
                footer_template=FOOTER,
                margin={"top": "60px", "bottom": "60px", "left": "40px", "right": "40px"},
            )
            out["d"] = page.pdf(
                format="A4",
                display_header_footer=True,
                header_template=PAGE_OF,
                footer_template=FOOTER_ZH,
                margin={"top": "60px", "bottom": "60px"},
            )
            shot = page.screenshot(full_page=False)
            page.add_style_tag(content=NARROW)
            out["c"] = page.pdf(
                width="150mm",
                height="210mm",
                display_header_footer=True,
                header_template=HEADER,
                footer_template=FOOTER,
                margin={"top": "50px", "bottom": "50px", "left": "30px", "right": "30px"},
            )
            image = base64.b64encode(shot).decode()
            page.set_content(f'<body style="margin:0"><img style="width:100%" src="data:image/png;base64,{image}">')
            out["scan"] = page.pdf(format="A4")
        finally:
            browser.close()
    return out, parse_published(html, "report.html")


@pytest.mark.browser
@pytest.mark.parametrize("variant", ["a", "b", "c", "d"])
def test_printed_report_gives_the_cells_of_the_html(printed, variant: str) -> None:
    pdfs, expected = printed
    lines = read_pdf_lines(pdfs[variant])
    ret = parse_lines(lines, f"report-{variant}.pdf")
    assert set(ret.cells) == set(C.CELL_KEYS) == set(expected.cells)
    assert {k: ret.cells[k] for k in C.CELL_KEYS} == {k: expected.cells[k] for k in C.CELL_KEYS}
    assert (ret.unit_name, ret.year) == (expected.unit_name, expected.year) == ("连云区人民政府", 2022)
    texts = [line.text for line in lines]
    running = r"-\s*\d+\s*-|第\s*\d+\s*页|\d+\s*/\s*\d+|.*政务公开工作专报"
    assert not [t for t in texts if re.fullmatch(running, t)]


@pytest.mark.browser
def test_narrow_print_wraps_labels_and_breaks_the_matrix(printed) -> None:
    """Variant c really exercises what it is for: the matrix spans two pages (one table, the repeated header
    dropped) and long labels were set on several lines in the PDF."""
    import io

    import pdfplumber

    pdfs, _ = printed
    lines = read_pdf_lines(pdfs["c"])
    rows = matrix_rows(lines)
    assert len(rows) == 25 and len({r.where.page for r in rows}) == 2 and len({r.where.table for r in rows}) == 1
    assert sum("法人或其他组织" in line.text for line in lines if line.where.table == rows[0].where.table) == 1
    assert all(pieces(r)[0] for r in rows)  # no empty piece of a merged cell cut by the page break
    label = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert any(pieces(r)[0] == label for r in rows)
    with pdfplumber.open(io.BytesIO(pdfs["c"])) as pdf:
        printed_lines = [t["text"].replace(" ", "") for page in pdf.pages for t in page.extract_text_lines()]
    assert any("部分公开" in t for t in printed_lines)
    assert not any("部分公开（区分处理的，只计这一情形，不计其他情形）" in t for t in printed_lines)  # wrapped


@pytest.mark.browser
def test_scan_like_pdf_is_refused(printed) -> None:
    pdfs, _ = printed
    with pytest.raises(UnreadableFile, match="scan with no text layer"):
        read_pdf_lines(pdfs["scan"])
