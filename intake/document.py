"""What every reader of a published report hands to the section logic: the page as *lines*, each knowing where it
came from.

A unit's annual report reaches the office as a Word document, the PDF exported from it, the portal page or text
copied from one of those. Each reader (:mod:`intake.published_text` for text and HTML, :mod:`intake.pdf_reader`,
:mod:`intake.docx_reader`) turns its format into the same thing: a list of :class:`Line`. A paragraph is one line;
a table row is one line written ``| a | b | … |`` whose ``cells`` say where each cell sits in the source (page,
table, row, column). The section logic (:mod:`intake.published`) only ever sees lines, so every format is read by
the same rules, and every parsed cell can say where it came from (:class:`Where`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """A place in the source. Numbers are 1-based as a person counts them; ``offset`` counts characters from 0.

    A PDF cell has page, table, row and column; a DOCX or HTML cell table, row and column; a piece of plain text its
    line and offset. Fields that do not apply are None.
    """

    page: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    line: int | None = None
    offset: int | None = None

    def describe(self, column_label: str = "") -> str:
        """'第3页 表2 第7行 第8列（总计）', '文本第12行 第5字（总计列）': the place, then the form's column when given."""
        parts: list[str] = []
        if self.page is not None:
            parts.append(f"第{self.page}页")
        if self.table is not None:
            parts.append(f"表{self.table}")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.col is not None:
            parts.append(f"第{self.col}列" + (f"（{column_label}）" if column_label else ""))
        if self.line is not None:
            parts.append(f"文本第{self.line}行")
        if self.offset is not None:
            parts.append(f"第{self.offset + 1}字")
        text = " ".join(parts) or "位置不明"
        return text + f"（{column_label}列）" if self.col is None and column_label else text

    def to_json(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Line:
    """One line of a report: a paragraph, or a table row ``| a | b | … |`` with the place of each cell."""

    text: str
    where: Where = Where()
    cells: tuple[Where, ...] = ()  # a table row: one Where per cell, in the order of the pipe pieces

    @property
    def is_row(self) -> bool:
        return bool(self.cells)


def table_row(texts: list[str], places: list[Where]) -> Line:
    """The line of one table row (cell texts on one line each, pipes inside a cell replaced so they cannot split it)."""
    clean = [" ".join(t.replace("|", "¦").split()) for t in texts]  # NFKC keeps ¦ (not ｜)
    return Line("| " + " | ".join(clean) + " |", places[0] if places else Where(), tuple(places))


def plain_lines(texts: list[str], first_line: int = 1) -> list[Line]:
    """Lines of plain text, numbered from ``first_line``; blank lines are dropped (their numbers are kept)."""
    out = []
    for i, text in enumerate(texts):
        stripped = text.strip()
        if stripped:
            out.append(Line(stripped, Where(line=first_line + i)))
    return out
