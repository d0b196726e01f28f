"""Loading a judged batch into the warehouse: the roster, the run, its submissions, cells and failures, in one
transaction."""

from __future__ import annotations

from intake.roster import Roster
from pipeline.judge import Judged
from warehouse.store import Warehouse


def load(warehouse: Warehouse, key: str, district_id: str, year: int, roster: Roster, judged: Judged) -> dict[str, int]:
    warehouse.record_roster(district_id, roster.sha256, roster.path.name, roster.units)
    summary = warehouse.load_run(
        key, district_id, year, roster.sha256, judged.submissions, judged.failures, cells=judged.frame
    )
    return {"new": summary.new, "known": summary.known}
