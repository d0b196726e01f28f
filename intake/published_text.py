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
    "p div br h1 h2 h3 h4 h5 h6 li ul ol section article header footer hr table tbody thead tfoot title pre".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:200_000]))


class _HtmlToLines(HTMLParser):
    """Paragraph-like elements become lines; each ``<tr>`` becomes one pipe row ``| a | b | … |``.

    Row/column spans are not expanded: each cell's text is emitted once, which is what the label-anchored
    section parsers want. Line breaks inside a cell become spaces (a header split by ``<br>`` stays one cell).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._buf: list[str] = []  # text outside cells
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.lines.append(text)
        self._buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "tr":
            self._end_row()
            self._flush()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._flush()
                self._row = []
            self._cell = []
        elif tag in _BLOCK_TAGS:
            if self._cell is not None:
                self._cell.append(" ")
            elif self._row is None:
                self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag in ("table", "tbody", "thead", "tfoot"):
            self._end_row()
        elif tag in _BLOCK_TAGS and self._cell is None and self._row is None:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._row is None:
            self._buf.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            if self._row:
                self.lines.append("| " + " | ".join(self._row) + " |")
            self._row = None

    def close(self) -> None:
        super().close()
        self._end_row()
        self._flush()


def html_to_lines(html: str) -> list[str]:
    parser = _HtmlToLines()
    parser.feed(html)
    parser.close()
    return parser.lines


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
