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
    line: int  # index of the line it was found on


def _title_in(piece: str) -> tuple[str, int] | None:
    text = re.sub(r"\s+", "", to_simplified(piece))
    m = _TITLE.fullmatch(text)
    if not m:
        return None
    unit = m.group("pre") or m.group("post")
    if unit.endswith("人民"):  # "2022年XX区人民政府信息公开…": 政府 is shared by the unit and the title
        unit += "政府"
    return unit, int(m.group("year"))


def find_title(lines: list[str]) -> Title | None:
    """The report's title: a line that is the title and nothing else; else a table cell that is (metadata block)."""
    norm = [unicodedata.normalize("NFKC", line) for line in lines]
    for i, line in enumerate(norm):
        if "|" not in line and "\t" not in line and (found := _title_in(line)):
            return Title(found[0], found[1], i)
    for i, line in enumerate(norm):
        for piece in re.split(r"[|\t]", line):
            if found := _title_in(piece):
                return Title(found[0], found[1], i)
    return None


# --- the six headings -----------------------------------------------------------------------------------

SECTION_NAMES = ("一", "二", "三", "四", "五", "六")
_HEADINGS = tuple(
    re.compile(p)
    for p in (
        r"一总体情况",
        r"二主动公开政府信息(?:的)?情况",
        r"三收到和处理政府信息公开申请(?:的)?情况",
        r"四.{0,16}行政复议.{0,6}行政诉讼.{0,6}情况",
        r"五存在的?主要问题.{0,12}",
        r"六其他需要报告的事项",
    )
)


def find_sections(lines: list[str], start: int) -> dict[str, tuple[int, int]]:
    """Line ranges (heading line, end exclusive) of the six sections, found in order after line ``start``.

    Raises ParseError naming the first heading that is missing.
    """
    found: list[int] = []
    i = start
    for name, pattern in zip(SECTION_NAMES, _HEADINGS):
        while i < len(lines) and not pattern.fullmatch(key(lines[i])):
            i += 1
        if i == len(lines):
            heading = f"{name}、…"
            raise ParseError(
                name, heading, "no such heading after the title",
                "the six headings 一、总体情况 … 六、其他需要报告的事项 must each stand on a line of their own, in order",
            )
        found.append(i)
        i += 1
    ends = found[1:] + [len(lines)]
    return {name: (a, b) for name, a, b in zip(SECTION_NAMES, found, ends)}


# --- older formats (SPEC §9) ----------------------------------------------------------------------------

# (era, printed label, pattern on the key of the whole text after the title)
_SIGNATURES: tuple[tuple[str, str, str], ...] = (
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
    ("2008-era", "政府信息公开的收费及减免情况", r"政府信息公开的收费及减免情况"),
    ("2008-era", "因政府信息公开申请行政复议、提起行政诉讼的情况", r"因政府信息公开申请行政复议提起行政诉讼的情况"),
)
# headings of the 2008 era, checked line by line (a 2021 narrative may use the words inside a sentence)
_HEADING_SIGNATURES: tuple[tuple[str, str, str], ...] = (
    ("2008-era", "概述", r"[一二三四五六七八九十]概述"),
    ("2008-era", "依申请公开政府信息情况", r"[一二三四五六七八九十]依申请公开政府信息(?:和不予公开)?(?:的)?情况"),
)


def check_era(lines: list[str], start: int, year: int | None) -> None:
    """Raise OldFormatError naming the era, the year and the first signature label in reading order."""
    hits: list[tuple[int, int, str, str]] = []  # (line, position, era, label)
    for i in range(start, len(lines)):
        k = key(lines[i])
        for era, label, pattern in _SIGNATURES:
            if m := re.search(pattern, k):
                hits.append((i, m.start(), era, label))
        for era, label, pattern in _HEADING_SIGNATURES:
            if re.fullmatch(pattern, k):
                hits.append((i, 0, era, label))
    if hits:
        _, _, era, label = min(hits)
        raise OldFormatError(era, label, year)
