"""A roster unit (SPEC §0.3): who is expected to report, and what it rolls up into."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

KINDS = frozenset({"district", "office", "department", "township", "city", "province", "country"})
AGGREGATE_KINDS = frozenset({"district", "city", "province", "country"})  # rows that sum others, not reporters


@dataclass(frozen=True)
class RosterUnit:
    unit_id: str
    unit_name: str
    kind: str
    parent_id: str


def units_below(units: Iterable[RosterUnit], node_id: str) -> tuple[RosterUnit, ...]:
    """The reporting units (not aggregate rows) whose parent chain reaches ``node_id``, in roster order."""
    units = tuple(units)
    parent = {u.unit_id: u.parent_id for u in units}

    def reaches(unit_id: str) -> bool:
        seen: set[str] = set()
        while unit_id and unit_id not in seen:
            if unit_id == node_id:
                return True
            seen.add(unit_id)
            unit_id = parent.get(unit_id, "")
        return False

    return tuple(u for u in units if u.kind not in AGGREGATE_KINDS and reaches(u.parent_id))
