"""The glyphs and drawn paths of each page of a PDF, read with PDFium (pypdfium2), in pdfplumber's terms.

pdfplumber (pdfminer) interprets content streams in Python: 0.5–1.3 s for a five-page report, most of a run's
reading time. PDFium does the same in C, ten times faster. This module asks PDFium for what the PDF reader needs and
gives it the shape pdfplumber would: coordinates in points from the page's top-left corner (PDFium's origin is
bottom-left), characters as ``{text, x0, x1, top, bottom, size, upright}``, and paths classified as pdfminer does
(a two-point path is a line, a closed axis-aligned four-corner path a rectangle, anything else a curve), so that
pdfplumber's own table finder runs on them unchanged.

A character's box is pdfminer's: the advance width wide, one font size tall, standing on the baseline lowered by
the font's descent. (PDFium reads the descent from the font program when the font descriptor gives none, where
pdfminer takes 0: Chromium's glyph boxes sit lower than pdfplumber's, by about an eighth of their size, a little
more or less per font; a glyph is placed in its line and cell by its middle, which that does not move out of them.)

pdfplumber is kept for one case: a page with a /Rotate entry. PDFium reports positions in the unrotated page
space, pdfminer turns them as the page is shown; such PDFs are rare, so they are read the slow way rather than
with a second coordinate mapping here.
"""

from __future__ import annotations

import ctypes
import io
import logging
import threading
from dataclasses import dataclass
from unicodedata import east_asian_width

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

__all__ = ["PageObjects", "page_objects"]

# PDFium is not thread-safe, not even across documents (pypdfium2's docs), and a run reads its files on a thread
# pool: one call into it at a time (pdfminer held the GIL anyway). Every PDFium object is closed under the lock.
_PDFIUM = threading.Lock()

# pdfminer (the fallback) logs a warning for every glyph of a font without a FontBBox (Chromium's subset fonts)
logging.getLogger("pdfminer").setLevel(logging.ERROR)


@dataclass
class PageObjects:
    number: int  # from 1
    width: float
    height: float
    chars: list[dict]  # printed glyphs only (no spaces): text, x0, x1, top, bottom, size, upright
    graphics: list[dict]  # lines, then rectangles, then curves (pdfplumber's order of a page's edges)


def page_objects(data: bytes) -> list[PageObjects]:
    """Every page's glyphs and paths. Raises whatever PDFium (or, for a rotated page, pdfminer) raises on a file it
    cannot read."""
    with _PDFIUM:
        pages = _read_pdf(data)
    return pages if pages is not None else _with_pdfplumber(data)


def _read_pdf(data: bytes) -> list[PageObjects] | None:
    """None if a page is rotated."""
    pdf = pdfium.PdfDocument(data)
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                if page.get_rotation():
                    return None
                pages.append(_read_page(page, i + 1))
            finally:
                page.close()
        return pages
    finally:
        pdf.close()


def _read_page(page: pdfium.PdfPage, number: int) -> PageObjects:
    left, bottom, right, top = page.get_mediabox()
    # PDF user space (y up) -> pdfplumber's (y down from the page's top edge, x from its left edge)
    to_page = (1.0, 0.0, 0.0, -1.0, -left, top)
    graphics: dict[str, list[dict]] = {"line": [], "rect": [], "curve": []}
    _paths(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, to_page, graphics)
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage.raw, top, left)
    finally:
        textpage.close()
    return PageObjects(
        number, right - left, top - bottom, chars, graphics["line"] + graphics["rect"] + graphics["curve"]
    )


# --- glyphs -----------------------------------------------------------------------------------------------------


def _chars(textpage, page_top: float, page_left: float) -> list[dict]:  # type: ignore[no-untyped-def]
    box, m = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    ink = [ctypes.c_double() for _ in range(4)]
    descents: dict[int | None, float] = {}  # by font (WPS and Chromium write every glyph as a text object of its own)
    out = []
    for i in range(pdfium_c.FPDFText_CountChars(textpage)):
        text = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
        if not text.strip():  # spaces, and the line breaks PDFium generates
            continue
        pdfium_c.FPDFText_GetMatrix(textpage, i, m)  # the text matrix times the CTM
        raw_size = pdfium_c.FPDFText_GetFontSize(textpage, i)  # before the matrix scales it
        size = raw_size * abs(m.d or m.b)
        if not (m.a * m.d > 0 and m.b * m.c <= 0):  # pdfminer's "upright"; a rotated glyph (a watermark, a turned
            pdfium_c.FPDFText_GetCharBox(textpage, i, *ink)  # label): the box around its ink will do
            left, right, low, high = (v.value for v in ink)
            out.append(
                {
                    "text": text,
                    "x0": left - page_left,
                    "x1": right - page_left,
                    "top": page_top - high,
                    "bottom": page_top - low,
                    "size": size,
                    "upright": False,
                }
            )
            continue
        descent = _descent(pdfium_c.FPDFText_GetTextObject(textpage, i), descents)
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, box)
        pdfium_c.FPDFText_GetCharOrigin(textpage, i, x, y)
        x0, x1, base = box.left, box.right, page_top - y.value
        if abs(box.right - box.left - raw_size) < 1e-3 and abs(raw_size - size) > 1e-3:
            # a vertical-writing glyph: PDFium makes its loose box one *unscaled* font size wide; pdfminer gives it
            # a square box of the font size hanging from its origin
            x1 = x0 + size
        else:
            if abs(box.bottom - (y.value + descent * size)) > 0.01:
                # no loose box (PDFium gives the ink box instead) for a character it normalised, e.g. the radical
                # ⼈ read as 人: the box starts at the origin, and an ideograph's advance is one em
                x0 = x.value
                x1 = x0 + size if east_asian_width(text) in "WF" else max(box.right, x0)
            base -= descent * size
        out.append(
            {
                "text": text,
                "x0": x0 - page_left,
                "x1": x1 - page_left,
                "top": base - size,
                "bottom": base,
                "size": size,
                "upright": True,
            }
        )
    return out


def _descent(text_object, known: dict[int | None, float]) -> float:  # type: ignore[no-untyped-def]
    """The descent of a text object's font, a fraction of the font size (negative; 0 if PDFium has none)."""
    font = pdfium_c.FPDFTextObj_GetFont(text_object) if text_object else None
    key = ctypes.cast(font, ctypes.c_void_p).value if font else None
    if key not in known:
        value = ctypes.c_float()
        known[key] = -abs(value.value) if font and pdfium_c.FPDFFont_GetDescent(font, 1.0, value) else 0.0
    return known[key]


# --- paths ------------------------------------------------------------------------------------------------------


def _paths(parent, count, get, matrix, out: dict[str, list[dict]]) -> None:  # type: ignore[no-untyped-def]
    """The path objects of a page or form XObject (recursively), positions mapped by ``matrix`` to the page."""
    m = pdfium_c.FS_MATRIX()
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        pdfium_c.FPDFPageObj_GetMatrix(obj, m)
        own = _multiply((m.a, m.b, m.c, m.d, m.e, m.f), matrix)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            _paths(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject, own, out)
        else:
            _path(obj, own, out)


def _path(obj, matrix, out: dict[str, list[dict]]) -> None:  # type: ignore[no-untyped-def]
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
    paint = {"stroke": bool(stroke.value), "fill": fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE}
    if not (paint["stroke"] or paint["fill"]):  # painted with "n" (a clipping path): pdfminer records nothing
        return
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list] = []  # [points, closed, curved] each
    bezier = 0
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([[], False, False])
        if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:  # two control points, then the end point (pdfminer keeps that)
            subpaths[-1][2] = True
            bezier = (bezier + 1) % 3
            if bezier:
                continue
        subpaths[-1][0].append(_apply(matrix, x.value, y.value))
        if pdfium_c.FPDFPathSegment_GetClose(segment):
            subpaths[-1][1] = True
    for points, closed, curved in subpaths:
        _classify(points, closed, curved, paint, out)


def _classify(
    pts: list[tuple[float, float]], closed: bool, curved: bool, paint: dict, out: dict[str, list[dict]]
) -> None:
    """One subpath as pdfminer sees it: line, rectangle or curve (pdfplumber's object dicts); one with a Bézier
    segment is a curve whatever its points."""
    if closed and pts[-1] != pts[0]:
        pts = pts + [pts[0]]
    if len(pts) < 2:
        return
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    top, bottom = min(p[1] for p in pts), max(p[1] for p in pts)
    box = {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
        **paint,
    }
    if curved:
        out["curve"].append({"object_type": "curve", **box, "pts": pts})
    elif len(pts) == 2 or (len(pts) == 3 and pts[2] == pts[0]):
        out["line"].append({"object_type": "line", **box})
    elif len(pts) == 5 and pts[4] == pts[0] and _square(pts):
        out["rect"].append({"object_type": "rect", **box, "y0": -bottom, "y1": -top})
    else:
        out["curve"].append({"object_type": "curve", **box, "pts": pts})


def _square(pts: list[tuple[float, float]]) -> bool:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = pts[:4]
    return (ax == bx and by == cy and cx == dx and dy == ay) or (ay == by and bx == cx and cy == dy and dx == ax)


def _multiply(m: tuple, n: tuple) -> tuple:  # type: ignore[type-arg]
    """m then n, as PDF matrices (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _apply(m: tuple, x: float, y: float) -> tuple[float, float]:  # type: ignore[type-arg]
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


# --- rotated pages ----------------------------------------------------------------------------------------------


def _with_pdfplumber(data: bytes) -> list[PageObjects]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [
            PageObjects(
                page.page_number,
                float(page.width),
                float(page.height),
                [c for c in page.chars if c["text"].strip()],
                page.lines + page.rects + page.curves,
            )
            for page in pdf.pages
        ]
