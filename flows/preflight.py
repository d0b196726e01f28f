"""What ``nianbao consolidate`` checks before Prefect is imported, so a wrong path, roster or district fails at
once instead of after Prefect's start-up: the district id (schemas.ids), the paths against
``NIANBAO_ALLOWED_ROOTS`` when it is set (flows.guards), the roster read with the node found on it and the
submissions folder (pipeline.collect.check_inputs), and, under the ephemeral API, the warehouse not held by
another run (warehouse.opening.check_free).

The same functions the flow calls at its start (flows/consolidate.py and pipeline.run.collect), called earlier:
the flow still checks for itself, because a run started from the UI or a schedule never passes through here.
No Prefect, no pandas: this module and what it imports load in a fraction of a second.
"""

from __future__ import annotations

import os
from pathlib import Path

from flows.guards import confine_run_parameters, roots_configured
from intake.roster import Roster
from pipeline.collect import check_inputs
from schemas.ids import check_id
from warehouse.opening import check_free


def check_run(district: str, submissions: Path, roster: Path, warehouse: Path, out: Path) -> Roster:
    """The run's roster when every input is usable; else raises the error the run would raise (UnsafeId,
    PathNotAllowed, RosterError, NotANode, FileNotFoundError, WarehouseBusy), naming what is wrong."""
    # a district id of "..", "/etc" or "a/b" never reaches a path (schemas/ids.py)
    check_id(district, "district id (--district)")
    if roots_configured():  # as the flow confines a direct call: only when the installation names its folders
        confine_run_parameters(submissions=submissions, roster=roster, warehouse=warehouse, out=out)
    return check_inputs(Path(submissions), Path(roster), district)


def check_warehouse(warehouse: Path) -> None:
    """WarehouseBusy when another process holds the warehouse and nothing would make this run wait for it.

    With a Prefect server (PREFECT_API_URL, set by the user or for the remembered server), a second run of the
    same district and year waits for the first one's concurrency slot and then runs (flows/operations.py:
    one_run_at_a_time): refusing it here for the lock the first one holds would undo that, so the lock is left
    to the run. Under the ephemeral API no slot is taken, and the lock is what refuses a second writer: now."""
    if not os.environ.get("PREFECT_API_URL"):
        check_free(Path(warehouse))
