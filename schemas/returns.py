"""The canonical return (SPEC §0.2): one unit, one year, 200 cells, optional narrative.

Every reader produces a :class:`CanonicalReturn`; validation, the warehouse and publication consume it.
JSON form: ``{"format": "nianbao.return/1", "unit_id", "unit_name", "year", "cells": {...}, "narrative": {...}}``
with counts as integers and the fee as a decimal string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from schemas.cells import CELL_BY_KEY, CELL_KEYS, FEE_KEY
from schemas.values import CellValue, fee_text, normalize_count, normalize_fee

FORMAT_ID = "nianbao.return/1"


@dataclass
class CanonicalReturn:
    unit_id: str
    unit_name: str
    year: int | str | None
    cells: dict[str, CellValue] = field(default_factory=dict)  # key -> int | Decimal | raw text | None
    narrative: dict[str, str] = field(default_factory=dict)  # overview (一), problems (五), other (六)
    notes: dict[str, str] = field(default_factory=dict)  # per-cell notes from reading, e.g. a converted fee unit
    extra_keys: tuple[str, ...] = ()  # keys found in the source that are not cells of the format

    def value(self, key: str) -> CellValue:
        return self.cells.get(key)

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON object (cells in the official order, missing cells as null)."""
        cells: dict[str, Any] = {}
        for key in CELL_KEYS:
            v = self.cells.get(key)
            cells[key] = fee_text(v) if isinstance(v, Decimal) else v
        out: dict[str, Any] = {
            "format": FORMAT_ID,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "year": self.year,
            "cells": cells,
        }
        if self.narrative:
            out["narrative"] = dict(self.narrative)
        return out


def from_raw_cells(
    unit_id: str,
    unit_name: str,
    year: Any,
    raw_cells: dict[str, Any],
    narrative: dict[str, str] | None = None,
) -> CanonicalReturn:
    """Build a return from raw cell values as a reader found them, normalising each one."""
    cells: dict[str, CellValue] = {}
    notes: dict[str, str] = {}
    for key in CELL_KEYS:
        raw = raw_cells.get(key)
        if key == FEE_KEY:
            cells[key], note = normalize_fee(raw)
            if note:
                notes[key] = note
        elif type(raw) is int:  # the usual case (canonical JSON, Parquet): already a count, nothing to clean
            cells[key] = raw
        else:
            cells[key] = normalize_count(raw)
    extra = tuple(k for k in raw_cells if k not in CELL_BY_KEY)
    return CanonicalReturn(
        unit_id=str(unit_id or "").strip(),
        unit_name=str(unit_name or "").strip(),
        year=_year(year),
        cells=cells,
        narrative=dict(narrative or {}),
        notes=notes,
        extra_keys=extra,
    )


def _year(raw: Any) -> int | str | None:
    if raw is None or raw == "":
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        return str(raw)
