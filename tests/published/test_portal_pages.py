"""A zone's departments and townships send their saved portal pages, and the office consolidates them as a
district, as it does for forms (issue: consolidating real reports). Synthetic pages made from our own figures,
dressed as a portal serves them: breadcrumbs, share buttons, navigation, a hidden copy of a table, GBK bytes
declared by a meta charset, and titles that carry the county name before the roster's unit name. Plain
``pipeline.run`` with a real DuckDB warehouse and the real Great Expectations checkpoint."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intake_flow"))

from intake_flow_support import DISTRICT, run_batch
from published_fixture_builder import Report, distinct_cells, render

from sampledata.lianyun import lianyun_cells
from sampledata.roster import district_roster
from schemas import cells as C
from warehouse.store import Warehouse

YEAR = 2022
UNITS = district_roster(DISTRICT, "示范区", n_departments=3, n_townships=1)
BY_NAME = {u.unit_name: u for u in UNITS}


def portal_page(report_html: str, charset: str = "gbk") -> bytes:
    """A report's HTML inside a portal's page furniture, encoded as the meta charset declares."""
    body = report_html.split("<body>", 1)[-1].rsplit("</body>", 1)[0] if "<body>" in report_html else report_html
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        "<title>政府信息公开年报</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/xxgk">信息公开</a></div>'
        '<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>'
        # a hidden draft of a table with other figures: a browser never shows it, so nianbao must not read it
        '<table style="display: none"><tr><td>一、本年新收政府信息公开申请数量</td><td>999</td></tr></table>'
        f'<div class="article">{body}</div>'
        '<div class="share">分享到：微信 微博 QQ空间 【打印本页】【关闭窗口】</div>'
        "</body></html>"
    )
    return page.encode("gb18030" if charset.lower() in ("gbk", "gb2312", "gb18030") else charset)


def page_of(name: str, values: dict, title_name: str | None = None) -> bytes:
    rep = Report(title_name or name, YEAR, values, metadata=False)
    return portal_page(render(rep, "html"))


def test_saved_portal_pages_consolidate_like_forms(tmp_path: Path) -> None:
    good = lianyun_cells()
    broken = copy.deepcopy(good)  # a real error as published: the (七)总计 row printed as zeros
    for col in C.S3_COL_KEYS:
        broken[C.s3("total_processed", col)] = 0
    blank = dict(distinct_cells())
    blank[C.s3("granted", "legal_research")] = None  # a cell left empty on the page
    office, reform, education, civil, street = UNITS[1:]
    files = {
        # the title names the unit with the county in front of the roster's name
        "办公室年报.html": page_of(office.unit_name, good, "某某省" + office.unit_name),
        "发改局.html": page_of(reform.unit_name, good),
        "教育局.html": page_of(education.unit_name, broken),
        "民政局.html": page_of(civil.unit_name, blank),
        "城东街道.htm": page_of(street.unit_name, good),
    }
    batch = run_batch(tmp_path, files, UNITS, year=YEAR, until="checkpoint")

    status = {name: batch.status(name) for name in files}
    assert status == {
        "办公室年报.html": "accepted",
        "发改局.html": "accepted",
        "城东街道.htm": "accepted",
        "教育局.html": "rejected",
        "民政局.html": "rejected",
    }
    units = dict(zip(batch.submissions["original_name"], batch.submissions["unit_id"]))
    assert units == {
        "办公室年报.html": office.unit_id,
        "发改局.html": reform.unit_id,
        "教育局.html": education.unit_id,
        "民政局.html": civil.unit_id,
        "城东街道.htm": street.unit_id,
    }
    # the real error fails its own rule, naming the cell; it is not a parse failure and nothing is repaired
    a2 = batch.failures(file="教育局.html", rule="A2")
    assert {f.cell for f in a2} == {
        C.s3("total_processed", c)
        for c in C.S3_COL_KEYS
        if good[C.s3("granted", c)] or any(good[C.s3(r, c)] for r in C.S3_OUTCOME_ROWS)
    }
    assert not batch.failures(file="教育局.html", rule="I1")
    # the blank cell is missing (S2), never 0
    assert [f.cell for f in batch.failures(file="民政局.html", rule="S2")] == [C.s3("granted", "legal_research")]
    # the hidden table's 999 was not read
    assert all(f.actual != "999" for f in batch.failures())

    assert batch.trace is not None and batch.trace.checkpoint is not None
    result = batch.trace.checkpoint
    with Warehouse(batch.warehouse_path, read_only=True) as wh:
        sources = wh.cell_sources(batch.submissions.set_index("original_name").loc["教育局.html", "sha256"])
    assert not result.success
    missing = {row["unit_id"] for o in result.outcomes if o.rule == "G1" and not o.success for row in o.unexpected}
    assert missing == {education.unit_id, civil.unit_id}
    # every cell of a page knows where it was read: the table, the row, the grid column
    assert sources[C.s3("total_processed", "total")][0].startswith("表2 ")
    assert "（总计）：“0”" in sources[C.s3("total_processed", "total")][0]


@pytest.mark.parametrize("charset", ["gbk", "gb2312", "utf-8"])
def test_a_page_is_decoded_by_its_meta_charset(tmp_path: Path, charset: str) -> None:
    from intake.published import parse_published_bytes

    data = page_of("示范区民政局", lianyun_cells())
    if charset != "gbk":
        data = (
            data.decode("gb18030")
            .replace("charset=gbk", f"charset={charset}")
            .encode("utf-8" if charset == "utf-8" else "gb18030")
        )
    ret = parse_published_bytes(data, "page.html")
    assert (ret.unit_name, ret.year) == ("示范区民政局", YEAR)
    assert ret.cells == {**ret.cells, **lianyun_cells()}
