"""A published report delivered as a PDF with a text layer (exported from Word/WPS, or printed by a browser) → lines.

The PDF has no paragraphs or tables, only glyphs and drawn strokes, so this reader rebuilds them (the lines then go
to the shared section logic, :func:`intake.published.parse_lines`). The glyphs and strokes are read by PDFium
(:mod:`intake.pdf_objects`, ten times faster than pdfminer), the tables found by pdfplumber's table finder:

- **Tables** come from the ruling lines (pdfplumber's "lines" strategy). Only *visible rulings* count: a filled
  rectangle thicker than 2 pt is a background (Word/WPS paint one behind every paragraph line and cell, Chromium
  behind header cells); kept, they would make the body text a one-column "table". Browsers and Word
  draw borders as strokes or as hair-thin filled rectangles, both kept. A table cut by a page break has no bottom
  (or top) border on that page, so one is added where three or more vertical rulings end at the same height.
  A "table" of one column is a framed paragraph, read as text.
- **Cells** are read from the glyphs inside them, line by line: wrapped and vertical labels (one character per
  line) are joined without spaces; a space is kept only between two Latin/digit runs.
- **Text** outside tables becomes paragraph lines in reading order, the tables at their place among them. A line
  that runs to the right margin continues into the next unindented line of the same size (a wrapped paragraph or
  heading); a wrapped centred title (larger than the body) is joined too, so the title names unit and year.
- **Running headers and footers** — page numbers ("- 3 -", "第 3 页", "3 / 5") and a line repeated at the same
  height on most pages — are removed from the top and bottom of each page.
- **A table continued on the next page** (first thing on the page, same left and right edges) is stitched to the
  one before; header rows repeated at the top of the continuation are dropped, and so are the empty pieces that
  merged cells cut by the break leave at its top. Grid columns are numbered over all pieces of the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median
from types import SimpleNamespace
from typing import Any, cast

from pdfplumber.table import TableFinder, merge_edges
from pdfplumber.utils import obj_to_edges

from intake.document import Line, Where, table_row
from intake.errors import UnreadableFile
from intake.pdf_objects import PageObjects, page_objects

__all__ = ["read_pdf_lines"]

_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_BAND = 0.12  # running headers/footers sit in the top / bottom 12 % of the page
_PAGE_NUMBER = re.compile(  # on the line as printed: "0 0 0" (figures printed without rulings) is no page number
    r"[-–—－]?\s*\d+\s*[-–—－]?|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?",
    re.IGNORECASE,
)
_SCAN_CHARS = 50  # a page of a report with a text layer has hundreds of characters; a scan none, or a stamp's few
_HEADING_START = re.compile(r"[一二三四五六七八九十]+、")  # a section heading never continues the line before it
# Radicals to the ideographs they stand for. Chromium (Skia) writes a PDF's text layer from the font's glyphs, and
# Noto CJK draws e.g. 民 and the radical ⺠ (U+2EA0) with one glyph, so "人民" comes out as "⼈⺠". The pairs are the
# Kangxi radicals and CJK radicals supplement that share a glyph with a unified ideograph in Noto Serif CJK SC
# (read from its cmap); NFKC is not enough (it maps only the Kangxi block, and ⼾ to the traditional 戶, not 户).
_RADICALS = str.maketrans(
    "⺂⺃⺅⺉⺎⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺞⺟⺠⺡⺣⺦⺨⺫⺭⺯⺰⺱⺲⺹⺺⺾⻁⻂⻃⻅⻆⻈⻉⻋⻌⻐⻑⻒⻓⻔⻖⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻮⻯⻰⻱⻲⻳⼀⼁⼂⼃⼄⼅⼆⼇⼈⼉⼊⼋⼌⼍⼎⼏⼐⼑⼒⼓⼔⼕⼖⼗⼘⼙⼚⼛⼜⼝⼞⼟⼠⼡⼤⼥⼦⼧⼨⼩⼪⼫⼬⼭⼮⼯⼰⼱⼲"
    "⼳⼴⼵⼶⼷⼸⼺⼻⼼⼽⼾⼿⽀⽁⽂⽃⽄⽅⽆⽇⽈⽉⽊⽋⽌⽍⽎⽏⽐⽑⽒⽓⽔⽕⽖⽗⽘⽙⽚⽛⽜⽝⽞⽟⽠⽡⽢⽣⽤⽥⽦⽧⽨⽩⽪⽫⽬⽭⽮⽯⽰⽱⽲⽳⽴⽵⽶⽷⽸⽹⽺⽻⽼⽽⽾⾀⾁⾂⾃⾄⾅⾆⾇⾈⾉⾊⾋⾌⾍⾎⾏⾐⾑⾒⾔⾕⾖⾗⾘⾙⾚⾛⾜⾝⾞⾟⾠⾡⾢⾣⾤⾥⾦⾧⾨⾩⾪⾫⾬⾭"
    "⾮⾯⾰⾱⾲⾳⾴⾵⾶⾷⾸⾹⾺⾼⾽⾾⾿⿀⿁⿂⿃⿄⿅⿆⿇⿈⿉⿊⿋⿌⿍⿎⿏⿐⿑⿒⿓⿕",
    "乛乚亻刂兀尣尢巳幺彑彐忄扌攵旡歺母民氵灬丬犭罒礻糹纟罓罒耂肀艹虎衤覀见角讠贝车辶钅長镸长门阝青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐齿竜龙龜亀龟一丨丶丿乙亅二亠人儿入八冂冖冫几凵刀力勹匕匚匸十卜卩厂厶又口囗土士夂大女子宀寸小尢尸屮山巛工己巾干"
    "幺广廴廾弋弓彡彳心戈户手支攴文斗斤方无日曰月木欠止歹殳毋比毛氏气水火爪父爻爿片牙牛犬玄玉瓜瓦甘生用田疋疒癶白皮皿目矛矢石示禸禾穴立竹米糸缶网羊羽老而耒聿肉臣自至臼舌舛舟艮色艸虍虫血行衣襾見言谷豆豕豸貝赤走足身車辛辰辵邑酉釆里金長門阜隶隹雨靑"
    "非面革韋韭音頁風飛食首香馬高髟鬥鬯鬲鬼魚鳥鹵鹿麥麻黃黍黑黹黽鼎鼓鼠鼻齊齒龍龠",
)
_SCAN_HINT = (
    "the PDF is a scan with no text layer (only images), so its figures cannot be read; "
    "ask the unit to send the Word file or the PDF exported from Word"
)


@dataclass
class _Text:
    """A printed line outside tables."""

    page: int
    line: int  # counted on its page from 1 (body lines, after running headers are removed)
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    page_width: float = 0.0


@dataclass
class _Cell:
    x0: float  # left edge: gives the grid column
    top: float
    bottom: float
    text: str


@dataclass
class _Row:
    page: int
    cells: list[_Cell]  # merge-covered places left out


@dataclass
class _Table:
    top: float
    bottom: float
    x0: float
    x1: float
    rows: list[_Row] = field(default_factory=list)


_Item = _Text | _Table


def read_pdf_lines(data: bytes) -> list[Line]:
    """The lines of a PDF report (see the module docstring). Raises UnreadableFile for a scan or a broken file."""
    pages = _read_pages(data)
    if not any(
        sum(len(t.text) for t in items if isinstance(t, _Text)) >= _SCAN_CHARS
        or any(isinstance(t, _Table) for t in items)
        for items, _ in pages
    ):
        raise UnreadableFile(_SCAN_HINT)
    items = _stitch(_strip_running(pages))
    return _to_lines(_join_paragraphs(items))


# --- pages to items ------------------------------------------------------------------------------------------


def _read_pages(data: bytes) -> list[tuple[list[_Item], float]]:
    """Per page: its tables and text lines in reading order, and the page height."""
    try:
        pages = page_objects(data)
    except Exception as err:  # noqa: BLE001 — PDFium and pdfminer raise many types (syntax, EOF, password, xrefs)
        kind = "password-protected" if "password" in repr(err).lower() else "not a readable PDF"
        raise UnreadableFile(f"the file is {kind} ({type(err).__name__}: {str(err)[:80]})") from None
    return [(_page_items(page), page.height) for page in pages]


def _is_ruling(obj: dict) -> bool:
    """False for a fill-only rectangle thicker than 2 pt: a background, not a border (module docstring)."""
    if obj["object_type"] != "rect" or obj.get("stroke"):
        return True
    return min(obj["width"], obj["height"]) < 2


def _page_items(page: PageObjects) -> list[_Item]:
    edges = [edge for obj in page.graphics if _is_ruling(obj) for edge in obj_to_edges(obj)]
    settings = dict(_TABLE_SETTINGS, explicit_horizontal_lines=_open_ends(edges))
    # pdfplumber's table finder asks its page only for the edges (and the bbox, for rulings given as numbers)
    finder = TableFinder(cast(Any, SimpleNamespace(edges=edges, bbox=(0, 0, page.width, page.height))), settings)
    found = [t for t in finder.tables if len({c[0] for c in t.cells}) >= 2]
    frames = [t.bbox for t in found]  # pdfplumber works a table's bbox out of all its cells at every call
    chars = page.chars
    items: list[_Item] = []
    claimed: set[int] = set()
    for t, frame in zip(found, frames):
        inside = [c for c in chars if _within(c, frame)]
        table = _Table(frame[1], frame[3], frame[0], frame[2])
        for row in t.rows:
            in_row = [c for c in inside if _within(c, row.bbox)]
            cells = []
            for cell in filter(None, row.cells):
                mine = [c for c in in_row if _within(c, cell)]
                claimed.update(id(c) for c in mine)
                cells.append(_Cell(cell[0], cell[1], cell[3], _text(_lines(mine))))
            if any(c.text for c in cells):  # a row of empty cells carries nothing
                table.rows.append(_Row(page.number, cells))
        items.append(table)
    # the rest is text, glyphs in a table's frame but in no cell included (never dropped: after the table, where
    # the section logic refuses what does not fit); rotated glyphs outside tables are a watermark
    rest = [c for c in chars if id(c) not in claimed and (c.get("upright", True) or any(_within(c, f) for f in frames))]
    for chars_of_line in _lines(rest):
        items.append(
            _Text(
                page.number,
                0,
                min(c["top"] for c in chars_of_line),
                max(c["bottom"] for c in chars_of_line),
                chars_of_line[0]["x0"],
                max(c["x1"] for c in chars_of_line),
                median(c["size"] for c in chars_of_line),
                _text([chars_of_line], column_gaps=True),
                page.width,
            )
        )
    return sorted(items, key=lambda item: item.top)


def _open_ends(edges: list[dict]) -> list[dict]:
    """A horizontal ruling wherever three or more vertical rulings end at the same height: the border a page break
    leaves undrawn (an extra copy of an existing border is merged away by pdfplumber)."""
    # whole rulings: a browser draws a column border as one segment per row, and those ends are no table's end
    verticals = merge_edges([e for e in edges if e["orientation"] == "v"], 3, 3, 3, 3)
    verticals = [e for e in verticals if e["height"] > 5]
    out = []
    for end in ("top", "bottom"):
        group: list[dict] = []
        for e in sorted(verticals, key=lambda e: e[end]) + [None]:  # runs of ends within 1.5 pt
            if e is not None and group and e[end] - group[0][end] <= 1.5:
                group.append(e)
                continue
            if len(group) >= 3:
                y = group[0][end]
                x0, x1 = min(v["x0"] for v in group), max(v["x0"] for v in group)
                out.append({"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0})
            group = [e] if e is not None else []
    return out


def _within(char: dict, bbox: tuple[float, float, float, float]) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return bbox[0] <= x < bbox[2] and bbox[1] <= y < bbox[3]


def _lines(chars: Iterable[dict]) -> list[list[dict]]:
    """Glyphs grouped into printed lines (a glyph whose middle lies within the line's height), each left to right."""
    out: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: c["top"]):
        mid = (c["top"] + c["bottom"]) / 2
        if out and out[-1][0]["top"] <= mid <= out[-1][0]["bottom"]:
            out[-1].append(c)
        else:
            out.append([c])
    return [sorted(line, key=lambda c: c["x0"]) for line in out]


def _latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _text(lines: list[list[dict]], column_gaps: bool = False) -> str:
    """Glyphs to text: CJK runs join without spaces; a gap or line break between two Latin/digit runs is a space.
    With ``column_gaps`` (text outside tables) a gap wider than a character is a space too: it separates the
    columns of a table printed without rulings."""
    out = ""
    for line in lines:
        for i, c in enumerate(line):
            gap = c["x0"] - line[i - 1]["x1"] if i else 0.0
            latin_pair = out and _latin(out[-1]) and _latin(c["text"][0])
            if (latin_pair and (i == 0 or gap > 0.15 * c["size"])) or (column_gaps and gap > c["size"]):
                out += " "
            out += c["text"]
    return out.translate(_RADICALS)


# --- running headers and footers --------------------------------------------------------------------------------


def _strip_running(pages: list[tuple[list[_Item], float]]) -> list[list[_Item]]:
    """Each page's items without page numbers and lines repeated at the same height on most pages, then its text
    lines numbered from 1."""
    band_items = [
        (i, t)
        for i, (items, height) in enumerate(pages)
        for t in items
        if isinstance(t, _Text) and (t.bottom < _BAND * height or t.top > (1 - _BAND) * height)
    ]
    quorum = max(2, (len(pages) + 1) // 2)

    def running(t: _Text, height: float) -> bool:
        if not (t.bottom < _BAND * height or t.top > (1 - _BAND) * height):
            return False
        if _PAGE_NUMBER.fullmatch(t.text):
            return True
        shape = re.sub(r"\d+", "#", t.text)
        pages_with = {i for i, o in band_items if abs(o.top - t.top) <= 2 and re.sub(r"\d+", "#", o.text) == shape}
        return len(pages_with) >= quorum

    out = []
    for items, height in pages:
        items = list(items)
        while items and isinstance(items[0], _Text) and running(items[0], height):
            items.pop(0)
        while items and isinstance(items[-1], _Text) and running(items[-1], height):
            items.pop()
        for n, t in enumerate((t for t in items if isinstance(t, _Text)), 1):
            t.line = n
        out.append(items)
    return out


# --- tables over page breaks ------------------------------------------------------------------------------------


def _stitch(pages: list[list[_Item]]) -> list[_Item]:
    """All items in order, a table that opens a page appended to the table that closed the page before."""
    out: list[_Item] = []
    for items in pages:
        first = items[0] if items else None
        last = out[-1] if out else None
        if (
            isinstance(first, _Table)
            and isinstance(last, _Table)
            and abs(first.x0 - last.x0) < 3
            and abs(first.x1 - last.x1) < 3
        ):
            rows = first.rows
            k = 0  # header rows the continuation repeats
            while k < min(len(rows), len(last.rows)) and _texts(rows[k]) == _texts(last.rows[k]):
                k += 1
            if rows[k:]:
                _continue_merged(last, rows[k])
            last.rows += [row for row in rows[k:] if row.cells]
            last.bottom = first.bottom
            items = items[1:]
        out += items
    return out


def _continue_merged(table: _Table, row: _Row) -> None:
    """A merged cell cut by the page break is drawn twice: reaching the bottom of the page, and again, empty, at
    the top of the next. That empty piece in the continuation's first row is dropped (each merged cell once).
    A piece with text stays a cell: it may be a new cell under a merged one that ended at the break."""
    last_top = max(c.top for c in table.rows[-1].cells)
    cut = [
        c.x0
        for r in table.rows
        if r.page == table.rows[-1].page
        for c in r.cells
        if c.top < last_top - 1 and abs(c.bottom - table.bottom) < 2
    ]  # spans rows, reaches the cut
    row.cells = [c for c in row.cells if c.text or not any(abs(x - c.x0) < 2 for x in cut)]


def _texts(row: _Row) -> list[str]:
    return [c.text for c in row.cells]


# --- paragraphs -------------------------------------------------------------------------------------------------


def _join_paragraphs(items: list[_Item]) -> list[_Item]:
    """Wrapped lines joined (module docstring). The margins are each page's outermost text edges."""
    left: dict[int, float] = {}
    right: dict[int, float] = {}
    for t in items:
        if isinstance(t, _Text):
            left[t.page] = min(left.get(t.page, t.x0), t.x0)
            right[t.page] = max(right.get(t.page, t.x1), t.x1)
    body = median([t.size for t in items if isinstance(t, _Text)] or [0])
    out: list[_Item] = []
    tail: _Text | None = None  # the printed line the paragraph so far ends with
    for t in items:
        # same size: less than half a point apart (9 and 8.5 pt are two sizes, whatever the float noise)
        if isinstance(t, _Text) and tail is not None and abs(tail.size - t.size) < 0.5:
            wrapped = tail.x1 >= right[tail.page] - t.size and t.x0 <= left[t.page] + t.size / 2
            title = (
                t.size > 1.2 * body
                and tail.page == t.page
                and all(abs(x.x0 + x.x1 - x.page_width) < 2 * x.size for x in (tail, t))
            )
            if (wrapped or title) and not _HEADING_START.match(t.text):
                para = out[-1]
                assert isinstance(para, _Text)
                para.text += (" " if _latin(para.text[-1]) and _latin(t.text[0]) else "") + t.text
                tail = t
                continue
        out.append(t)
        tail = t if isinstance(t, _Text) else None
    return out


def _to_lines(items: list[_Item]) -> list[Line]:
    lines: list[Line] = []
    number = 0
    for item in items:
        if isinstance(item, _Text):
            lines.append(Line(item.text, Where(page=item.page, line=item.line)))
            continue
        number += 1
        columns = _columns(c.x0 for row in item.rows for c in row.cells)
        for r, row in enumerate(item.rows, 1):
            places = [Where(page=row.page, table=number, row=r, col=columns(c.x0)) for c in row.cells]
            lines.append(table_row(_texts(row), places))
    return lines


def _columns(lefts: Iterable[float]):  # type: ignore[no-untyped-def]
    """Grid column (1..) of a cell by its left edge, over all fragments of a stitched table (2 pt tolerance)."""
    edges: list[float] = []
    for x in sorted(lefts):
        if not edges or x - edges[-1] > 2:
            edges.append(x)
    return lambda x: 1 + sum(1 for e in edges if e < x - 2)
