"""The official table layouts of sections 二, 三 and 四 (and the annex) as grids of merged cells.

Which cell of 二, 三 and 四 spans what is :mod:`schemas.grid`'s (the form and the test fixtures place the same
tables); this module fills in the figures. One layout feeds both renderers: the HTML template writes each
:class:`GridCell` as a ``<th>``/``<td>`` with its rowspan/colspan, and the XLSX writer places the same cells with
:func:`place` and merges their ranges. So the two outputs cannot drift apart. Labels come from :mod:`schemas.cells`
(simplified, official).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from publish.model import KIND_ZH, STATUS_ZH, DistrictReport, UnitFigures
from schemas.cells import FEE_KEY
from schemas.errors import NianbaoError
from schemas.grid import S2_TABLE, S3_TABLE, S4_TABLE, Slot, Table
from schemas.spans import SpanOverlap, span_slots
from schemas.values import fee_text

Value = int | Decimal | None
BLANK = "—"  # a missing figure is shown as a dash, never as 0 (blank is not zero)


@dataclass(frozen=True)
class GridCell:
    """One cell of a rendered table. ``key`` is set for data cells (the cell key of the 200-cell form)."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    key: str | None = None
    value: Value = None
    css: str = ""  # extra class for the HTML (e.g. "label", "num")


@dataclass
class Grid:
    """A table: ``width`` columns, rows of cells (cells covered by a span above are simply not listed)."""

    name: str
    width: int
    rows: list[list[GridCell]] = field(default_factory=list)
    head_rows: int = 0  # how many leading rows are header rows (<thead>)
    groups: list[int] = field(default_factory=list)  # row indexes where a new <tbody> starts (section 二)


def show(value: Value) -> str:
    """A figure as printed: ints plainly, the fee exactly (schemas.values.fee_text), missing as a dash."""
    if value is None:
        return BLANK
    if isinstance(value, Decimal):
        return fee_text(value)
    return str(value)


def data(cells: Mapping[str, Value], key: str, colspan: int = 1, keyed: bool = True) -> GridCell:
    """A figure cell. ``keyed`` tags it with its cell key (``data-cell`` in the HTML); annex cells are not tagged,
    because the same key repeats on every unit's row."""
    value = cells.get(key)
    if key == FEE_KEY and isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    return GridCell(show(value), colspan=colspan, key=key if keyed else None, value=value, css="num")


def head(text: str, rowspan: int = 1, colspan: int = 1) -> GridCell:
    return GridCell(text, rowspan=rowspan, colspan=colspan, header=True)


def label(text: str, rowspan: int = 1, colspan: int = 1) -> GridCell:
    return GridCell(text, rowspan=rowspan, colspan=colspan, header=True, css="label")


# --- Sections 二, 三 and 四: the official tables (schemas.grid), their figures filled in ---------------------------

S2_WIDTH, S3_WIDTH, S4_WIDTH = S2_TABLE.width, S3_TABLE.width, S4_TABLE.width
S3_LABEL_COLS = S3_TABLE.stub_cols


def official_grid(table: Table, cells: Mapping[str, Value]) -> Grid:
    """An official table as printed: headers as ``<th>``, row labels as ``<th class="label">``, figures from
    ``cells`` tagged with their keys; the spans are the table's own."""
    grid = Grid(table.name, table.width, head_rows=table.head_rows, groups=list(table.bands))
    for row in table.rows:
        grid.rows.append([_official_cell(slot, cells) for slot in row])
    return grid


def _official_cell(slot: Slot, cells: Mapping[str, Value]) -> GridCell:
    if slot.key is not None:
        return data(cells, slot.key, colspan=slot.colspan)
    text = slot.label.zh if slot.label is not None else ""
    make = label if slot.part == "stub" else head
    return make(text, rowspan=slot.rowspan, colspan=slot.colspan)


def s2_grid(cells: Mapping[str, Value]) -> Grid:
    """第二十条第（一）/（五）/（六）/（八）项, each: caption row, 信息内容 header row, one row per item."""
    return official_grid(S2_TABLE, cells)


def s3_grid(cells: Mapping[str, Value]) -> Grid:
    """The request-outcome matrix with the national format's merged headers (schemas.grid)."""
    return official_grid(S3_TABLE, cells)


def s4_grid(cells: Mapping[str, Value]) -> Grid:
    """Three header rows and one data row, as in the national format."""
    return official_grid(S4_TABLE, cells)


# --- Annex: every roster unit with its key figures -------------------------------------------------------------

UNIT_COLUMNS: tuple[str, ...] = ("单位代码", "单位名称", "单位类型", "状态", "版本")
ANNEX_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "主动公开政府信息情况",
        (
            ("s2.regulations.issued", "规章制发"),
            ("s2.regulations.repealed", "规章废止"),
            ("s2.regulations.in_force", "规章现行有效"),
            ("s2.normative_docs.issued", "规范性文件制发"),
            ("s2.normative_docs.repealed", "规范性文件废止"),
            ("s2.normative_docs.in_force", "规范性文件现行有效"),
            ("s2.admin_license.decisions", "行政许可"),
            ("s2.admin_penalty.decisions", "行政处罚"),
            ("s2.admin_coercion.decisions", "行政强制"),
            (FEE_KEY, "行政事业性收费（万元）"),
        ),
    ),
    (
        "政府信息公开申请（总计）",
        (
            ("s3.new_received.total", "本年新收"),
            ("s3.carried_in.total", "上年结转"),
            ("s3.total_processed.total", "办理结果总计"),
            ("s3.carried_out.total", "结转下年度"),
        ),
    ),
    (
        "行政复议、行政诉讼（总计）",
        (
            ("s4.review.total", "行政复议"),
            ("s4.litigation_direct.total", "未经复议直接起诉"),
            ("s4.litigation_after_review.total", "复议后起诉"),
        ),
    ),
)
ANNEX_KEYS: tuple[str, ...] = tuple(key for _, cols in ANNEX_GROUPS for key, _ in cols)
ANNEX_WIDTH = len(UNIT_COLUMNS) + len(ANNEX_KEYS)
TOTAL_ROW_LABEL = "全区合计（纳入汇总单位）"  # a district's; a city's reads 全市合计…, after DistrictReport.scope


def total_row_label(report: DistrictReport) -> str:
    return TOTAL_ROW_LABEL.replace("全区", report.scope, 1)


def _status_text(unit: UnitFigures) -> str:
    """经豁免采用, followed by how the return was counted when it deviates from the form (UnitFigures.note)."""
    status = STATUS_ZH.get(unit.status, unit.status)
    return f"{status}：{unit.note}" if unit.note else status


def _unit_row(unit: UnitFigures) -> list[GridCell]:
    return [
        GridCell(unit.unit_id, css="code"),
        GridCell(unit.unit_name, css="name"),
        GridCell(KIND_ZH.get(unit.kind, unit.kind)),
        GridCell(_status_text(unit), css=f"status {unit.status}"),
        GridCell(BLANK if unit.version is None else str(unit.version), value=unit.version, css="num"),
    ] + [data(unit.cells, key, keyed=False) for key in ANNEX_KEYS]


def annex_grid(report: DistrictReport) -> Grid:
    """附表: one row per roster unit (roster order), then the district total (the consolidated cells)."""
    grid = Grid("annex", ANNEX_WIDTH, head_rows=2)
    grid.rows.append(
        [head(text, rowspan=2) for text in UNIT_COLUMNS]
        + [head(title, colspan=len(cols)) for title, cols in ANNEX_GROUPS]
    )
    grid.rows.append([head(text) for _, cols in ANNEX_GROUPS for _, text in cols])
    grid.rows.extend(_unit_row(unit) for unit in report.units)
    grid.rows.append(
        [label(total_row_label(report), colspan=len(UNIT_COLUMNS))]
        + [data(report.cells, k, keyed=False) for k in ANNEX_KEYS]
    )
    return grid


WAIVER_COLUMNS = ("单位代码", "规则", "类型", "报表版本", "决定人", "记录时间", "理由")
WAIVER_KIND_ZH = {"waiver": "豁免", "acknowledgement": "确认", "keep": "保留旧版本"}


def waivers_grid(report: DistrictReport) -> Grid:
    """附表二: every waiver and acknowledgement the report relies on — unit, rule, kind, version, who, when, why —
    then every keep (rule G5: an older version counted instead of the rejected latest one, "v1（代替 v2）")."""
    grid = Grid("waivers", len(WAIVER_COLUMNS), head_rows=1)
    grid.rows.append([head(text) for text in WAIVER_COLUMNS])
    for w in report.waivers:
        grid.rows.append(
            [
                GridCell(str(w.get("unit_id", "")), css="code"),
                GridCell(str(w.get("rule", ""))),
                GridCell(WAIVER_KIND_ZH.get(str(w.get("kind", "")), str(w.get("kind", "")))),
                GridCell(BLANK if w.get("version") is None else str(w["version"]), css="num"),
                GridCell(str(w.get("by", ""))),
                GridCell(str(w.get("at", ""))),
                GridCell(str(w.get("reason", "")), css="name"),
            ]
        )
    for k in report.keeps:
        grid.rows.append(
            [
                GridCell(str(k.get("unit_id", "")), css="code"),
                GridCell("G5"),
                GridCell(WAIVER_KIND_ZH["keep"]),
                GridCell(f"{k.get('version')}（代替第{k.get('instead_of_version')}版）", css="num"),
                GridCell(str(k.get("by", ""))),
                GridCell(str(k.get("at", ""))),
                GridCell(str(k.get("reason", "")), css="name"),
            ]
        )
    return grid


# --- Placing spans on a rectangular grid (for the XLSX writer and the layout tests) ----------------------------


class LayoutError(NianbaoError, ValueError):
    """A grid's spans do not tile its rectangle (a programming error in this module)."""


def place(grid: Grid) -> list[tuple[int, int, GridCell]]:
    """(row, column, cell), 0-based, for every cell, resolving rowspan/colspan like an HTML table does.

    Raises :class:`LayoutError` when a row does not fill exactly ``grid.width`` columns.
    """
    try:
        columns, taken = span_slots([[(cell.rowspan, cell.colspan) for cell in row] for row in grid.rows])
    except SpanOverlap as exc:
        raise LayoutError(f"grid {grid.name}: {exc}") from exc
    filled = Counter(rr for rr, _ in taken)  # slots taken per row, counted in one pass (not once per row)
    beyond = {rr for rr, cc in taken if cc >= grid.width}
    placed: list[tuple[int, int, GridCell]] = []
    for r, (row, cols) in enumerate(zip(grid.rows, columns)):
        placed += [(r, c, cell) for c, cell in zip(cols, row)]
        if filled[r] != grid.width or r in beyond:
            raise LayoutError(f"grid {grid.name}: row {r + 1} fills {filled[r]} of {grid.width} columns")
    return placed
