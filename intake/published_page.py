"""The page around the tables: title (unit name, year), the six section headings, older-format signatures.

Works on the page's lines (:func:`intake.published_text.text_to_lines`) and their label keys.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from intake.published_errors import OldFormatError, ParseError
from intake.published_text import key
from schemas.narrative import to_simplified

# --- title ----------------------------------------------------------------------------------------------

_TITLE = re.compile(
    r"(?P<pre>[^《》<>|]*?)(?P<year>(?:19|20)\d{2})年度?(?P<post>[^《》<>|]*?)政府信息公开(?:工作)?(?:年度)?报告"
)


@dataclass(frozen=True)
class Title:
    unit_name: str
    year: int
    line: int  # index of the line it was found on (the last line of a title broken over two)
    text: str = ""  # as printed


def _title_in(piece: str) -> tuple[str, int] | None:
    text = re.sub(r"\s+", "", to_simplified(piece))
    m = _TITLE.fullmatch(text)
    if not m:
        return None
    unit = m.group("pre") or m.group("post")
    unit = re.sub(r"^.*[:：]", "", unit)  # a portal's field label before it: "标题：XX区…"
    if unit.endswith("人民"):  # "2022年XX区人民政府信息公开…": 政府 is shared by the unit and the title
        unit += "政府"
    return unit, int(m.group("year"))


def _plain(line: str) -> bool:
    return "|" not in line and "\t" not in line


def find_title(lines: list[str]) -> Title | None:
    """The report's title: a line that is the title and nothing else (with the unit on the line above when the
    title line names none, as a PDF sets it: "洪泽区人民政府" / "2023 年政府信息公开工作年度报告"); else a title
    broken over two lines; else a table cell that is one (metadata block)."""
    norm = [unicodedata.normalize("NFKC", line) for line in lines]
    short = [i for i, line in enumerate(norm) if _plain(line) and len(line) <= 80]
    for i in short:
        if found := _title_in(norm[i]):
            if not found[0] and i > 0 and _plain(norm[i - 1]) and (joined := _title_in(norm[i - 1] + norm[i])):
                return Title(joined[0], joined[1], i, norm[i - 1] + norm[i])
            return Title(found[0], found[1], i, norm[i])
    for i in short:
        if i + 1 < len(norm) and _plain(norm[i + 1]) and (found := _title_in(norm[i] + norm[i + 1])):
            return Title(found[0], found[1], i + 1, norm[i] + norm[i + 1])
    for i, line in enumerate(norm):
        for piece in re.split(r"[|\t]", line):
            if found := _title_in(piece):
                return Title(found[0], found[1], i, piece.strip())
    return None


_PERIOD = re.compile(r"(?:统计|期限|时限|周期|期间)[^。]{0,12}?((?:19|20)\d{2})\s*年\s*0?1\s*月\s*0?1\s*日")


def period_year(lines: list[str]) -> int | None:
    """The report year from its statistics period ("统计期限自2023年1月1日起至…"), for a page without a title."""
    for line in lines[:200]:
        if m := _PERIOD.search(unicodedata.normalize("NFKC", to_simplified(line))):
            return int(m.group(1))
    return None


# --- the six headings -----------------------------------------------------------------------------------

SECTION_NAMES = ("一", "二", "三", "四", "五", "六")
TABLE_SECTIONS = ("二", "三", "四")  # the sections that hold the tables: required
# What each heading says, after its number. Real reports renumber them (the tables as 一/二/三 after a narrative
# of their own), prefix them ("表二：") or drop 六, so a heading is found by its words; the number before them may
# be any 一…十 or 1…9, but never an enumerator in parentheses, which marks a sub-heading ("（一）主动公开政府信息情况"
# inside 一、总体情况).
_HEADING_WORDS = {
    "一": r"总体情况",
    "二": r"主动公开政府信息(?:的)?情况",
    "三": r"收到和处理政府信息公开申请(?:的)?情况",
    "四": r".{0,16}行政复议.{0,6}行政诉讼.{0,6}情况",
    "五": r"存在的?主要问题.{0,12}",
    "六": r"其他需要报告的事项",
}
_NUMBER = r"(?:#{1,6})?(?:表)?(?:[一二三四五六七八九十]{1,2}|[1-9])?"
_HEADINGS = {name: re.compile(_NUMBER + words) for name, words in _HEADING_WORDS.items()}


def heading_of(line: str) -> str | None:
    """The section (一…六) whose heading this line is, or None."""
    k = key(line)
    if len(k) > 40:
        return None
    for name, pattern in _HEADINGS.items():
        if pattern.fullmatch(k):
            return name
    return None


def find_sections(lines: list[str], start: int) -> dict[str, tuple[int, int]]:
    """Line ranges (heading line, end exclusive) of the sections found after line ``start``; a section's range ends
    at the next heading. A narrative section (一, 五, 六) may be missing; the tables' sections (二, 三, 四) may not.

    Each section is the first line after ``start`` with its heading. Raises ParseError naming the first table heading that is missing.
    """
    first: dict[str, int] = {}
    for i in range(start, len(lines)):
        name = heading_of(lines[i])
        if name is not None and name not in first:
            first[name] = i
    for name in TABLE_SECTIONS:
        if name not in first:
            raise ParseError(
                name,
                f"{name}、…",
                "no such heading after the title",
                "the headings 二、主动公开政府信息情况, 三、收到和处理政府信息公开申请情况 and "
                "四、政府信息公开行政复议、行政诉讼情况 must each stand on a line of their own",
            )
    order = sorted(first.items(), key=lambda item: item[1])
    out: dict[str, tuple[int, int]] = {}
    for n, (name, at) in enumerate(order):
        end = order[n + 1][1] if n + 1 < len(order) else len(lines)
        out[name] = (at, end)
    return out


# --- older formats (SPEC §9) ----------------------------------------------------------------------------

# Older formats are told by the *tables*, not by one phrase: a 2021 report may keep an old heading's wording
# ("因政府信息公开申请行政复议、提起行政诉讼的情况") or list the old section names in its preamble.
# (era, printed label, pattern): labels that only the older forms' tables carry
_TABLE_SIGNATURES: tuple[tuple[str, str, str], ...] = (
    ("2019-trial", "本年新制作数量", r"本年新制作数量"),
    ("2019-trial", "本年新公开数量", r"本年新公开数量"),
    ("2019-trial", "对外公开总数量", r"对外公开总数量"),
    ("2019-trial", "第二十条第（九）项", r"第二十条第\(?九\)?项"),
    ("2019-trial", "采购项目数量", r"采购项目数量"),
    ("2019-trial", "采购总金额", r"采购总金额"),
    ("2019-trial", "上一年项目数量", r"上一年项目数量"),
    ("2019-trial", "其他对外管理服务事项", r"其他对外管理服务事项"),
    ("2008-era", "指标名称", r"指标名称"),
    ("2008-era", "计量单位", r"计量单位"),
    ("2008-era", "同意公开答复数", r"同意公开答复数"),
    ("2008-era", "主动公开信息数", r"主动公开信息数"),
)
# wording of the 2008-era headings: a signature only when no 2021 table is there
_WORDING_SIGNATURES: tuple[tuple[str, str, str], ...] = (
    ("2008-era", "政府信息公开的收费及减免情况", r"政府信息公开的收费及减免情况"),
    ("2008-era", "因政府信息公开申请行政复议、提起行政诉讼的情况", r"因政府信息公开申请行政复议提起行政诉讼的情况"),
)
# headings of the 2008 era, checked line by line (a 2021 narrative may use the words inside a sentence)
_HEADING_SIGNATURES: tuple[tuple[str, str, str], ...] = (
    ("2008-era", "概述", r"[一二三四五六七八九十]概述"),
    ("2008-era", "依申请公开政府信息情况", r"[一二三四五六七八九十]依申请公开政府信息(?:和不予公开)?(?:的)?情况"),
)
# column headers that only the 2021 form's section 二 has (the 2019 trial form counted 本年新制作数量 and had no fee)
_FORMAT_2021 = re.compile(r"本年制发件数|现行有效件数|本年收费金额")


def check_era(lines: list[str], start: int, year: int | None) -> None:
    """Raise OldFormatError naming the era, the year and the first signature label in reading order.

    A table label of an older form always decides. The wording of an old heading decides only when the page has
    no table of the 2021 form."""
    keys = [key(lines[i]) for i in range(start, len(lines))]
    table_hits: list[tuple[int, int, str, str]] = []  # (line, position, era, label)
    wording_hits: list[tuple[int, int, str, str]] = []
    for i, k in enumerate(keys, start=start):
        for era, label, pattern in _TABLE_SIGNATURES:
            if m := re.search(pattern, k):
                table_hits.append((i, m.start(), era, label))
        for era, label, pattern in _WORDING_SIGNATURES:
            if m := re.search(pattern, k):
                wording_hits.append((i, m.start(), era, label))
        for era, label, pattern in _HEADING_SIGNATURES:
            if re.fullmatch(pattern, k):
                wording_hits.append((i, 0, era, label))
    if not table_hits and any(_FORMAT_2021.search(k) for k in keys):
        return  # a 2021 table, whatever its headings say
    hits = table_hits + wording_hits if table_hits else wording_hits
    if hits:
        _, _, era, label = min(hits)
        raise OldFormatError(era, label, year)
