"""A Word report (DOCX, also what WPS saves as .docx) as lines (:mod:`intake.document`), for the section logic.

python-docx opens the package (it finds the main part through the relationships, whatever its name); the body is
then walked on python-docx's lxml elements, because its table API repeats a merged cell in every grid slot it
covers and hides where spans start. Rules:

- Body items in document order: a paragraph is a line (``Where(line=n)``, n counting the body's paragraphs, empty
  ones included so the numbers match what Word shows); a soft line break (Shift+Enter) inside a body paragraph
  starts a new line, as it does on screen. Empty paragraphs are dropped.
- A table row is one :func:`intake.document.table_row` with ``Where(table=, row=, col=)``: tables numbered 1, 2, …
  in the order they start in the document (a nested table after the table holding it), rows from 1, ``col`` the
  grid column where the cell starts (``gridBefore`` and every ``gridSpan`` counted). A horizontally merged cell
  is one cell; a vertically merged cell is emitted once, on its first row (``vMerge`` continuations skipped), which
  is how the HTML reader sees ``rowspan``.
- A cell's paragraphs are joined with a space (Word's wrapped labels "法人或其\\n他组织" read as one label). A table
  nested in a cell is emitted as rows of its own right after the row holding it; a cell holding only a nested
  table is not a cell of its row (a row left with no cells is not emitted).
- Text is what Word shows: tracked deletions and moved-from text are skipped, insertions kept, field codes
  skipped (their results kept), text boxes read once (the ``mc:Fallback`` copy skipped), hidden text (``w:vanish``)
  and the prompt of an unfilled content control skipped.
- Automatic numbering is drawn as Word draws it (:mod:`intake.docx_numbering`): a heading typed "一、总体情况"
  that Word or WPS turned into a numbered list still reads "一、总体情况".

Before anything parses it the archive goes through the same ZIP guard as an XLSX form
(:func:`intake.xlsx.check_zip_safety`), allowing :data:`MAX_UNCOMPRESSED_BYTES` because a report may carry images.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from intake.document import Line, Where, table_row
from intake.docx_numbering import Numbering
from intake.errors import UnreadableFile
from intake.xlsx import check_zip_safety

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # a report with a few scanned seals/photos stays far below this

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = _W + "val"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
P, TBL, TR, TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
T, TAB, BR, CR, R, SDT = _W + "t", _W + "tab", _W + "br", _W + "cr", _W + "r", _W + "sdt"
# wrappers that only group content (content controls, custom XML, smart tags): look through them
_WRAPPERS = frozenset({_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"})
# text that is not on the page: tracked deletions, the old place of moved text, alternate renderings
_HIDDEN = frozenset({_W + "del", _W + "moveFrom", _MC_FALLBACK, _W + "instrText", _W + "delText"})


def read_docx_lines(data: bytes) -> list[Line]:
    """The lines of a DOCX report. Raises :class:`intake.errors.UnreadableFile` (or its ``UnsafeArchive``)."""
    check_zip_safety(data, "DOCX", MAX_UNCOMPRESSED_BYTES)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, ValueError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise UnreadableFile(
            f"the DOCX document cannot be opened ({type(exc).__name__}: {exc}); save it again from Word or WPS as .docx"
        ) from exc
    walker = _Walker(Numbering(_part_element(document, RT.NUMBERING), _part_element(document, RT.STYLES)))
    walker.blocks(document.element.body)
    return walker.lines


def _part_element(document, reltype: str) -> etree._Element | None:
    """The XML of the document's numbering or styles part, None if it has none (python-docx would make one)."""
    try:
        return document.part.part_related_by(reltype).element
    except (KeyError, AttributeError):
        return None


def _items(parent: etree._Element, tags: frozenset[str]) -> list[etree._Element]:
    """Children of ``parent`` with one of ``tags``, looking through content controls and similar wrappers."""
    out = []
    for child in parent.iterchildren():
        if child.tag in tags:
            out.append(child)
        elif child.tag in _WRAPPERS:
            out.extend(_items(child, tags))
    return out


def _hidden(el: etree._Element) -> bool:
    """A run formatted as hidden text (w:vanish), or a content control still showing its placeholder prompt."""
    props = el.find(_W + "rPr" if el.tag == R else _W + "sdtPr")  # single-step finds, not a path search
    if props is None:
        return False
    if el.tag == R:
        vanish = props.find(_W + "vanish")
        return vanish is not None and vanish.get(_VAL, "true") not in ("false", "0", "off")
    return props.find(_W + "showingPlcHdr") is not None


def _text(el: etree._Element, out: list[str]) -> None:
    """The text Word shows for ``el``: w:t, tabs and breaks (as '\\t', '\\n'), hidden revisions skipped."""
    for child in el.iterchildren():
        tag = child.tag
        if tag in (R, SDT) and _hidden(child):
            continue
        if tag == T:
            out.append(child.text or "")
        elif tag in (TAB, _W + "ptab"):
            out.append("\t")
        elif tag in (BR, CR):
            out.append("\n")
        elif tag == _W + "noBreakHyphen":
            out.append("-")
        elif tag not in _HIDDEN and isinstance(tag, str):
            _text(child, out)


def paragraph_text(p: etree._Element, numbering: Numbering | None = None) -> str:
    """What Word shows for paragraph ``p``: its enumerator if it is in a numbered list, then its text."""
    out: list[str] = [numbering.label(p)] if numbering is not None else []
    _text(p, out)
    return "".join(out)


def _int_val(prop: etree._Element, default: int) -> int:
    try:
        return int(prop.get(_VAL))
    except (TypeError, ValueError):
        return default


def _row_props(tr: etree._Element) -> tuple[bool, int]:
    """(deleted with track changes on, grid columns skipped before the first cell) of a row."""
    deleted, before = False, 0
    props = tr.find(_W + "trPr")
    for prop in props if props is not None else ():
        if prop.tag == _W + "del":
            deleted = True
        elif prop.tag == _W + "gridBefore":
            before = max(0, _int_val(prop, 0))
    return deleted, before


def _cell_props(tc: etree._Element) -> tuple[int, bool]:
    """(grid columns spanned, is the continuation of a vertical or legacy horizontal merge) of a cell."""
    span, continued = 1, False
    props = tc.find(_W + "tcPr")  # one child lookup, then its few children (a path search per property is slow)
    for prop in props if props is not None else ():
        if prop.tag == _W + "gridSpan":
            span = max(1, _int_val(prop, 1))
        elif prop.tag in (_W + "vMerge", _W + "hMerge") and prop.get(_VAL, "continue") != "restart":
            continued = True
    return span, continued


class _Walker:
    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering
        self.lines: list[Line] = []
        self.tables = 0
        self.paragraphs = 0

    def blocks(self, parent: etree._Element) -> None:
        """Body-level items (paragraphs and tables) in document order."""
        for item in _items(parent, frozenset({P, TBL})):
            if item.tag == TBL:
                self.table(item)
                continue
            self.paragraphs += 1
            for piece in paragraph_text(item, self.numbering).split("\n"):
                text = " ".join(piece.split())
                if text:
                    self.lines.append(Line(text, Where(line=self.paragraphs)))

    def table(self, tbl: etree._Element) -> None:
        self.tables += 1
        number = self.tables
        for r, tr in enumerate(_items(tbl, frozenset({TR})), start=1):
            deleted, before = _row_props(tr)
            if deleted:
                continue  # a row deleted with track changes on
            col = 1 + before
            texts: list[str] = []
            places: list[Where] = []
            nested: list[etree._Element] = []
            for tc in _items(tr, frozenset({TC})):
                span, continued = _cell_props(tc)
                start, col = col, col + span
                if continued:
                    for item in _items(tc, frozenset({P})):
                        paragraph_text(item, self.numbering)  # not shown, but Word still counts its list items
                    continue  # the lower (or, legacy hMerge, right) part of a merged cell: emitted where it starts
                pieces: list[str] = []
                inner: list[etree._Element] = []
                for item in _items(tc, frozenset({P, TBL})):
                    if item.tag == TBL:
                        inner.append(item)
                    else:
                        text = " ".join(paragraph_text(item, self.numbering).split())
                        if text:
                            pieces.append(text)
                nested.extend(inner)
                if inner and not pieces:
                    continue  # a layout cell holding only a table: the table's rows stand for it
                texts.append(" ".join(pieces))
                places.append(Where(table=number, row=r, col=start))
            if texts:
                self.lines.append(table_row(texts, places))
            for inner_table in nested:
                self.table(inner_table)
