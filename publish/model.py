"""What a district report is made of, as the renderers see it.

The pipeline builds a :class:`DistrictReport` from the consolidation (the 200 summed cells) and the roster (one
:class:`UnitFigures` per unit, for the annex). Renderers never touch the warehouse; they only read this object, so
they can be tested with hand-made reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from publish.errors import ReportDataError
from schemas.cells import CELL_KEYS, FEE_KEY

# "consolidated": a child node in the annex of a city, province or country report (its figures are its own
# consolidated report, published by the same run, so it passed the checkpoint).
# "kept": the unit's latest return was rejected and the office kept an older accepted version (`nianbao keep`).
UNIT_STATUSES: tuple[str, ...] = ("accepted", "rejected", "missing", "waived", "kept", "consolidated")
INCLUDED_STATUSES: frozenset[str] = frozenset({"accepted", "waived", "kept", "consolidated"})  # in the sum

# How the annex names a unit's kind and status (codes stay in report.json).
KIND_ZH: dict[str, str] = {
    "district": "区人民政府",
    "office": "政府办公室",
    "department": "政府部门",
    "township": "乡镇、街道",
    "city": "市",
    "province": "省",
    "country": "国家",
}
STATUS_ZH: dict[str, str] = {
    "accepted": "已采用",
    "rejected": "未通过校验",
    "missing": "未报送",
    "waived": "经豁免采用",
    "kept": "保留旧版本采用",
    "consolidated": "已汇总",
}


@dataclass
class UnitFigures:
    """One roster unit in the annex: who it is, whether its return was used, and its figures."""

    unit_id: str
    unit_name: str
    kind: str
    status: str  # accepted | rejected | missing | waived | kept
    version: int | None
    sha256: str | None
    cells: dict[str, int | Decimal | None]  # may be empty for a unit without an accepted return
    # how the figures were counted when the return deviates from the form, e.g. a waived single (六) row counted
    # under 3.其他 (schemas.single_row.WAIVED_NOTE, with the waiver id); shown beside the status in the annex
    note: str = ""

    @property
    def included(self) -> bool:
        """True when this unit's return (or, for a child node, its consolidated report) is part of the figures."""
        if self.status == "consolidated":
            return True  # a child node has no single return, hence no sha256
        return self.status in INCLUDED_STATUSES and self.sha256 is not None


@dataclass
class DistrictReport:
    district_id: str
    district_name: str
    year: int
    cells: dict[str, int | Decimal]  # the consolidated 200 cells (fee Decimal, exact)
    units: list[UnitFigures]  # every roster unit (annex), in roster order
    narrative: dict[str, str] | None = None  # optional overrides for 一/五/六; else the district narrative template
    scope: str = "全区"  # declared scope (SPEC T3): 全区 aggregate of all roster units (全市/全省/全国 above)
    kind: str = "district"  # the roster kind of the node: district | city | province | country
    # waivers and acknowledgements in force on the returns this report was built from (audit.waivers records):
    # listed in the annex with who, when and why
    waivers: list[dict] = field(default_factory=list)
    # keeps in force (audit.keeps records): an older accepted version counted instead of a rejected latest one,
    # listed in the same annex table as the waivers, with who, when and why
    keeps: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        """``连云区人民政府2022年政府信息公开工作年度报告`` (adds 人民政府 when the roster gives a bare 区 name);
        the country's is ``全国2024年政府信息公开工作年度报告（汇总）``."""
        if self.kind == "country":
            return f"{self.district_name}{self.year}年政府信息公开工作年度报告（汇总）"
        name = self.district_name if self.district_name.endswith("人民政府") else f"{self.district_name}人民政府"
        return f"{name}{self.year}年政府信息公开工作年度报告"

    @property
    def short_name(self) -> str:
        """The district without 人民政府: ``连云区``."""
        return self.district_name.removesuffix("人民政府") or self.district_name

    @property
    def included_units(self) -> list[UnitFigures]:
        return [u for u in self.units if u.included]


def check_report(report: DistrictReport) -> None:
    """Refuse to render a report that is incomplete: every renderer calls this first.

    Raises :class:`ReportDataError` naming the district, year and the offending cells or unit.
    """
    where = f"district {report.district_id} {report.year}"
    missing = [k for k in CELL_KEYS if k not in report.cells or report.cells[k] is None]
    if missing:
        shown = ", ".join(missing[:5]) + (f" … ({len(missing)} in all)" if len(missing) > 5 else "")
        raise ReportDataError(
            f"{where}: the consolidated cells lack {shown}; a published report needs all 200 cells — "
            "consolidate again (every cell of every accepted return is summed)"
        )
    for key in CELL_KEYS:
        value = report.cells[key]
        if key == FEE_KEY:
            ok = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
            if ok and isinstance(value, Decimal) and not value.is_finite():
                ok = False
        else:
            ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok:
            wanted = "a Decimal (万元)" if key == FEE_KEY else "an int"
            raise ReportDataError(f"{where}: cell {key} is {value!r}; it must be {wanted}")
    seen: set[str] = set()
    for unit in report.units:
        if unit.status not in UNIT_STATUSES:
            raise ReportDataError(
                f"{where}: unit {unit.unit_id} ({unit.unit_name}) has status {unit.status!r}; "
                f"expected one of {', '.join(UNIT_STATUSES)}"
            )
        if unit.unit_id in seen:
            raise ReportDataError(f"{where}: unit {unit.unit_id} appears twice in the annex; the roster lists it once")
        seen.add(unit.unit_id)
