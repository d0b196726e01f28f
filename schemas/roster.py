"""A roster unit (SPEC §0.3): who is expected to report, and what it rolls up into."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = frozenset({"district", "office", "department", "township", "city", "province", "country"})
AGGREGATE_KINDS = frozenset({"district", "city", "province", "country"})  # rows that sum others, not reporters


@dataclass(frozen=True)
class RosterUnit:
    unit_id: str
    unit_name: str
    kind: str
    parent_id: str
