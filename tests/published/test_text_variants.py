"""Synthetic variants of our own reports, made as real copies go wrong: separators lost (glued digits, a whole
report on one line), labels wrapped, page numbers in the tables, values set before their labels (a PDF's text
layer), misspelt labels, renumbered or missing headings, sentences between a heading and its table, a portal
header before the title, full-width digits. Each must be read exactly or refused naming the section and row —
never read wrong."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal

import pytest
from published_fixture_builder import Report, render

from intake.published import ParseError, parse_published
from sampledata.lianyun import lianyun_cells
from sampledata.roster import district_roster
from sampledata.synthetic import unit_return
from schemas import cells as C

UNITS = district_roster("320799", "示范区", n_departments=3, n_townships=1)[1:]
FIGURES: dict[str, dict] = {"lianyun": lianyun_cells()} | {u.unit_id: unit_return(u, 2023, 7).cells for u in UNITS}
_VALUES = re.compile(r"^(?P<label>.*?\S)\s\s(?P<values>\d[\d\s.]*)$")


def report(figures: str) -> tuple[Report, str]:
    rep = Report("示范区教育局", 2023, dict(FIGURES[figures]), metadata=False)
    return rep, render(rep, "space")


def outcome(text: str, rep: Report) -> str:
    try:
        ret = parse_published(text, "variant.txt")
    except ParseError:
        return "refused"
    same = all(ret.cells[k] == (Decimal(str(v)) if k == C.FEE_KEY else v) for k, v in rep.values.items())
    return "exact" if same and (ret.unit_name, ret.year) == (rep.unit, rep.year) else "wrong"


def section(text: str, name: str) -> tuple[int, int]:
    """Line range (heading excluded) of a section of the rendered text."""
    lines = text.split("\n")
    heads = [h.zh for h in C.SECTION_HEADINGS]
    start = lines.index(heads["一二三四五六".index(name)])
    end = next(i for i in range(start + 1, len(lines)) if lines[i] in heads)
    return start + 1, end


def in_matrix(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to every line of section 三 that carries values."""
    lines = text.split("\n")
    a, b = section(text, "三")
    for i in range(a, b):
        if _VALUES.match(lines[i]):
            lines[i] = change(lines[i])
    return "\n".join(lines)


def glue(line: str) -> str:
    m = _VALUES.match(line)
    assert m
    return m["label"] + "".join(m["values"].split())


def values_first(line: str) -> str:
    """A PDF text layer: a tall row's values come out before its label."""
    m = _VALUES.match(line)
    assert m
    return m["values"] + "\n" + m["label"]


def wrap(line: str) -> str:
    m = _VALUES.match(line)
    assert m
    label = m["label"]
    cjk = [i for i in range(1, len(label)) if "\u4e00" <= label[i - 1] <= "\u9fff" and "\u4e00" <= label[i] <= "\u9fff"]
    if len(label) < 12 or not cjk:
        return line
    cut = min(cjk, key=lambda i: abs(i - len(label) // 2))  # as a narrow cell wraps: between two characters
    return label[:cut] + "\n" + label[cut:] + "  " + m["values"]


def footers(text: str) -> str:
    lines = text.split("\n")
    for n, at in enumerate(
        sorted({section(text, "三")[0] + 9, section(text, "三")[0] + 20, section(text, "二")[0] + 3})
    ):
        lines.insert(at + n, random.Random(at).choice(["- 3 -", "第 2 页 共 5 页", "4 / 6"]))
    return "\n".join(lines)


def renumbered(text: str) -> str:
    """The tables numbered 一/二/三 after a narrative of the unit's own, and no 六 heading."""
    heads = [h.zh for h in C.SECTION_HEADINGS]
    text = text.replace(heads[0], "一、总体情况", 1)
    text = text.replace(heads[1], "一、主动公开政府信息情况").replace(heads[2], "二、收到和处理政府信息公开申请情况")
    text = text.replace(heads[3], "三、政府信息公开行政复议、行政诉讼情况").replace(heads[5] + "\n", "")
    return text


def sentences(text: str) -> str:
    for heading in (h.zh for h in C.SECTION_HEADINGS[1:4]):
        text = text.replace(heading + "\n", heading + "\n本单位本年度的情况见下表。表中数据截至12月31日。\n", 1)
    return text


def portal_header(text: str) -> str:
    return (
        "当前位置：首页 > 政务公开 > 政府信息公开年报\n【字体：大 中 小】 打印本页 关闭窗口\n索引号：014314799/2024-00002\n"
        + text
    )


def typos(text: str) -> str:
    return (
        text.replace("勾稽", "钩稽")
        .replace("现行有效件数", "先行有效件数")
        .replace("行政复议  行政诉讼", "行政法复议  行政诉讼")
    )


def full_width(text: str) -> str:
    return text.translate({ord(d): ord(d) - ord("0") + 0xFF10 for d in "0123456789"})


def one_line(text: str) -> str:
    """Everything on one line, as a portal page saved as text by some browsers (平潭)."""
    a, _b = section(text, "三")
    lines = text.split("\n")
    head, body = lines[: a - 1], lines[a - 1 :]
    return "\n".join(head) + "\n" + "".join(glue(x) if _VALUES.match(x) else x for x in body)


VARIANTS: dict[str, Callable[[str], str]] = {
    "glued_rows": lambda t: in_matrix(t, glue),
    "values_before_labels": lambda t: in_matrix(t, values_first),
    "wrapped_labels": lambda t: in_matrix(t, wrap),
    "page_footers": footers,
    "renumbered_sections": renumbered,
    "sentences_before_tables": sentences,
    "portal_header": portal_header,
    "typos": typos,
    "full_width_digits": full_width,
    "one_line": one_line,
}
# variants whose every cell position is unambiguous: they must be read exactly, whatever the figures
MUST_BE_EXACT = {
    "values_before_labels",
    "wrapped_labels",
    "page_footers",
    "renumbered_sections",
    "sentences_before_tables",
    "portal_header",
    "typos",
    "full_width_digits",
}


@pytest.mark.parametrize("figures", sorted(FIGURES))
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_is_exact_or_refused(variant: str, figures: str) -> None:
    rep, text = report(figures)
    assert outcome(text, rep) == "exact"
    got = outcome(VARIANTS[variant](text), rep)
    assert got != "wrong"
    if variant in MUST_BE_EXACT:
        assert got == "exact"


def test_glued_lianyun_decodes() -> None:
    """The 连云区 figures (small numbers, many zeros) decode from glued rows and from one line."""
    rep, text = report("lianyun")
    assert outcome(in_matrix(text, glue), rep) == "exact"
    assert outcome(one_line(text), rep) == "exact"


@pytest.mark.parametrize("figures", ["lianyun", UNITS[0].unit_id])
def test_a_dropped_value_is_never_decoded_into_a_wrong_table(figures: str) -> None:
    """Space-separated rows with one value dropped look like glued digits: the identities must refuse them."""
    rep, text = report(figures)
    lines = text.split("\n")
    a, b = section(text, "三")
    rows = [i for i in range(a, b) if _VALUES.match(lines[i])]
    for i in rows:
        m = _VALUES.match(lines[i])
        values = m["values"].split()
        for drop in range(len(values)):
            changed = list(lines)
            changed[i] = m["label"] + "  " + "  ".join(values[:drop] + values[drop + 1 :])
            assert outcome("\n".join(changed), rep) == "refused", (lines[i], drop)


def test_full_width_digits_are_normalised() -> None:
    assert unicodedata.normalize("NFKC", full_width("12")) == "12"
