"""From a published page to lines, label keys and table tokens.

Published reports reach us as plain text copied from a portal (tables flattened to one cell per line with stray
``|``, markdown-ish pipe rows, tab rows, space-separated rows) or as a saved HTML page. This module turns either
into *lines*, and a table region into *tokens* (label text, numbers, placeholders, explicit empty cells), then
groups the tokens into *blocks*: a run of label text followed by the run of values after it. Section parsers
(:mod:`intake.published_tables`) read the blocks.

Labels are compared by :func:`key`: NFKC + traditional→simplified (OpenCC t2s), with whitespace, pipes, quotes and
separator punctuation removed, so "商業 企業", "商业企业" and "商业\\n企业" are the same key. Parentheses are kept
because they delimit enumerators "(三)" and hints "(设区的市…)".
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Literal

from intake.document import Line, Where, plain_lines, table_row
from intake.glued import split_glued_text
from schemas.narrative import to_simplified
from schemas.spans import SpanOverlap, span_slots
from schemas.values import PLACEHOLDERS

# --- label keys -------------------------------------------------------------------------------------------

_DROP = re.compile(r"[\s|\"'“”‘’「」『』、,，.。:：;；·．!！?？]")


# Misspellings seen in real reports, read as the form's words (the label is still checked by its place).
_VARIANTS = (
    ("钩稽", "勾稽"),
    ("先行有效", "现行有效"),
    ("行政法复议", "行政复议"),
    ("行政复义", "行政复议"),
    ("行政述讼", "行政诉讼"),
    ("申清", "申请"),
)


def key(text: str) -> str:
    """The comparison key of a label (see the module docstring)."""
    out = _DROP.sub("", to_simplified(text))
    for wrong, right in _VARIANTS:
        if wrong in out:
            out = out.replace(wrong, right)
    return out


def is_prose(line: Line) -> bool:
    """A sentence written between a heading and its table ("本年度共收到申请26件。"): not part of the table.
    The 勾稽关系 note above section 三 is part of it."""
    return not line.is_row and "。" in line.text and "勾稽" not in key(line.text)


# --- HTML to lines ----------------------------------------------------------------------------------------

_HTML_HINT = re.compile(r"<\s*(html|body|table|tr|td|th|p|div|br|h[1-6])\b", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "blockquote",
        "title",
        "pre",
        "center",
        "form",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_VOID_TAGS = frozenset(
    ["br", "img", "meta", "link", "input", "hr", "col", "area", "base", "wbr", "source", "embed", "param"]
)
_CELL_TAGS = frozenset({"td", "th"})


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:200_000]))


@dataclass
class _Node:
    tag: str
    children: list[_Node | str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)

    def span(self, name: str) -> int:
        """rowspan / colspan as the browser reads it (a missing or odd value is 1)."""
        m = re.match(r"\s*(\d+)", self.attrs.get(name, ""))
        return max(1, min(int(m.group(1)), 1000)) if m else 1

    @property
    def hidden(self) -> bool:
        """Not shown by a browser: ``hidden``, ``display:none`` or ``visibility:hidden`` (a hidden copy of a table
        must not be read instead of the visible one)."""
        style = re.sub(r"\s+", "", self.attrs.get("style", "").lower())
        return "hidden" in self.attrs or "display:none" in style or "visibility:hidden" in style


class _TreeBuilder(HTMLParser):
    """A forgiving element tree: unclosed <p>/<td>/<tr> are closed by their next sibling, stray end tags ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root")
        self.stack = [self.root]

    def _close(self, tag: str, stop: frozenset[str] = frozenset()) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag in stop:
                return
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CELL_TAGS:
            for t in _CELL_TAGS:
                self._close(t, stop=frozenset({"table", "tr"}))
        elif tag == "tr":
            self._close("tr", stop=frozenset({"table"}))
        elif tag == "p":
            self._close("p", stop=frozenset({"table", "td", "th", "div"}))
        node = _Node(tag, attrs={k.lower(): v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, attrs={k.lower(): v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in _CELL_TAGS or tag == "tr":
            self._close(tag, stop=frozenset({"table"}))
        else:
            self._close(tag)

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _text(node: _Node | str) -> str:
    """All text under a node on one line (block breaks inside become spaces)."""
    if isinstance(node, str):
        return node
    if node.tag in _SKIP_TAGS or node.hidden:
        return ""
    sep = " " if node.tag in _BLOCK_TAGS or node.tag in _CELL_TAGS else ""
    return sep + "".join(_text(c) for c in node.children) + sep


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _has(node: _Node, tags: frozenset[str]) -> bool:
    return any(isinstance(c, _Node) and (c.tag in tags or _has(c, tags)) for c in node.children)


def _rows(table: _Node) -> list[list[_Node]]:
    """The rows of this table (not of tables nested in its cells)."""
    rows: list[list[_Node]] = []
    for child in table.children:
        if not isinstance(child, _Node):
            continue
        if child.tag in ("thead", "tbody", "tfoot"):
            rows += _rows(child)
        elif child.hidden:
            continue
        elif child.tag == "tr":
            rows.append([c for c in child.children if isinstance(c, _Node) and c.tag in _CELL_TAGS and not c.hidden])
        elif child.tag in _CELL_TAGS:
            rows.append([child])
    return rows


def _is_container(cell: _Node) -> bool:
    """A layout cell (holds a whole article, or a nested table), not a data cell."""
    if _has(cell, frozenset({"table"})):
        return True
    blocks = [c for c in cell.children if isinstance(c, _Node) and c.tag in _BLOCK_TAGS - {"br"} and _text(c).strip()]
    return len(blocks) >= 3 or (len(blocks) >= 2 and len(_one_line(_text(cell))) > 120)


def _grid_columns(rows: list[list[_Node]]) -> list[list[int]]:
    """The 1-based grid column of every cell, as a browser lays the table out (rowspan and colspan taken into
    account), so that a cell's place can be named as a person counts it on the page."""
    try:
        columns, _ = span_slots([[(cell.span("rowspan"), cell.span("colspan")) for cell in row] for row in rows])
    except SpanOverlap:  # a page whose spans overlap: a browser lets them; number the cells of each row in order
        return [list(range(1, len(row) + 1)) for row in rows]
    return [[c + 1 for c in row] for row in columns]


class _Out:
    """The lines being written, and the number of the last data table (tables are numbered 1.. in page order)."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.tables = 0

    def text(self, text: str) -> None:
        self.lines.append(Line(text))

    def table(self, rows: list[list[_Node]]) -> None:
        self.tables += 1
        for r, (row, cols) in enumerate(zip(rows, _grid_columns(rows)), start=1):
            if row:
                places = [Where(table=self.tables, row=r, col=c) for c in cols]
                self.lines.append(table_row([_one_line(_text(cell)) for cell in row], places))


def _lines(node: _Node, out: _Out) -> None:
    """Block-level rendering: paragraphs become lines, data tables become pipe rows."""
    buf: list[str] = []

    def flush() -> None:
        line = _one_line("".join(buf))
        if line:
            out.text(line)
        buf.clear()

    for child in node.children:
        if isinstance(child, str):
            buf.append(child)
        elif child.tag in _SKIP_TAGS or child.hidden:
            continue
        elif child.tag == "table":
            flush()
            rows = _rows(child)
            if any(_is_container(cell) for row in rows for cell in row):
                for row in rows:
                    for cell in row:
                        _lines(cell, out)
            else:
                out.table(rows)
        elif child.tag in _BLOCK_TAGS or child.tag in _CELL_TAGS or _has(child, _BLOCK_TAGS | {"table"}):
            flush()
            _lines(child, out)
            flush()
        else:
            buf.append(_text(child))
    flush()


def html_to_lines(html: str) -> list[Line]:
    """Lines of an HTML page as a browser shows it: paragraph-like elements become lines; each row of a data table
    becomes one pipe row ``| a | b | … |`` whose cells know their table, row and grid column (spans are not
    expanded: each cell once, which is what the label-anchored parsers want; a ``<br>`` or ``<p>`` inside a cell
    becomes a space). Hidden elements are not read. Tables used for page layout (a cell holding a nested table or
    several paragraphs) are read as ordinary blocks.
    """
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    out = _Out()
    _lines(builder.root, out)
    return [
        Line(line.text.strip(), Where(line=i + 1) if not line.cells else line.where, line.cells)
        for i, line in enumerate(out.lines)
        if line.text.strip()
    ]


def text_to_lines(text: str) -> list[Line]:
    """Lines of a page: HTML is converted, plain text is split (each line knows its number); blank lines and page
    numbers dropped, a section heading run into its neighbours put on a line of its own."""
    if looks_like_html(text):
        return html_to_lines(text)
    out: list[Line] = []
    for line in plain_lines(text.splitlines()):
        if _PAGE_NUMBER.fullmatch(unicodedata.normalize("NFKC", line.text).strip()):
            continue  # "- 3 -", "第3页 共5页": a page's furniture copied with its text
        out.extend(Line(piece, Where(line=line.where.line, offset=at)) for at, piece in split_at_headings(line.text))
    return out


_PAGE_NUMBER = re.compile(
    r"[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[/,，]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|(?i:page)\s*\d{1,3}(?:\s*(?i:of)\s*\d{1,3})?"
)
# A section heading inside a longer line: a copy that lost its line breaks ("…建设。一、总体情况2021年，我区…").
# Only a numbered heading counts (the preamble's "本报告包括总体情况、主动公开政府信息情况…" has no numbers).
_INLINE_HEADING = re.compile(
    r"[一二三四五六七八九十][、.]\s*(?:总体情况|主动公开政府信息(?:的)?情况|收到和处理政府信息公开申请(?:的)?情况"
    r"|(?:政府信息公开|因政府信息公开申请)?行政复议、?(?:提起)?行政诉讼(?:的)?情况"
    r"|(?:政府信息公开工作)?存在的?主要问题及改进(?:情况|措施)|其他需要报告的事项)"
)


def split_at_headings(text: str) -> list[tuple[int, str]]:
    """(offset, piece) of a line cut before and after every numbered section heading it holds; the line itself
    when it holds none or is only the heading."""
    simple = to_simplified(unicodedata.normalize("NFKC", text))
    if len(simple) != len(text):  # positions would not carry over to the original; leave the line as it is
        return [(0, text)]
    cuts = sorted({0, len(text), *(i for m in _INLINE_HEADING.finditer(simple) for i in (m.start(), m.end()))})
    pieces = [(a, text[a:b].strip()) for a, b in itertools.pairwise(cuts)]
    return [(a, piece) for a, piece in pieces if piece]


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_-]+)""", re.IGNORECASE)


def declared_charset(data: bytes) -> str | None:
    """The encoding an HTML page declares in a ``<meta … charset=…>`` near its top (GBK and GB2312 pages are read
    as GB18030, their superset), or None."""
    m = _CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    if name in ("gbk", "gb2312", "gb18030", "x-gbk", "cp936"):
        return "gb18030"
    if name in ("utf-8", "utf8"):
        return "utf-8-sig"
    return name


# --- tokens and blocks ------------------------------------------------------------------------------------

TokenKind = Literal["text", "num", "blank", "empty", "bad"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # the piece as printed (NFKC, stripped)
    line: int  # index of the line it came from
    where: Where = field(
        default_factory=Where
    )  # its place in the source (page, table, row, column; or line and offset)
    cell: bool = False  # an explicit cell (a table cell, a '|' or tab piece), not a whitespace-separated word


@dataclass
class Block:
    """A run of label text and the run of value tokens that follows it."""

    texts: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)

    @property
    def label(self) -> str:
        """key() of the joined text tokens (a cell split over lines or cells joins up again)."""
        return key("".join(t.text for t in self.texts))

    @property
    def raw_label(self) -> str:
        """The text tokens as printed, joined by spaces (for messages)."""
        return " ".join(t.text for t in self.texts)

    @property
    def trimmed(self) -> list[Token]:
        """The values without padding: empty cells at the end of the run, and empty cells at its start unless
        they sit on the label's own line ("| 规章 | | 0 | 0 |": the empty cell is 本年制发件数, left blank).

        An empty cell *between* values is a blank cell and stays.
        """
        vals = list(self.values)
        while vals and vals[-1].kind == "empty":
            vals.pop()
        label_line = self.texts[-1].line if self.texts else None
        while vals and vals[0].kind == "empty" and vals[0].line != label_line:
            vals.pop(0)
        return vals

    @property
    def has_values(self) -> bool:
        return bool(self.trimmed)


_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|亿元|元)?")
_ENUMERATOR = re.compile(r"\(?\d{1,2}[.、)]?")  # "1." / "(1)" alone: a label fragment, not a number
_NUMBERISH = re.compile(r"[\d.,%\s+-]*\d[\d.,%\s+-]*")  # digits and separators only: a malformed number
_MD_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")


def classify(piece: str) -> TokenKind:
    p = piece.strip()
    if p == "":
        return "empty"
    if p.lower() in PLACEHOLDERS:
        return "blank"
    if _NUMBER.fullmatch(p):
        return "num"
    if _ENUMERATOR.fullmatch(p):
        return "text"
    if _NUMBERISH.fullmatch(p):
        return "bad"
    return "text"


def _pieces(line: str) -> list[str]:
    """Cells of one line: split on '|' and tabs when present, else on runs of whitespace."""
    if "|" in line or "\t" in line:
        parts = re.split(r"[|\t]", line)
        if line.startswith("|"):
            parts = parts[1:]
        if line.endswith("|") and parts:
            parts = parts[:-1]
        return [p.strip() for p in parts]
    return line.split()


def tokenize(lines: list[Line], first_line: int = 0) -> list[Token]:
    """Tokens of a table region, each with its place in the source. ``first_line`` is the index of ``lines[0]``
    in the whole page."""
    tokens: list[Token] = []
    for offset, line in enumerate(lines):
        norm = unicodedata.normalize("NFKC", line.text).replace("\u00a0", " ")
        if _MD_RULE.fullmatch(norm.strip()):
            continue  # a markdown header rule "|---|---|"
        pieces = _pieces(norm)
        if not any(pieces):
            # One bare pipe on a line of its own is an empty cell of a table flattened to one cell per line
            # ("26 |", "|", "|", …, "26 |"); a run of empty cells at a row's end is padding (Block.trimmed).
            # Two or more pipes ("||", "|||||") are row padding, never a blank cell.
            if norm.strip() == "|":
                tokens.append(Token("empty", "", first_line + offset, line.where, True))
            continue
        places = _places(line, norm, pieces)
        explicit = line.is_row or "|" in norm or "\t" in norm
        for piece, where in zip(pieces, places):
            kind = classify(piece)
            if kind == "text" and _DIGIT.search(piece):
                # labels and values glued together ("数量640020470二、上年…"): cut apart (intake.glued)
                for part, at in _cut_glued(piece.strip()):
                    part_where = replace(where, offset=where.offset + at) if where.offset is not None else where
                    tokens.append(Token(classify(part), part, first_line + offset, part_where, explicit))
            else:
                tokens.append(Token(kind, piece.strip(), first_line + offset, where, explicit))
    return tokens


_DIGIT = re.compile(r"[0-9]")


def _cut_glued(piece: str) -> list[tuple[str, int]]:
    """(part, offset in the piece) of a piece where a copy lost the separators between labels and values."""
    out, cursor = [], 0
    for part in split_glued_text(piece):
        at = piece.find(part, cursor)
        cursor = at + len(part) if at >= 0 else cursor
        out.append((part, max(at, 0)))
    return out


def _places(line: Line, norm: str, pieces: list[str]) -> list[Where]:
    """Where each piece of a line sits: the reader's cell places for a table row, else the line and the
    character offset of the piece."""
    if line.cells and len(line.cells) == len(pieces):
        return list(line.cells)
    out, cursor = [], 0
    base = line.where
    for piece in pieces:
        at = norm.find(piece, cursor) if piece else -1
        if at >= 0:
            cursor = at + len(piece)
        out.append(
            Where(page=base.page, table=base.table, row=base.row, line=base.line, offset=at if at >= 0 else None)
        )
    return out


def blocks(tokens: list[Token]) -> list[Block]:
    """Group tokens into blocks: consecutive text tokens form one label, the values after it its run."""
    out: list[Block] = []
    for tok in tokens:
        if tok.kind == "text":
            if not out or out[-1].values:
                out.append(Block())
            out[-1].texts.append(tok)
        else:
            if not out:
                out.append(Block())
            out[-1].values.append(tok)
    return out
