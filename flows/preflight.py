"""What ``nianbao consolidate`` checks before Prefect is imported, so a wrong path, roster or district fails at
once instead of after Prefect's start-up: the district id (schemas.ids), the paths against
``NIANBAO_ALLOWED_ROOTS`` when it is set (flows.guards), the roster read with the node found on it and the
submissions folder (pipeline.collect.check_inputs), and the warehouse not held by another run
(warehouse.opening.check_free).

The same functions the flow calls at its start (flows/consolidate.py and pipeline.run.collect), called earlier:
the flow still checks for itself, because a run started from the UI or a schedule never passes through here.
No Prefect, no pandas: this module and what it imports load in a fraction of a second.
"""

from __future__ import annotations

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
    read = check_inputs(Path(submissions), Path(roster), district)
    check_free(Path(warehouse))
    return read
