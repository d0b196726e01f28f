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

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from schemas.narrative import to_simplified
from schemas.values import PLACEHOLDERS

# --- label keys -------------------------------------------------------------------------------------------

_DROP = re.compile(r"[\s|\"'“”‘’「」『』、,，.。:：;；·．!！?？]")


def key(text: str) -> str:
    """The comparison key of a label (see the module docstring)."""
    return _DROP.sub("", to_simplified(text))


# --- HTML to lines ----------------------------------------------------------------------------------------

_HTML_HINT = re.compile(r"<\s*(html|body|table|tr|td|th|p|div|br|h[1-6])\b", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article header footer hr blockquote title pre center form"
    .split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_VOID_TAGS = frozenset("br img meta link input hr col area base wbr source embed param".split())
_CELL_TAGS = frozenset({"td", "th"})


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:200_000]))


@dataclass
class _Node:
    tag: str
    children: list["_Node | str"] = field(default_factory=list)


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
        node = _Node(tag)
        self.stack[-1].children.append(node)
        if tag not in _VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag))

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
    if node.tag in _SKIP_TAGS:
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
        elif child.tag == "tr":
            rows.append([c for c in child.children if isinstance(c, _Node) and c.tag in _CELL_TAGS])
        elif child.tag in _CELL_TAGS:
            rows.append([child])
    return rows


def _is_container(cell: _Node) -> bool:
    """A layout cell (holds a whole article, or a nested table), not a data cell."""
    if _has(cell, frozenset({"table"})):
        return True
    blocks = [c for c in cell.children if isinstance(c, _Node) and c.tag in _BLOCK_TAGS - {"br"} and _text(c).strip()]
    return len(blocks) >= 3 or (len(blocks) >= 2 and len(_one_line(_text(cell))) > 120)


def _lines(node: _Node, out: list[str]) -> None:
    """Block-level rendering: paragraphs become lines, data tables become pipe rows."""
    buf: list[str] = []

    def flush() -> None:
        line = _one_line("".join(buf))
        if line:
            out.append(line)
        buf.clear()

    for child in node.children:
        if isinstance(child, str):
            buf.append(child)
        elif child.tag in _SKIP_TAGS:
            continue
        elif child.tag == "table":
            flush()
            rows = _rows(child)
            if any(_is_container(cell) for row in rows for cell in row):
                for row in rows:
                    for cell in row:
                        _lines(cell, out)
            else:
                for row in rows:
                    if row:
                        out.append("| " + " | ".join(_one_line(_text(cell)) for cell in row) + " |")
        elif child.tag in _BLOCK_TAGS or child.tag in _CELL_TAGS or _has(child, _BLOCK_TAGS | {"table"}):
            flush()
            _lines(child, out)
            flush()
        else:
            buf.append(_text(child))
    flush()


def html_to_lines(html: str) -> list[str]:
    """Lines of an HTML page: paragraph-like elements become lines; each row of a data table becomes one pipe row
    ``| a | b | … |`` (row/column spans are not expanded: each cell once, which is what the label-anchored
    parsers want; a ``<br>`` or ``<p>`` inside a cell becomes a space). Tables used for page layout (a cell
    holding a nested table or several paragraphs) are read as ordinary blocks.
    """
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    out: list[str] = []
    _lines(builder.root, out)
    return out


def text_to_lines(text: str) -> list[str]:
    """Lines of a page: HTML is converted, plain text is split; blank lines dropped, each line stripped."""
    raw = html_to_lines(text) if looks_like_html(text) else text.splitlines()
    return [line.strip() for line in raw if line.strip()]


# --- tokens and blocks ------------------------------------------------------------------------------------

TokenKind = Literal["text", "num", "blank", "empty", "bad"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # the piece as printed (NFKC, stripped)
    line: int  # index of the line it came from


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


def tokenize(lines: list[str], first_line: int = 0) -> list[Token]:
    """Tokens of a table region. ``first_line`` is the index of ``lines[0]`` in the whole page."""
    tokens: list[Token] = []
    for offset, line in enumerate(lines):
        norm = unicodedata.normalize("NFKC", line).replace("\u00a0", " ")
        if _MD_RULE.fullmatch(norm.strip()):
            continue  # a markdown header rule "|---|---|"
        pieces = _pieces(norm)
        if not any(pieces):
            continue  # a line of bare pipes ("||", "|||||") is row padding, never a blank cell
        for piece in pieces:
            tokens.append(Token(classify(piece), piece.strip(), first_line + offset))
    return tokens


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
