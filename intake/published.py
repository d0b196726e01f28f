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
from intake.published_page import Title, check_era, find_sections, find_title, period_year
from intake.published_tables import SECTION_PARSERS, SINGLE_OTHER_ROW, Found, RawCells
from intake.published_text import blocks, declared_charset, is_prose, text_to_lines, tokenize
from schemas import cells as C
from schemas.returns import CanonicalReturn, from_raw_cells
from schemas.values import normalize_count

__all__ = [
    "OldFormatError",
    "ParseError",
    "parse_lines",
    "parse_published",
    "parse_published_bytes",
    "parse_published_file",
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
        return _parse_lines(list(lines))
    except ParseError as err:
        raise err.with_source(source_name) from None


def parse_published_file(path: Path) -> CanonicalReturn:
    """Decode a saved report and parse it (:func:`parse_published_bytes`)."""
    path = Path(path)
    return parse_published_bytes(path.read_bytes(), path.name)


def parse_published_bytes(data: bytes, source_name: str = "") -> CanonicalReturn:
    """Decode a saved report — by its meta charset when an HTML page declares one, else UTF-8 (with or without
    BOM), else GB18030 (GBK and GB2312 pages) — and parse it."""
    declared = declared_charset(data)
    for encoding in ((declared,) if declared else ()) + ENCODINGS:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return parse_published(text, source_name)
    raise ParseError(
        "文件", "encoding", "bytes that are neither UTF-8 nor GB18030", "save the page as UTF-8", source=source_name
    )


def _parse(text: str) -> CanonicalReturn:
    return _parse_lines(text_to_lines(text))


def _parse_lines(page: list[Line]) -> CanonicalReturn:
    lines = [line.text for line in page]
    title = find_title(lines)
    start = title.line + 1 if title else 0
    check_era(lines, start, title.year if title else None)
    if title is None:
        # a missing or garbled title: the year from the statistics period; the unit is found later on the roster
        # (by the text or the file name) or given with --unit
        year = period_year(lines)
        if year is None:
            raise ParseError(
                "标题",
                "title",
                "no line of the form '<unit>XXXX年政府信息公开工作年度报告' and no statistics period",
                "the report's title gives the unit and the year; keep it in the copied text",
            )
        title = Title("", year, -1)
    sections = find_sections(lines, start)
    raw: RawCells = {}
    for name, parse_section in SECTION_PARSERS.items():
        first, end = sections[name]
        tokens = tokenize([line for line in page[first + 1 : end] if not is_prose(line)], first + 1)
        raw.update(parse_section(blocks(tokens), title.year))
    narrative = {
        field: "\n".join(lines[sections[s][0] + 1 : sections[s][1]]) for field, s in _NARRATIVE.items() if s in sections
    }
    single = [raw.pop(C.s3(SINGLE_OTHER_ROW, col), None) for col in C.S3_COL_KEYS]
    ret = from_raw_cells("", title.unit_name, title.year, {k: f.text for k, f in raw.items()}, narrative)
    ret.provenance = {k: _source(k, f) for k, f in raw.items()}
    ret.title = title.text
    ret.decoded = {k: f.decoded for k, f in raw.items() if f.decoded is not None}
    if any(f is not None for f in single):
        ret.other_single_row = tuple(normalize_count(f.text if f else None) for f in single)
        for col, f in zip(C.S3_COL_KEYS, single):
            if f is not None:
                label = next(c.label.zh for c in C.S3_COLS if c.key == col)
                ret.provenance[C.s3(SINGLE_OTHER_ROW, col)] = f.where.describe(label)
    return ret


def _source(cell_key: str, found: Found) -> str:
    """Where a cell was read, in words: "第3页 表2 第7行 第8列（总计）：“0”" — the place, the form's column and
    the text as printed."""
    cell = C.CELL_BY_KEY.get(cell_key)
    printed = f"：“{found.text}”" if found.text is not None else "：空白"
    if found.decoded is not None:
        how = "、".join(found.decoded) or "唯一切分"
        printed = f"：从连写数字“{found.printed}”切出 {found.text}（依据 {how}）"
    return found.where.describe(cell.col_label.zh if cell else "") + printed
