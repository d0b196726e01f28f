"""Shared helpers for the publish tests: a district report summed from the 连云区 2022 figures.

Three accepted units carry the 连云区 figures (the third with a fee of 0.000001 万元, so the district fee has six
decimals), a fourth unit is missing. Unit names include markup and a formula-looking name on purpose.
"""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

from publish.model import DistrictReport, UnitFigures
from sampledata.lianyun import lianyun_cells
from schemas.cells import CELL_KEYS, FEE_KEY

DISTRICT_ID = "320703"
YEAR = 2022
SCRIPT_NAME = "<script>alert('x')</script>街道办事处"
FORMULA_NAME = '=HYPERLINK("http://evil.example","点击")'
DISTRICT_FEE = "1493.688001"  # 746.844 + 746.844 + 0.000001


def sum_cells(*returns: dict[str, int | Decimal]) -> dict[str, int | Decimal]:
    """Cell-wise sum (the fee stays a Decimal)."""
    return {k: sum((r[k] for r in returns), Decimal(0) if k == FEE_KEY else 0) for k in CELL_KEYS}


def make_units() -> list[UnitFigures]:
    tiny_fee = lianyun_cells()
    tiny_fee[FEE_KEY] = Decimal("0.000001")
    return [
        UnitFigures("320703001", "连云区人民政府办公室", "office", "accepted", 1, "a" * 64, lianyun_cells()),
        UnitFigures("320703101", "连云区教育局", "department", "accepted", 2, "b" * 64, lianyun_cells()),
        UnitFigures("320703501", SCRIPT_NAME, "township", "accepted", 1, "c" * 64, tiny_fee),
        UnitFigures("320703102", FORMULA_NAME, "department", "missing", None, None, {}),
    ]


def make_report(**overrides) -> DistrictReport:
    units = make_units()
    fields = {
        "district_id": DISTRICT_ID,
        "district_name": "连云区人民政府",
        "year": YEAR,
        "cells": sum_cells(*(u.cells for u in units if u.status == "accepted")),
        "units": units,
    }
    fields.update(overrides)
    return DistrictReport(**fields)


class PageText(HTMLParser):
    """The text of a page in document order (one entry per text node), plus every th/td with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.cells: list[tuple[str, dict[str, str], str]] = []  # (tag, attrs, text)
        self._open: tuple[str, dict[str, str], list[str]] | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        if tag in ("th", "td"):
            self._open = (tag, {k: v or "" for k, v in attrs}, [])

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("th", "td") and self._open:
            t, attrs, parts = self._open
            self.cells.append((t, attrs, "".join(parts)))
            self._open = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if data.strip():
            self.chunks.append(data.strip())
            if self._open:
                self._open[2].append(data)

    @property
    def text(self) -> str:
        return "\n".join(self.chunks)


def page(html: str) -> PageText:
    parser = PageText()
    parser.feed(html)
    parser.close()
    return parser


def assert_in_order(text: str, labels: list[str], start: int = 0) -> int:
    """Each label occurs after the previous one; returns the position after the last."""
    pos = start
    for label in labels:
        found = text.find(label, pos)
        assert found >= 0, f"{label!r} not found after position {pos} (previous labels matched up to there)"
        pos = found + len(label)
    return pos
