"""The audit reads the warehouse in bulk: the statements it runs do not grow with the number of units (issue 13:
a query per unit made a 2,000-unit audit take 19 s)."""

from __future__ import annotations

from typing import Any

from audit.lineage import audit_units, latest_roster_sha, roster_of
from tests.audit.conftest import DISTRICT
from warehouse.store import Warehouse


class CountingConnection:
    """The warehouse's real DuckDB connection, counting the statements sent through it."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.statements = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return self._con.execute(*args, **kwargs)

    def sql(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return self._con.sql(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def statements_of_audit(wh: Warehouse, how_many: int) -> tuple[int, list[str]]:
    """How many statements auditing the first ``how_many`` units of the district takes, and their cells' keys."""
    units = roster_of(wh, latest_roster_sha(wh, DISTRICT, 2023)).below(DISTRICT)[:how_many]
    real, counting = wh.con, CountingConnection(wh.con)
    wh.con = counting  # type: ignore[assignment]
    try:
        audited = audit_units(wh, units, 2023, with_cells=True)
    finally:
        wh.con = real
    return counting.statements, [sorted(u.cells)[:1][0] if u.cells else "" for u in audited]


def test_the_audit_runs_as_many_statements_for_three_units_as_for_one(two_years) -> None:
    with Warehouse(two_years["tmp"] / "w.duckdb", read_only=True) as wh:
        one, one_cells = statements_of_audit(wh, 1)
        three, three_cells = statements_of_audit(wh, 3)
    assert len(three_cells) == 3 and all(three_cells)  # every unit's cells were read, and found
    assert one_cells == three_cells[:1]
    assert one == three
