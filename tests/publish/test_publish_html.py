"""report.html: a complete, self-contained page with the official sections, labels and merged headers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from publish_fixtures import DISTRICT_FEE, FORMULA_NAME, SCRIPT_NAME, assert_in_order, make_report, page

from publish.errors import ReportDataError
from publish.layout import annex_grid, place, s2_grid, s3_grid, s4_grid, show
from publish.render import render_html
from schemas.cells import (
    CELL_KEYS,
    FEE_KEY,
    INFO_CONTENT,
    S2_ITEMS,
    S3_APPLICANT,
    S3_COLS,
    S3_CORNER,
    S3_LEGAL_GROUP,
    S3_RESULTS_GROUP,
    S3_ROWS,
    S4_GROUPS,
    S4_LITIGATION,
    S4_RESULTS,
    S4_REVIEW,
    SECTION_HEADINGS,
)


@pytest.fixture
def html(report) -> str:
    return render_html(report)


def section_start(text: str, number: int) -> int:
    """Position of the heading of section ``number`` (1..6) in the page text."""
    pos = text.find(SECTION_HEADINGS[number - 1].zh)
    assert pos >= 0
    return pos


def test_the_page_is_complete_self_contained_and_chinese(html) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert "<title>连云区人民政府2022年政府信息公开工作年度报告</title>" in html
    assert html.rstrip().endswith("</html>")
    assert "<style>" in html
    for external in ("<script", "<link", " src=", "@import", "url(", "<iframe"):
        assert external not in html.lower(), external


def test_the_six_section_headings_appear_in_order(html) -> None:
    text = page(html).text
    assert_in_order(text, [h.zh for h in SECTION_HEADINGS])
    assert_in_order(text, [SECTION_HEADINGS[5].zh, "附表"])  # the annex comes after 六


def test_section_two_has_the_four_sub_tables_with_official_labels_in_order(html) -> None:
    text = page(html).text
    expected: list[str] = []
    previous = None
    for item in S2_ITEMS:
        if item.subtable != previous:
            expected += [item.subtable.zh, INFO_CONTENT.zh] + [label.zh for _, label in item.fields]
            previous = item.subtable
        expected.append(item.label.zh)
    end = assert_in_order(text, expected, section_start(text, 2))
    assert end < section_start(text, 3)
    assert "本年收费金额（单位：万元）" in expected and "第二十条第（八）项" in expected


def test_section_three_has_every_column_and_row_label_in_order(html) -> None:
    text = page(html).text
    legal = [c.label.zh for c in S3_COLS if c.legal_person]
    header = [S3_CORNER.zh, S3_APPLICANT.zh, S3_COLS[0].label.zh, S3_LEGAL_GROUP.zh, S3_COLS[-1].label.zh, *legal]
    rows: list[str] = []
    group = None
    for row in S3_ROWS:
        if row.key == "granted":
            rows.append(S3_RESULTS_GROUP.zh)
        if row.group is not None and row.group != group:
            rows.append(row.group.zh)
        group = row.group
        rows.append(row.label.zh)
    assert len([r for r in S3_ROWS]) == 25
    end = assert_in_order(text, header + rows, section_start(text, 3))
    assert end < section_start(text, 4)


def test_section_four_has_the_group_and_result_labels_in_order(html) -> None:
    text = page(html).text
    results = [label.zh for _, label in S4_RESULTS]
    litigation = [g.label.zh for g in S4_GROUPS if g.top == S4_LITIGATION]
    expected = [S4_REVIEW.zh, S4_LITIGATION.zh, *results, *litigation, *results, *results]
    end = assert_in_order(text, expected, section_start(text, 4))
    assert end < section_start(text, 5)


def spans(html: str) -> dict[str, tuple[int, int]]:
    """Header text -> (rowspan, colspan) for every th (first occurrence)."""
    out: dict[str, tuple[int, int]] = {}
    for tag, attrs, text in page(html).cells:
        if tag == "th":
            out.setdefault(text, (int(attrs.get("rowspan", 1)), int(attrs.get("colspan", 1))))
    return out


def test_merged_headers_follow_the_national_format(html) -> None:
    s = spans(html)
    assert s[S3_CORNER.zh] == (3, 3)
    assert s["申请人情况"] == (1, 7)
    assert s["自然人"] == (2, 1)
    assert s["法人或其他组织"] == (1, 5)
    assert s["三、本年度办理结果"] == (22, 1)  # 21 outcome rows and （七）总计
    assert s["（三）不予公开"] == (8, 1)
    assert s["（四）无法提供"] == (3, 1)
    assert s["（五）不予处理"] == (5, 1)
    assert s["（六）其他处理"] == (3, 1)
    assert s["（一）予以公开"] == (1, 2)
    assert s["（七）总计"] == (1, 2)
    assert s["一、本年新收政府信息公开申请数量"] == (1, 3)
    assert s["四、结转下年度继续办理"] == (1, 3)
    assert s["行政复议"] == (1, 5)
    assert s["行政诉讼"] == (1, 10)
    assert s["未经复议直接起诉"] == (1, 5)
    assert s["复议后起诉"] == (1, 5)
    assert s["结果维持"] == (2, 1)  # the review group's results span the two lower header rows
    assert s["第二十条第（一）项"] == (1, 4)
    assert s["本年处理决定数量"] == (1, 3)
    assert s["本年收费金额（单位：万元）"] == (1, 3)
    assert 'colspan="5">法人或其他组织</th>' in html


@pytest.mark.parametrize("grid_of, width", [(s2_grid, 4), (s3_grid, 10), (s4_grid, 15)])
def test_every_row_of_the_official_tables_fills_its_width(report, grid_of, width) -> None:
    grid = grid_of(report.cells)
    assert grid.width == width
    placed = place(grid)  # raises LayoutError when a row is short, long or overlapping
    covered = sum(c.rowspan * c.colspan for _, _, c in placed)
    assert covered == width * len(grid.rows)


def test_annex_grid_tiles_its_rectangle(report) -> None:
    grid = annex_grid(report)
    placed = place(grid)
    assert sum(c.rowspan * c.colspan for _, _, c in placed) == grid.width * len(grid.rows)


def test_all_200_figures_are_in_their_cells_and_the_fee_is_exact(html, report) -> None:
    figures = {attrs["data-cell"]: text for tag, attrs, text in page(html).cells if "data-cell" in attrs}
    assert list(figures) == list(CELL_KEYS)  # every cell once, in the official order
    assert figures == {k: show(report.cells[k]) for k in CELL_KEYS}
    assert figures[FEE_KEY] == DISTRICT_FEE
    assert figures["s3.new_received.total"] == "48"
    assert figures["s2.admin_license.decisions"] == "3021"


def test_the_fee_is_printed_exactly_without_float_noise() -> None:
    cells = make_report().cells
    cells[FEE_KEY] = Decimal("0.1") + Decimal("0.2")
    html = render_html(make_report(cells=cells))
    assert f'data-cell="{FEE_KEY}">0.3</td>' in html
    cells[FEE_KEY] = Decimal("12345678901.000000")
    html = render_html(make_report(cells=cells))
    assert f'data-cell="{FEE_KEY}">12345678901</td>' in html


def test_the_narrative_quotes_the_consolidated_figures_and_states_the_scope(html) -> None:
    text = page(html).text
    one = text[section_start(text, 1) : section_start(text, 2)]
    assert "统计范围为全区" in one
    assert "名册所列4个报告单位" in one and "其中3个单位的报表经校验后纳入汇总" in one
    assert "全区共新收政府信息公开申请48件，上年结转0件" in one
    assert "本年度办结45件" in one
    assert "结转下年度继续办理3件" in one
    assert "全区制发行政规范性文件12件，废止0件，现行有效72件" in one
    assert "行政复议0件、行政诉讼0件" in one
    assert "统计范围：全区" in text[: section_start(text, 1)]
    six = text[section_start(text, 6) : text.find("附表：各报告单位数据")]
    assert "信息处理费" in six
    assert page(html).text.count(SECTION_HEADINGS[4].zh) == 1


def test_the_narrative_passes_the_narrative_checks_x1_to_x3(report) -> None:
    from publish.render import report_json
    from schemas.narrative import check_narrative
    from schemas.returns import CanonicalReturn

    doc = report_json(report)
    ret = CanonicalReturn(report.district_id, report.district_name, report.year, report.cells, doc["narrative"])
    assert check_narrative(ret) == []
    cells = dict(report.cells)
    cells["s3.new_received.total"] += 1  # the text says 48, the table now 49: X1 must catch it
    assert {f.rule for f in check_narrative(CanonicalReturn("d", "d", 2022, cells, doc["narrative"]))} == {"X1"}


def test_narrative_overrides_replace_a_section_and_are_escaped() -> None:
    report = make_report(narrative={"problems": "<b>本年度</b>无突出问题。\n下一步继续改进。"})
    html = render_html(report)
    assert "&lt;b&gt;本年度&lt;/b&gt;无突出问题。" in html
    assert "<b>" not in html
    assert "<p>下一步继续改进。</p>" in html
    text = page(html).text
    assert "全区共新收政府信息公开申请48件" in text  # 一 still from the template


def test_the_annex_lists_every_unit_in_roster_order_with_status_and_version(html, report) -> None:
    text = page(html).text
    annex = text[text.find("附表：各报告单位数据") :]
    assert_in_order(annex, [x for u in report.units for x in (u.unit_id, u.unit_name)])
    assert_in_order(annex, ["320703001", "连云区人民政府办公室", "政府办公室", "已采用", "1", "746.844"])
    assert_in_order(annex, ["320703102", FORMULA_NAME, "政府部门", "未报送", "—"])
    assert_in_order(annex, ["全区合计", DISTRICT_FEE])
    rows = re.findall(r"<tr>(.*?)</tr>", html[html.find('class="form annex"') :], flags=re.DOTALL)
    assert len(rows) == 2 + len(report.units) + 1  # two header rows, one per unit, the total


def test_a_unit_name_with_markup_is_escaped(html) -> None:
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;街道办事处" in html
    assert SCRIPT_NAME in page(html).text  # and reads back as the original name


def test_an_incomplete_report_is_refused_naming_the_cell() -> None:
    cells = make_report().cells
    del cells["s3.carried_out.total"]
    with pytest.raises(ReportDataError, match=r"s3\.carried_out\.total"):
        render_html(make_report(cells=cells))
    cells = make_report().cells
    cells["s4.review.total"] = "3"
    with pytest.raises(ReportDataError, match=r"s4\.review\.total is '3'"):
        render_html(make_report(cells=cells))


def test_an_unknown_unit_status_is_refused() -> None:
    report = make_report()
    report.units[0].status = "ok"
    with pytest.raises(ReportDataError, match="320703001"):
        render_html(report)


def test_rendering_is_deterministic(report) -> None:
    assert render_html(report) == render_html(make_report())


def test_the_published_page_reads_back_through_the_published_report_parser(html, report) -> None:
    """`nianbao parse` on our own report.html gives back the consolidated cells exactly."""
    from intake.published import parse_published

    ret = parse_published(html, "report.html")
    assert ret.year == 2022
    assert {k: ret.cells[k] for k in CELL_KEYS} == {k: report.cells[k] for k in CELL_KEYS}
