"""Word reports (DOCX) in the official layout, written with python-docx from the figures of our own published page.

The source is ``publish.render.render_html(make_report())`` (tests/publish/publish_fixtures.py): its title, the six
headings with their narrative and the three tables of sections 二, 三 and 四 (the annex is left out, as a unit's
report has none). The page's ``rowspan``/``colspan`` become Word merges the way Word makes them: ``gridSpan`` for a
horizontal merge, ``vMerge`` restart/continue for a vertical one (the (三)…(六) group labels of the matrix, the
"申请人情况"/"自然人"/"总计" headers).

Variants:
- ``layout="plain"``: tables in the body, as Word users make them;
- ``layout="nested"``: the section 三 matrix inside a one-cell layout table (a frame some templates use);
- ``wrapped=True``: labels broken the way people force them into narrow columns: column headers as several short
  paragraphs, long row labels with soft line breaks (Shift+Enter);
- ``numbered=True``: the enumerators are Word's automatic numbering, not text (as Word and WPS make them when one
  types "一、…" and presses Enter): the six headings "%1、" in Chinese counting, the matrix's "（%1）" group labels
  counted across the table's cells, and its "%1." sub-items restarted for each group (a ``startOverride``).
"""

from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "publish"))
from publish_fixtures import make_report

from publish.render import render_html
from schemas.spans import span_slots


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False  # a column header (<th> without class label)
    label: bool = False  # any <th>: a header or a row label (numbers are never wrapped)


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)


class _Page(HTMLParser):
    """Title, headings, paragraphs and tables of the rendered page, in order, up to the annex."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str | Table]] = []
        self.stop = False
        self.buf: list[str] | None = None
        self.table: Table | None = None
        self.cell: Cell | None = None
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.stop:
            return
        if tag in ("style", "script", "title"):
            self.skip += 1
        elif tag == "section" and a.get("id") == "annex":
            self.stop = True
        elif tag == "table":
            self.table = Table()
        elif tag == "tr" and self.table is not None:
            self.table.rows.append([])
        elif tag in ("th", "td") and self.table is not None:
            self.cell = Cell(
                "",
                int(a.get("rowspan", 1)),
                int(a.get("colspan", 1)),
                tag == "th" and "label" not in (a.get("class") or ""),
                tag == "th",
            )
            self.buf = []
        elif tag in ("h1", "h2", "p") and self.table is None:
            self.buf = []

    def handle_endtag(self, tag):
        if self.stop:
            return
        if tag in ("style", "script", "title"):
            self.skip -= 1
        elif tag in ("th", "td") and self.cell is not None and self.table is not None:
            self.cell.text = "".join(self.buf or []).strip()
            self.table.rows[-1].append(self.cell)
            self.cell, self.buf = None, None
        elif tag == "table" and self.table is not None:
            self.items.append(("table", self.table))
            self.table = None
        elif tag in ("h1", "h2", "p") and self.buf is not None and self.table is None:
            self.items.append((tag, " ".join("".join(self.buf).split())))
            self.buf = None

    def handle_data(self, data):
        if self.buf is not None and not self.skip:
            self.buf.append(data)


def page_items(report=None) -> list[tuple[str, str | Table]]:
    parser = _Page()
    parser.feed(render_html(report or make_report()))
    return parser.items


def unit_report(name: str, cells: dict):
    """The page of one unit's own report (its name in the title, its figures; what a unit publishes)."""
    from publish.model import UnitFigures

    unit = UnitFigures("1", name, "office", "accepted", 1, "a" * 64, dict(cells))
    return make_report(district_name=name, cells=dict(cells), units=[unit])


def published_html() -> str:
    return render_html(make_report())


def _grid(table: Table) -> tuple[int, int, list[tuple[int, int, Cell]]]:
    """(rows, columns, [(row, col, cell)]) by the HTML table algorithm (spans occupy later slots)."""
    columns, taken = span_slots([[(cell.rowspan, cell.colspan) for cell in row] for row in table.rows])
    placed = [(r, c, cell) for r, (row, cols) in enumerate(zip(table.rows, columns)) for c, cell in zip(cols, row)]
    return len(table.rows), 1 + max(c for _, c in taken), placed


class _Lists:
    """Word's automatic numbering for the ``numbered`` variant: three abstract lists and their instances."""

    FORMATS: ClassVar = {90: ("chineseCounting", "%1、"), 91: ("chineseCounting", "（%1）"), 92: ("decimal", "%1.")}
    PATTERNS: ClassVar = {90: r"[一二三四五六]、", 91: r"（[一二三四五六七]）", 92: r"[1-8]\."}

    def __init__(self, document) -> None:
        self.root = document.part.numbering_part.element
        first_num = self.root.find(qn("w:num"))
        for aid, (fmt, text) in self.FORMATS.items():
            abstract = parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{aid}"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
                f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:suff w:val="nothing"/></w:lvl></w:abstractNum>'
            )
            first_num.addprevious(abstract)  # abstractNum elements come before num elements
        self.next_id = 900
        self.current = {90: self._num(90), 91: self._num(91), 92: self._num(92)}

    def _num(self, aid: int, restart: bool = False) -> int:
        self.next_id += 1
        override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>' if restart else ""
        self.root.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{self.next_id}"><w:abstractNumId w:val="{aid}"/>{override}</w:num>'
            )
        )
        return self.next_id

    def strip(self, text: str, kinds: tuple[int, ...]) -> tuple[str, int | None]:
        """``text`` without its typed enumerator, and the numId that draws it instead (None: not numbered)."""
        for aid in kinds:
            m = re.match(self.PATTERNS[aid], text)
            if m:
                if aid == 92 and text.startswith("1."):  # each group's sub-items count from 1 again
                    self.current[92] = self._num(92, restart=True)
                return text[m.end() :], self.current[aid]
        return text, None


def _number(paragraph, num_id: int | None) -> None:
    if num_id is not None:
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
        )


def _write_text(cell, text: str, header: bool, wrapped: bool, num_id: int | None = None) -> None:
    """Text into a (merged) Word cell; ``wrapped``: the forced breaks people type to fit narrow columns."""
    first = cell.paragraphs[0]
    _number(first, num_id)
    if not wrapped or len(text) <= 4:
        first.add_run(text)
        return
    if header:  # one short paragraph per piece: "法人或其" / "他组织"
        pieces = [text[i : i + 4] for i in range(0, len(text), 4)]
        first.add_run(pieces[0])
        for piece in pieces[1:]:
            cell.add_paragraph(piece)
        return
    run = first.add_run()  # a row label with soft line breaks every 6 characters
    for i in range(0, len(text), 6):
        if i:
            run.add_break()
        run.add_text(text[i : i + 6])


def _fill(table_el, source: Table, wrapped: bool, lists: _Lists | None = None, matrix: bool = False) -> None:
    _, cols, placed = _grid(source)
    slots = table_el._cells  # before any merge (Table.cell() recomputes the whole grid on every call)
    for r, c, cell in placed:
        target = slots[r * cols + c]
        if cell.rowspan > 1 or cell.colspan > 1:  # rectangles are disjoint, so earlier merges leave these slots valid
            target = target.merge(slots[(r + cell.rowspan - 1) * cols + c + cell.colspan - 1])
        text, num_id = cell.text, None
        if lists is not None and matrix and cell.label and not cell.header:
            text, num_id = lists.strip(text, (91, 92))
        _write_text(target, text, cell.header, wrapped and cell.label, num_id)


def build_docx(layout: str = "plain", wrapped: bool = False, numbered: bool = False, report=None) -> bytes:
    """The report as DOCX bytes (see the module docstring for ``layout``, ``wrapped`` and ``numbered``); ``report``:
    another DistrictReport than make_report()'s (e.g. :func:`unit_report`)."""
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    lists = _Lists(document) if numbered else None
    tables = 0
    for kind, item in page_items(report):
        if kind == "h1":
            document.add_heading(item, level=0)
        elif kind == "h2":
            text, num_id = lists.strip(item, (90,)) if lists else (item, None)
            _number(document.add_heading(text, level=1), num_id)
        elif kind == "p":
            document.add_paragraph(item)
        else:
            tables += 1
            rows, cols, _ = _grid(item)
            if layout == "nested" and tables == 2:  # the matrix inside a one-cell layout table
                frame = document.add_table(rows=1, cols=1)
                target = frame.cell(0, 0).add_table(rows, cols)
            else:
                target = document.add_table(rows=rows, cols=cols)
            target.style = "Table Grid"
            _fill(target, item, wrapped, lists, matrix=tables == 2)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
