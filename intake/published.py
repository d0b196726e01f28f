"""Read a PUBLISHED annual report (text copied from a portal, or a saved HTML page) into a canonical return.

Exactly or not at all: a parse that succeeds gives the published numbers, every one in its own cell; anything
that cannot be placed without a guess raises :class:`ParseError` naming the section, the row and what was found.
Reports in the 2019 trial format or the 2008-era format raise :class:`OldFormatError` (SPEC §9).

Steps (each in its own module):

1. :mod:`intake.published_text` — HTML → lines (one pipe row per ``<tr>``), plain text → lines; label keys
   (NFKC + OpenCC t2s, whitespace and separator punctuation removed); table tokens and blocks.
2. :mod:`intake.published_page` — the title (unit name, year), older-format signatures, the six headings.
3. :mod:`intake.published_tables` — sections 二, 三, 四 from their blocks.
4. :func:`schemas.returns.from_raw_cells` — raw texts → ints / Decimal / None (blank is not zero).

The narrative is kept as printed (original script): ``overview`` = 一, ``problems`` = 五, ``other`` = 六.
``unit_id`` is left empty: a published page does not carry the roster's ID (the caller fills it in).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from intake.document import Line
from intake.published_errors import OldFormatError, ParseError
from intake.published_page import check_era, find_sections, find_title
from intake.published_tables import SECTION_PARSERS, RawCells
from intake.published_text import blocks, text_to_lines, tokenize
from schemas.returns import CanonicalReturn, from_raw_cells

__all__ = [
    "OldFormatError", "ParseError", "parse_lines", "parse_published", "parse_published_bytes", "parse_published_file",
]

ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads plain UTF-8; gb18030 covers GBK/GB2312 pages
_NARRATIVE = {"overview": "一", "problems": "五", "other": "六"}


def parse_published(text: str, source_name: str = "") -> CanonicalReturn:
    """The canonical return of a published report (``text`` already decoded; HTML is detected)."""
    try:
        return _parse(text)
    except ParseError as err:
        raise err.with_source(source_name) from None


def parse_lines(lines: Sequence[Line], source_name: str = "") -> CanonicalReturn:
    """The canonical return of a report already turned into lines by a reader (PDF, DOCX, …; intake.document)."""
    try:
        return _parse_lines([line.text for line in lines])
    except ParseError as err:
        raise err.with_source(source_name) from None


def parse_published_file(path: Path) -> CanonicalReturn:
    """Decode a saved report (UTF-8 with or without BOM, else GB18030) and parse it."""
    path = Path(path)
    return parse_published_bytes(path.read_bytes(), path.name)


def parse_published_bytes(data: bytes, source_name: str = "") -> CanonicalReturn:
    """Decode a report's bytes (UTF-8 with or without BOM, else GB18030) and parse it (text or HTML)."""
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return parse_published(text, source_name)
    raise ParseError("文件", "encoding", "bytes that are neither UTF-8 nor GB18030", "save the page as UTF-8",
                     source=source_name)


def _parse(text: str) -> CanonicalReturn:
    return _parse_lines(text_to_lines(text))


def _parse_lines(lines: list[str]) -> CanonicalReturn:
    title = find_title(lines)
    start = title.line + 1 if title else 0
    check_era(lines, start, title.year if title else None)
    if title is None:
        raise ParseError(
            "标题", "title", "no line of the form '<unit>XXXX年政府信息公开工作年度报告'",
            "the report's title gives the unit and the year; keep it in the copied text",
        )
    sections = find_sections(lines, start)
    raw: RawCells = {}
    for name, parse_section in SECTION_PARSERS.items():
        first, end = sections[name]
        tokens = tokenize(lines[first + 1 : end], first + 1)
        raw.update(parse_section(blocks(tokens), title.year))
    narrative = {field: "\n".join(lines[sections[s][0] + 1 : sections[s][1]]) for field, s in _NARRATIVE.items()}
    return from_raw_cells("", title.unit_name, title.year, raw, narrative)
