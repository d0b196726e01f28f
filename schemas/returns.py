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
_FEE_AT = CELL_KEYS.index(FEE_KEY)


@dataclass
class CanonicalReturn:
    unit_id: str
    unit_name: str
    year: int | str | None
    cells: dict[str, CellValue] = field(default_factory=dict)  # key -> int | Decimal | raw text | None
    narrative: dict[str, str] = field(default_factory=dict)  # overview (一), problems (五), other (六)
    notes: dict[str, str] = field(default_factory=dict)  # per-cell notes from reading, e.g. a converted fee unit
    extra_keys: tuple[str, ...] = ()  # keys found in the source that are not cells of the format
    # a published report: where each cell was read, in words (page, table, row and the form's column, or line and
    # offset, and the text as printed); empty for forms and JSON, whose cells are named by their keys
    provenance: dict[str, str] = field(default_factory=dict)
    # cells whose separators were lost in the source and were decoded: cell key -> the identities that decided
    # the split (those identities then cannot vouch for the cell: "not independently checked")
    decoded: dict[str, tuple[str, ...]] = field(default_factory=dict)
    title: str = ""  # a published report: its title as printed (finds the unit on the roster when no name matches)
    # a non-standard 2021 table that prints (六)其他处理 as ONE row: its 7 values in the order of S3_COL_KEYS (the 21
    # cells of the three (六) sub-rows are then missing); None for the official three rows
    other_single_row: tuple[CellValue, ...] | None = None

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
    values = list(map(raw_cells.get, CELL_KEYS))  # official order; map over a C method, no loop per cell
    fee, values[_FEE_AT] = values[_FEE_AT], 0
    if set(map(type, values)) != {int}:  # the usual case (canonical JSON, Parquet): counts, nothing to clean
        values = [v if type(v) is int else normalize_count(v) for v in values]
    notes: dict[str, str] = {}
    values[_FEE_AT], note = normalize_fee(fee)
    if note:
        notes[FEE_KEY] = note
    cells: dict[str, CellValue] = dict(zip(CELL_KEYS, values))
    strangers = raw_cells.keys() - CELL_BY_KEY.keys()  # keys that are not cells of the format (rule I4)
    extra = tuple(k for k in raw_cells if k in strangers) if strangers else ()
    return CanonicalReturn(
        unit_id=str(unit_id or "").strip(),
        unit_name=str(unit_name or "").strip(),
        year=parse_year(year),
        cells=cells,
        narrative=dict(narrative or {}),
        notes=notes,
        extra_keys=extra,
    )


def parse_year(raw: Any) -> int | str | None:
    if raw is None or raw == "":
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        return str(raw)
