"""Build the corpus of awkward published reports in tests/published/fixtures/ (and its manifest.json).

Run ``.venv/bin/python tests/published/published_fixture_builder.py`` after changing it, and commit the output;
tests/published/test_corpus.py checks that the committed files are what this script writes.

Each fixture is a whole report rendered from figures + a layout, optionally mutated; its tables are the official
ones of schemas.grid (spans, labels, keys) with the report's texts. The manifest says what parsing it must give:
``exact`` (all 200 cells, as JSON), ``ParseError`` (section + a piece of the row label) or ``OldFormatError``
(era + label). Two sets of figures: the 连云区 sample, and "distinct" figures where every cell
has its own value, so that a number placed in the wrong cell cannot go unnoticed.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import opencc

from sampledata.lianyun import lianyun_cells
from schemas import cells as C
from schemas import grid as G
from schemas.values import fee_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_S2T = opencc.OpenCC("s2t")

Values = dict[str, Any]  # cell key -> int | Decimal | None

# --- figures ----------------------------------------------------------------------------------------------


def distinct_cells(scale: int = 1) -> Values:
    """Every cell a different number (its position in the form), so a misplaced value shows."""
    out: Values = {}
    for cell in C.CELLS:
        out[cell.key] = cell.order * scale
    out[C.FEE_KEY] = Decimal("1234.5678") * scale
    return out


# --- table model ------------------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


Row = list[Cell]


@dataclass
class Table:
    rows: list[Row]
    width: int


def _v(values: Values, key: str, blank: str = "-", thousands: bool = False) -> str:
    v = values.get(key)
    if v is None:
        return blank
    if isinstance(v, Decimal):
        text = fee_text(v)
        if thousands:
            whole, _, frac = text.partition(".")
            text = f"{int(whole):,}" + (f".{frac}" if frac else "")
        return text
    return f"{v:,}" if thousands else str(v)


@dataclass
class Options:
    thousands: bool = False
    hints: bool = False  # hints in parentheses inside row labels
    fee_header: str = "本年收费金额（单位：万元）"


def _text(slot: G.Slot, values: Values, o: Options) -> str:
    """What a slot of the official table says in this report: the figure, or the label (with the options' hints and
    fee header)."""
    if slot.key is not None:
        return _v(values, slot.key, thousands=o.thousands)
    assert slot.label is not None
    if slot.label == C.FEE_AMOUNT:
        return o.fee_header
    if o.hints and slot.label in HINTS:
        return slot.label.zh + HINTS[slot.label]
    return slot.label.zh


# what some units print after a row label (options.hints), by that label
HINTS = {
    next(i.label for i in C.S2_ITEMS if i.key == "regulations"): "（设区的市、自治州人民政府应提供相关数据）",
    next(r.label for r in C.S3_ROWS if r.key == "not_handled_petition"): "（含信访、举报、投诉）",
}


def official_table(table: G.Table, values: Values, o: Options) -> Table:
    """An official table (schemas.grid) with this report's texts, spans as the national format has them."""
    return Table([[Cell(_text(s, values, o), s.rowspan, s.colspan) for s in row] for row in table.rows], table.width)


def s2_table(values: Values, o: Options) -> Table:
    return official_table(G.S2_TABLE, values, o)


def s3_table(values: Values, o: Options) -> Table:
    return official_table(G.S3_TABLE, values, o)


def s4_table(values: Values, o: Options) -> Table:
    return official_table(G.S4_TABLE, values, o)


# --- layouts ----------------------------------------------------------------------------------------------


def render_table(t: Table, layout: str) -> list[str]:
    out: list[str] = []
    for row in t.rows:
        texts = [c.text for c in row]
        if layout == "flat":  # the portal copy: one cell per line, "|" after it, bare pipes to pad the row
            out.extend(f"{x} |" for x in texts)
            pad = t.width - sum(c.colspan for c in row)
            if pad > 0:
                out.append("|" * pad)
        elif layout == "pipe":
            out.append("| " + " | ".join(texts) + " |")
        elif layout == "tab":
            out.append("\t".join(texts))
        elif layout == "space":
            out.append("  ".join(texts))
        else:
            raise ValueError(layout)
    return out


def render_html_table(t: Table) -> list[str]:
    out = ['<table border="1" cellspacing="0">', "<tbody>"]
    for row in t.rows:
        tds = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            )
            tds.append(f"<td{attrs}><p>{c.text}</p></td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


# --- the whole report -------------------------------------------------------------------------------------


@dataclass
class Report:
    unit: str
    year: int
    values: Values
    options: Options = field(default_factory=Options)
    metadata: bool = True

    def narrative(self) -> dict[str, list[str]]:
        v, y = self.values, self.year

        def n(key: str) -> Any:
            return v.get(key)

        s4_totals = [n(C.s4(g, "total")) for g in C.S4_GROUP_KEYS]
        if all(t == 0 for t in s4_totals):
            review = "未发生行政复议和行政诉讼情况。"
        else:
            review = (
                f"因政府信息公开工作被申请行政复议{s4_totals[0]}件，被提起行政诉讼{s4_totals[1] + s4_totals[2]}件。"
            )
        overview = [
            f"{y}年，{self.unit}认真落实政务公开的各项要求，推动政府信息公开工作取得积极成效。",
            "（一）全方位推进主动公开。坚持公开为常态、不公开为例外的原则，全面做好主动公开工作。",
            f"（二）规范完成依申请公开工作。{y}年新受理政府信息公开申请{n('s3.new_received.total')}件，"
            f"其中{n('s3.total_processed.total')}件已在时限范围内完成答复，"
            f"{n('s3.carried_out.total')}件结转下年度继续办理，" + review,
            (
                f"（三）持续加大政府信息管理力度。{y}年全区行政规范性文件制发{n('s2.normative_docs.issued')}件，"
                f"废除{n('s2.normative_docs.repealed')}件，现行有效{n('s2.normative_docs.in_force')}件。"
            ),
            "（四）切实加强政府信息公开平台建设。（五）加强政府信息公开监督保障。",
        ]
        problems = ["一是政府信息公开队伍建设有待加强。二是公开的内容和形式不够丰富。", "针对上述问题，将加强培训。"]
        other = [f"{y}年，没有因政府信息公开申请收取信息处理费。"]
        return {"一": overview, "五": problems, "六": other}

    def head(self) -> list[str]:
        title = f"{self.unit}{self.year}年政府信息公开工作年度报告"
        lines = []
        if self.metadata:
            lines += [
                "| 索 引 号 | 14258248/2023-00042 | 分 类 | 综合政务/其他 / 报告 |",
                f"| 发布机构 | {self.unit}办公室 | 发文日期 | {self.year + 1}-02-20 |",
                f"| 标 题 | {title} | ||",
                f"| 内容概述 | {self.year}年，一、总体情况良好。 | ||",
            ]
        lines += [
            title,
            f"- 时间:{self.year + 1}-02-20 09:37:30 来源:{self.unit}办公室 阅读次数:",
            (
                f"根据《中华人民共和国政府信息公开条例》规定，现发布《{title}》。本年报中所列数据的统计期限自"
                f"{self.year}年1月1日起至{self.year}年12月31日止。"
            ),
        ]
        return lines

    def tables(self) -> dict[str, Table]:
        return {
            "二": s2_table(self.values, self.options),
            "三": s3_table(self.values, self.options),
            "四": s4_table(self.values, self.options),
        }


def render(
    rep: Report, layout: str, tables: dict[str, Table] | None = None, headings: tuple[str, ...] | None = None
) -> str:
    tables = tables or rep.tables()
    text = rep.narrative()
    heads = headings or tuple(h.zh for h in C.SECTION_HEADINGS)
    if layout == "html":
        body = [f"<h1>{line}</h1>" if i == 0 else f"<p>{line}</p>" for i, line in enumerate(rep.head()[-3:])]
        for name, heading in zip("一二三四五六", heads):
            body.append(f"<p><strong>{heading}</strong></p>")
            if name in tables:
                body += render_html_table(tables[name])
            else:
                body += [f"<p>{para}</p>" for para in text[name]]
        title = rep.head()[-3]
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>' + title + "</title>"
            "<style>td{border:1px solid}</style><script>var x = '<td>1</td>';</script></head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )
    lines = rep.head()
    for name, heading in zip("一二三四五六", heads):
        lines.append(heading)
        lines += render_table(tables[name], layout) if name in tables else text[name]
    return "\n".join(lines) + "\n"


def layout_page(html: str) -> str:
    """A portal page: navigation, the article inside a layout table cell, sloppy tags (unclosed </p>, </td>,
    </tr>), entities, a footer with numbers."""
    head, _, rest = html.partition("<body>")
    body, _, _ = rest.partition("</body>")
    body = body.replace("</p>", "").replace("</td>", "").replace("</tr>", "").replace("，", "&#65292;")
    nav = '<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk">政府信息公开</a> &gt; 年度报告</div>'
    footer = '<div class="foot">网站标识码 3207030001 | 苏ICP备 12345678号 | 访问量 1024</div>'
    return (
        head + "<body>" + nav + '<table width="100%"><tr><td class="left">栏目导航<br>规划计划<br>年度报告</td>'
        '<td class="article">' + body + "</td></tr></table>" + footer + "</body></html>\n"
    )


# --- script and character-width variants ---------------------------------------------------------------


def traditional(text: str) -> str:
    return _S2T.convert(text)


def mixed(text: str) -> str:
    """Every other line in traditional script (a page assembled from two sources)."""
    return "\n".join(_S2T.convert(x) if i % 2 else x for i, x in enumerate(text.split("\n")))


_FULLWIDTH = str.maketrans({**{chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}})


def fullwidth_digits(text: str) -> str:
    """Digits, '.', ',' and '|' inside table lines in full width (a copy from a PDF or a Word table)."""
    out = []
    for line in text.split("\n"):
        out.append(line.translate(_FULLWIDTH) if "|" in line else line)
    return "\n".join(out)


# --- table mutations (the error cases) -------------------------------------------------------------------


def find_row(t: Table, label_part: str) -> int:
    for i, row in enumerate(t.rows):
        if any(label_part in c.text for c in row):
            return i
    raise KeyError(label_part)


def drop_value(t: Table, label_part: str, index: int) -> None:
    row = t.rows[find_row(t, label_part)]
    del row[len(row) - 7 + index]


def add_value(t: Table, label_part: str, text: str = "0") -> None:
    t.rows[find_row(t, label_part)].append(Cell(text))


def set_value(t: Table, label_part: str, index_from_end: int, text: str) -> None:
    row = t.rows[find_row(t, label_part)]
    row[len(row) - index_from_end].text = text


def split_value(t: Table, label_part: str, index_from_end: int, at: int) -> None:
    row = t.rows[find_row(t, label_part)]
    i = len(row) - index_from_end
    text = row[i].text
    row[i : i + 1] = [Cell(text[:at]), Cell(text[at:])]


def delete_row(t: Table, label_part: str) -> None:
    del t.rows[find_row(t, label_part)]


def duplicate_row(t: Table, label_part: str) -> None:
    i = find_row(t, label_part)
    t.rows.insert(i + 1, copy.deepcopy(t.rows[i]))


def swap_rows(t: Table, a: str, b: str) -> None:
    i, j = find_row(t, a), find_row(t, b)
    t.rows[i], t.rows[j] = t.rows[j], t.rows[i]


def _s3_group_sums(values: Values, group: C.Label | None) -> list[int]:
    members = [r.key for r in C.S3_ROWS if (r.group == group if group else r.outcome)]
    return [sum(values[C.s3(r, col)] for r in members) for col in C.S3_COL_KEYS]


def insert_subtotals(t: Table, values: Values, wrong: bool = False) -> None:
    """A '小计' row after the last sub-row of each group (三)…(六) (a public code template does this)."""
    for group, last in (
        (C.G3_DENIED, "8.属于行政查询事项"),
        (C.G4_UNABLE, "3.补正后申请内容仍不明确"),
        (C.G5_NOT_HANDLED, "5.要求行政机关确认"),
        (C.G6_OTHER, "3.其他"),
    ):
        sums = _s3_group_sums(values, group)
        if wrong and group is C.G5_NOT_HANDLED:
            sums[0] += 1
        t.rows.insert(find_row(t, last) + 1, [Cell("小计"), *(Cell(str(s)) for s in sums)])


def group_rows_with_values(t: Table, values: Values) -> None:
    """(三)…(六) group labels on their own row carrying the group's sums (subtotal in the group header row)."""
    for group in (C.G3_DENIED, C.G4_UNABLE, C.G5_NOT_HANDLED, C.G6_OTHER):
        i = find_row(t, group.zh)
        row = t.rows[i]
        head = next(c for c in row if c.text == group.zh)
        row.remove(head)
        sums = _s3_group_sums(values, group)
        t.rows.insert(i, [Cell(group.zh, colspan=2), *(Cell(str(s)) for s in sums)])


def legal_subtotal_column(t: Table) -> None:
    """An extra 法人或其他组织 subtotal column in 三 (8 numbers per row)."""
    for row in t.rows[3:]:
        vals = row[-7:]
        sub = sum(int(c.text) for c in vals[1:6])
        row.insert(len(row) - 1, Cell(str(sub)))


# --- old formats ----------------------------------------------------------------------------------------


def trial_2019_report(year: int = 2020) -> str:
    unit = "某某区人民政府"
    lines = [
        f"{unit}{year}年政府信息公开工作年度报告",
        "一、总体情况",
        f"{year}年，本区认真贯彻《中华人民共和国政府信息公开条例》。",
        "二、主动公开政府信息情况",
        "| 第二十条第（一）项 | | | |",
        "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
        "| 规章 | 0 | 0 | 0 |",
        "| 规范性文件 | 5 | 5 | 31 |",
        "| 第二十条第（五）项 | | | |",
        "| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
        "| 行政许可 | 120 | +3 | 982 |",
        "| 其他对外管理服务事项 | 4 | 0 | 17 |",
        "| 第二十条第（九）项 | | | |",
        "| 信息内容 | 采购项目数量 | 采购总金额 | |",
        "| 政府集中采购 | 12 | 251000元 | |",
        "三、收到和处理政府信息公开申请情况",
        "| （六）其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "四、政府信息公开行政复议、行政诉讼情况",
        "| 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "五、存在的主要问题及改进情况",
        "队伍建设有待加强。",
        "六、其他需要报告的事项",
        "无。",
    ]
    return "\n".join(lines) + "\n"


def trial_2019_only_single_other_row(year: int = 2021) -> str:
    """Section 二 in the 2021 layout, but 三 has a single (六)其他处理 row (as the 2019 form had)."""
    rep = Report("某某街道办事处", year, distinct_cells())
    tables = rep.tables()
    t = tables["三"]
    for label in ("1.申请人无正当理由", "2.申请人逾期未按收费通知"):
        delete_row(t, label)
    i = find_row(t, "3.其他")
    sums = _s3_group_sums(rep.values, C.G6_OTHER)
    t.rows[i] = [Cell(C.G6_OTHER.zh, colspan=2), *(Cell(str(s)) for s in sums)]
    return render(rep, "pipe", tables)


def era_2008_report(year: int = 2010) -> str:
    lines = [
        f"某某市人民政府{year}年政府信息公开工作年度报告",
        "一、概述",
        f"{year}年，我市继续深入贯彻落实《中华人民共和国政府信息公开条例》。",
        "二、主动公开政府信息情况",
        f"{year}年共主动公开政府信息3,210条。",
        "三、依申请公开政府信息情况",
        "共收到申请126件，同意公开答复数98件。",
        "四、政府信息公开的收费及减免情况",
        "本年度未收取任何费用。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "无。",
        "六、存在的主要问题及改进措施",
        "公开内容不够全面。",
        "附表：政府信息公开情况统计表",
        "| 指标名称 | 计量单位 | 数量 |",
        "| 主动公开信息数 | 条 | 3210 |",
        "| 申请总数 | 件 | 126 |",
        "| 其中：当面申请数 | 件 | 30 |",
        "| 同意公开答复数 | 件 | 98 |",
        "| 行政复议数 | 件 | 0 |",
    ]
    return "\n".join(lines) + "\n"


# --- the corpus -----------------------------------------------------------------------------------------

LIANYUN = "连云区人民政府"


def cells_json(values: Values) -> dict[str, Any]:
    return {k: (fee_text(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


@dataclass
class Fixture:
    name: str
    text: str
    expect: dict[str, Any]
    encoding: str = "utf-8"


def exact(rep: Report, **extra: Any) -> dict[str, Any]:
    return {"expect": "exact", "unit_name": rep.unit, "year": rep.year, "cells": cells_json(rep.values), **extra}


def refused(section: str, row: str) -> dict[str, Any]:
    return {"expect": "ParseError", "section": section, "row": row}


def corpus() -> list[Fixture]:
    fx: list[Fixture] = []
    ly = Report(LIANYUN, 2022, dict(lianyun_cells()))
    dist = Report("某某区人民政府", 2023, distinct_cells())

    def add(name: str, text: str, expect: dict[str, Any], encoding: str = "utf-8") -> None:
        fx.append(Fixture(name, text, expect, encoding))

    # --- layouts that must parse exactly ---
    add("ok_flat_traditional_lianyun.txt", traditional(render(ly, "flat")), exact(ly))
    add("ok_flat_simplified_distinct.txt", render(dist, "flat"), exact(dist))
    add("ok_flat_traditional_distinct.txt", traditional(render(dist, "flat")), exact(dist))
    add("ok_flat_mixed_script.txt", mixed(render(dist, "flat")), exact(dist))
    add("ok_pipe_rows.txt", render(dist, "pipe"), exact(dist))
    add("ok_pipe_rows_traditional.md", traditional(render(dist, "pipe")), exact(dist))
    add("ok_tab_rows.tsv.txt", render(dist, "tab"), exact(dist))
    add("ok_space_rows.txt", render(dist, "space"), exact(dist))
    add("ok_html_rowspan_colspan.html", render(dist, "html"), exact(dist))
    add("ok_html_layout_table_sloppy.html", layout_page(render(dist, "html")), exact(dist))
    add(
        "ok_html_traditional_gb18030.html",
        traditional(render(ly, "html")).replace('charset="utf-8"', 'charset="gb18030"'),
        exact(ly),
        encoding="gb18030",
    )
    add("ok_utf8_bom.txt", "\ufeff" + render(ly, "pipe"), exact(ly), encoding="utf-8")
    add("ok_fullwidth_digits_punct.txt", fullwidth_digits(render(dist, "pipe")), exact(dist))

    big = Report("某某县人民政府", 2022, distinct_cells(scale=1001), Options(thousands=True))
    add("ok_thousands_separators.txt", render(big, "pipe"), exact(big))
    add("ok_thousands_separators_flat.txt", traditional(render(big, "flat")), exact(big))

    hinted = Report("某某区人民政府", 2023, distinct_cells(), Options(hints=True))
    add("ok_hints_in_labels.txt", render(hinted, "flat"), exact(hinted))
    add("ok_hints_in_labels.html", traditional(render(hinted, "html")), exact(hinted))

    no_meta = Report("某某区人民政府", 2023, distinct_cells(), metadata=False)
    add("ok_no_metadata_block.txt", render(no_meta, "pipe"), exact(no_meta))

    # header cells split across lines / by spaces, labels split across two lines (flat layout)
    text = render(dist, "flat")
    text = text.replace("商业企业 |", "商业\n企业 |").replace("科研机构 |", "科研 机构 |")
    text = text.replace(
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形） |",
        "（二）部分公开（区分处理的，只计这一情形，\n不计其他情形） |",
    )
    text = text.replace("结果维持 |", "结果\n维持 |")
    add("ok_split_header_cells.txt", text, exact(dist))

    # section 四 sub-headers truncated as on the real page ("结果", "其他", "尚未")
    tables = dist.tables()
    for row in tables["四"].rows[1:3]:
        for c in row:
            c.text = {"结果纠正": "结果", "其他结果": "其他", "尚未审结": "尚未"}.get(c.text, c.text)
    add("ok_truncated_s4_headers.txt", traditional(render(dist, "flat", tables)), exact(dist))

    # 二: rows of a sub-table in another order, columns of (一) in another order -> mapped by label
    tables = dist.tables()
    swap_rows(tables["二"], "行政处罚", "行政强制")
    t2 = tables["二"]
    for i in (1, 2, 3):  # header row and the two (一) rows: move 现行有效件数 to the front
        row = t2.rows[i]
        row[1:4] = [row[3], row[1], row[2]]
    add("ok_s2_rows_and_columns_reordered.txt", render(dist, "pipe", tables), exact(dist))

    # explicit blanks: "-" in a cell, an empty pipe cell between values -> None (S2 reports them later)
    blanks = Report("某某区人民政府", 2023, distinct_cells())
    blanks.values = dict(blanks.values)
    blanks.values["s3.granted.legal_research"] = None
    blanks.values["s2.admin_penalty.decisions"] = None
    tables = blanks.tables()
    set_value(tables["三"], "（一）予以公开", 5, "")  # an explicit empty pipe cell, between values
    add("ok_explicit_blanks.txt", render(blanks, "pipe", tables), exact(blanks))
    add("ok_dash_placeholders_flat.txt", render(blanks, "flat"), exact(blanks))

    # extra subtotal rows that are exactly the sums -> detected and dropped
    tables = dist.tables()
    insert_subtotals(tables["三"], dist.values)
    add("ok_subtotal_rows_excluded.txt", render(dist, "pipe", tables), exact(dist))
    tables = dist.tables()
    group_rows_with_values(tables["三"], dist.values)
    add("ok_group_rows_with_sums_excluded.html", render(dist, "html", tables), exact(dist))

    # fee header in 元: converted to 万元 (and noted)
    yuan = Report("某某区人民政府", 2023, distinct_cells(), Options(fee_header="本年收费金额（单位：元）"))
    tables = yuan.tables()
    set_value(tables["二"], "行政事业性收费", 1, "12345678")
    add("ok_fee_in_yuan.txt", render(yuan, "pipe", tables), exact(yuan, note="converted from 元"))

    # the section 四 heading worded differently; 五 heading with 措施
    heads = tuple(h.zh for h in C.SECTION_HEADINGS)
    heads = heads[:3] + (
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "五、存在的主要问题及改进措施",
        heads[5],
    )
    add("ok_heading_variants.txt", render(dist, "pipe", headings=heads), exact(dist))

    # --- refused: cannot place every cell without a guess ---
    def mutated(
        name: str,
        rep: Report,
        layout: str,
        change: Callable[[dict[str, Table]], None],
        expect: dict[str, Any],
        script: Callable[[str], str] = lambda s: s,
    ) -> None:
        tables = rep.tables()
        change(tables)
        add(name, script(render(rep, layout, tables)), expect)

    mutated(
        "bad_dropped_cell_flat.txt",
        dist,
        "flat",
        lambda t: drop_value(t["三"], "（二）部分公开", 3),
        refused("三", "部分公开"),
        traditional,
    )
    mutated(
        "bad_dropped_cell_pipe.txt",
        dist,
        "pipe",
        lambda t: drop_value(t["三"], "2.重复申请", 6),
        refused("三", "重复申请"),
    )
    mutated(
        "bad_dropped_cell_html.html", ly, "html", lambda t: drop_value(t["三"], "（七）总计", 0), refused("三", "总计")
    )
    mutated("bad_extra_number.txt", dist, "flat", lambda t: add_value(t["三"], "2.重复申请"), refused("三", "重复申请"))
    mutated(
        "bad_extra_number_s2.txt",
        dist,
        "pipe",
        lambda t: add_value(t["二"], "行政许可", "3"),
        refused("二", "行政许可"),
    )
    mutated(
        "bad_number_split_across_cells.txt",
        dist,
        "flat",
        lambda t: split_value(t["三"], "一、本年新收", 1, 1),
        refused("三", "本年新收"),
    )
    mutated(
        "bad_number_split_s2.txt",
        big,
        "pipe",
        lambda t: split_value(t["二"], "行政许可", 1, 2),
        refused("二", "行政许可"),
    )
    mutated(
        "bad_text_in_number_cell.txt",
        dist,
        "pipe",
        lambda t: set_value(t["三"], "4.保护第三方", 3, "见附件"),
        refused("三", "保护第三方"),
    )
    mutated(
        "bad_malformed_number.txt",
        dist,
        "pipe",
        lambda t: set_value(t["三"], "（一）予以公开", 2, "1,07"),
        refused("三", "予以公开"),
    )
    mutated(
        "bad_unit_in_count_cell.txt",
        dist,
        "pipe",
        lambda t: set_value(t["二"], "行政处罚", 1, "12元"),
        refused("二", "行政处罚"),
    )
    mutated(
        "bad_missing_row.txt",
        dist,
        "flat",
        lambda t: delete_row(t["三"], "3.补正后申请内容仍不明确"),
        refused("三", "补正后申请内容仍不明确"),
    )
    mutated(
        "bad_missing_row_s2.txt", dist, "pipe", lambda t: delete_row(t["二"], "行政强制"), refused("二", "行政强制")
    )
    mutated(
        "bad_duplicate_row.txt",
        dist,
        "pipe",
        lambda t: duplicate_row(t["三"], "6.属于四类过程性信息"),
        refused("三", "属于四类过程性信息"),
    )
    mutated(
        "bad_swapped_rows.txt",
        dist,
        "flat",
        lambda t: swap_rows(t["三"], "2.重复申请", "3.要求提供公开出版物"),
        refused("三", "重复申请"),
        traditional,
    )
    mutated(
        "bad_swapped_top_rows.html",
        dist,
        "html",
        lambda t: swap_rows(t["三"], "一、本年新收", "二、上年结转"),
        refused("三", "本年新收"),
    )
    mutated(
        "bad_subtotal_rows_wrong_sum.txt",
        dist,
        "pipe",
        lambda t: insert_subtotals(t["三"], dist.values, True),
        refused("三", "小计"),
    )
    mutated(
        "bad_legal_subtotal_column.txt",
        dist,
        "pipe",
        lambda t: legal_subtotal_column(t["三"]),
        refused("三", "本年新收"),
    )
    mutated(
        "bad_s4_extra_value.txt", dist, "pipe", lambda t: t["四"].rows[-1].append(Cell("0")), refused("四", "数据行")
    )
    mutated(
        "bad_s4_dropped_value.txt", ly, "flat", lambda t: t["四"].rows[-1].pop(3), refused("四", "数据行"), traditional
    )
    mutated(
        "bad_s4_no_group_headers.txt",
        dist,
        "pipe",
        lambda t: t["四"].rows.__delitem__(slice(0, 3)),
        refused("四", "表头"),
    )
    mutated(
        "bad_s2_row_under_wrong_caption.txt",
        dist,
        "pipe",
        lambda t: swap_rows(t["二"], "行政许可", "行政强制"),
        refused("二", "行政"),
    )
    mutated(
        "bad_s3_columns_reordered.txt",
        dist,
        "pipe",
        lambda t: t["三"].rows[2].insert(0, t["三"].rows[2].pop(1)),
        refused("三", "表头"),
    )
    mutated(
        "bad_trailing_empty_cell_ambiguous.txt",
        dist,
        "pipe",
        lambda t: set_value(t["三"], "1.属于国家秘密", 1, ""),
        refused("三", "属于国家秘密"),
    )
    # a table flattened to one cell per line marks an empty cell with a bare "|": read as blank (S2 then rejects it)
    blank_cell = Report(
        dist.unit, dist.year, {**dist.values, C.s3("denied_state_secret", "legal_social_welfare"): None}
    )
    mutated(
        "ok_empty_line_cell_flat.txt",
        dist,
        "flat",
        lambda t: set_value(t["三"], "1.属于国家秘密", 4, ""),
        exact(blank_cell),
    )
    add(
        "bad_missing_heading.txt",
        render(dist, "pipe").replace("四、政府信息公开行政复议、行政诉讼情况\n", ""),
        refused("四", "四"),
    )
    # no title: the year comes from the statistics period; the unit is left to the roster (or --unit)
    untitled = "\n".join(render(no_meta, "pipe").split("\n")[1:])
    add("ok_no_title_year_from_period.txt", untitled, exact(Report("", no_meta.year, no_meta.values)))
    add("bad_no_title_no_period.txt", re.sub(r".*统计.*\n", "", untitled), refused("标题", "title"))

    # --- older formats ---
    add(
        "old_2019_trial.txt",
        trial_2019_report(2020),
        {"expect": "OldFormatError", "era": "2019-trial", "label": "本年新制作数量", "year": 2020},
    )
    add(
        "old_2019_trial_traditional.html",
        traditional(
            "<html><body>"
            + "".join(
                f"<p>{x}</p>"
                if "|" not in x
                else "<table><tr><td>" + x.strip("| ").replace(" | ", "</td><td>") + "</td></tr></table>"
                for x in trial_2019_report(2019).split("\n")
            )
            + "</body></html>"
        ),
        {"expect": "OldFormatError", "era": "2019-trial", "label": "本年新制作数量", "year": 2019},
    )
    # a 2021 table (section 二 in the 2021 layout) whose (六)其他处理 is one row: read, the three sub-rows missing
    single = Report(
        "某某街道办事处",
        2021,
        {
            **distinct_cells(),
            **{
                C.s3(r, c): None
                for r in ("other_no_correction", "other_fee_unpaid", "other_other")
                for c in C.S3_COL_KEYS
            },
        },
    )
    add(
        "ok_2021_single_other_row.txt",
        trial_2019_only_single_other_row(2021),
        exact(single, other_single_row=_s3_group_sums(distinct_cells(), C.G6_OTHER)),
    )
    add(
        "old_2008_era.txt",
        era_2008_report(2010),
        {"expect": "OldFormatError", "era": "2008-era", "label": "概述", "year": 2010},
    )
    add(
        "old_2008_era_table_only.txt",
        traditional(era_2008_report(2012).replace("一、概述", "一、总体情况")),
        {"expect": "OldFormatError", "era": "2008-era", "label": "依申请公开政府信息情况", "year": 2012},
    )
    return fx


def write(target: Path = FIXTURES) -> dict[str, Any]:
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {}
    for f in corpus():
        (target / f.name).write_bytes(f.text.encode(f.encoding))
        manifest[f.name] = f.expect
    (target / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


if __name__ == "__main__":
    m = write()
    print(f"wrote {len(m)} fixtures to {FIXTURES}")
