"""The hand-made tree of the hierarchy tests and an independent way to say what each node must add up to.

Two provinces; province 11 has city 1101 with two districts and an office of its own (a unit reporting straight to
the city); province 12 has city 1201 with one district."""

from __future__ import annotations

from decimal import Decimal

from sampledata.roster import district_roster
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.returns import CanonicalReturn
from schemas.roster import AGGREGATE_KINDS, RosterUnit

YEAR = 2024
COUNTRY, P11, P12, C1101, C1201 = "000000", "110000", "120000", "110100", "120100"
D1, D2, D3 = "110101", "110102", "120101"
CITY_OFFICE = "110100001"
MISSING_TOWNSHIP = "110101501"  # the first township of district 110101


def tree_units() -> list[RosterUnit]:
    units = [
        RosterUnit(COUNTRY, "全国", "country", ""),
        RosterUnit(P11, "东江省", "province", COUNTRY),
        RosterUnit(C1101, "南湖市", "city", P11),
        RosterUnit(CITY_OFFICE, "南湖市人民政府办公室", "office", C1101),
    ]
    units += district_roster(D1, "城东区", n_departments=3, n_townships=2, parent_id=C1101)
    units += district_roster(D2, "城西区", n_departments=2, n_townships=2, parent_id=C1101)
    units += [RosterUnit(P12, "西山省", "province", COUNTRY), RosterUnit(C1201, "北苑市", "city", P12)]
    units += district_roster(D3, "青山区", n_departments=2, n_townships=1, parent_id=C1201)
    return units


def leaves_below(units: list[RosterUnit], node_id: str) -> list[str]:
    """Written here independently of pipeline.hierarchy: walk each reporting unit's parent chain."""
    parent = {u.unit_id: u.parent_id for u in units}
    out = []
    for u in units:
        if u.kind in AGGREGATE_KINDS:
            continue
        p = u.parent_id
        while p and p != node_id:
            p = parent.get(p, "")
        if p == node_id:
            out.append(u.unit_id)
    return out


def expected_sums(returns: list[CanonicalReturn], unit_ids: list[str]) -> dict[str, int | Decimal]:
    chosen = [r for r in returns if r.unit_id in set(unit_ids)]
    return {key: sum((r.cells[key] for r in chosen), Decimal(0) if key == FEE_KEY else 0) for key in CELL_KEYS}
