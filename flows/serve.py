"""Serve nianbao's three deployments from one long-running process: ``python -m flows.serve --district ID --data DIR``.

Why a serve script (``prefect.serve``) on a plain machine: it needs no work pool, no worker and no code storage
step. One process registers the deployments with the Prefect server, polls it for runs (scheduled, or started
from the UI's "Run" button), and executes each in a subprocess on this machine, with this checkout's code and
this environment. Stop it and the deployments stop running (the server shows them as not ready). For a
production server with a process work pool, use ``deployments/prefect.yaml`` instead: the same flows, the same
parameters, named by entrypoint.

The deployments (flow name / deployment name):

- ``annual-consolidation/annual``: cron ``0 9 1 2 *`` in Asia/Shanghai (1 February 09:00, after the 31 January
  deadline for department returns); ``year`` empty = the previous calendar year, computed when the run starts;
  ``{year}`` in a folder is replaced by it.
- ``consolidate-district/on-demand``: the form staff fill in by hand when a late return arrives.
- ``validate-submissions/validate-only``: reads and validates, records nothing.

Folder layout under ``--data`` (the defaults pre-filled in the run forms; every field can be changed in the form
within the allowed roots)::

    DIR/roster.csv            the district roster
    DIR/returns/<year>/       department returns, one folder per report year
    DIR/warehouse.duckdb      the warehouse
    DIR/published/            publications: published/<district>/<year>/report.html …

``NIANBAO_ALLOWED_ROOTS`` defaults to ``DIR`` for the runs this process starts (set it to allow more folders).
Without ``PREFECT_API_URL`` the script serves the server ``nianbao server start`` left running
(flows/local_server.py).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from flows.local_server import use_remembered_server
from flows.settings import apply_offline_settings

apply_offline_settings()
# A clerk's Run click waits for the runner's next poll of the server: every 2 s, not Prefect's default 10 s.
os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "2")
# no PREFECT_API_URL: the server `nianbao server start` left running, chosen before Prefect reads its settings
use_remembered_server()

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.settings import get_current_settings

from flows.annual import OFFICE_TIMEZONE, YEAR_PLACEHOLDER, annual_consolidation, previous_year
from flows.consolidate import consolidate_district, validate_submissions
from flows.guards import ROOTS_ENV
from flows.server_guard import require_authentication

ANNUAL_CRON = "0 9 1 2 *"  # 09:00 on 1 February
TAGS = ["nianbao"]


def form_defaults(district: str, data: Path, year: int) -> dict[str, Any]:
    """The on-demand form's pre-filled values for ``year`` under the data folder's layout."""
    return {
        "district": district,
        "year": year,
        "submissions": str(data / "returns" / str(year)),
        "roster": str(data / "roster.csv"),
        "warehouse": str(data / "warehouse.duckdb"),
        "out": str(data / "published"),
    }


def _runner_deployment(made: Any) -> RunnerDeployment:
    """``Flow.to_deployment`` is typed to return a coroutine too (inside an event loop); here it is called from
    plain code and returns the deployment itself."""
    assert isinstance(made, RunnerDeployment), type(made)
    return made


def build_deployments(
    district: str, data: Path, cron: str = ANNUAL_CRON, year: int | None = None
) -> list[RunnerDeployment]:
    """The three deployments, with their run forms pre-filled for ``district`` and the folders under ``data``."""
    data = data.resolve()
    year = previous_year() if year is None else year
    on_demand = form_defaults(district, data, year)
    annual = {**on_demand, "submissions": str(data / "returns" / YEAR_PLACEHOLDER)}
    del annual["year"]  # empty: the flow takes the previous calendar year when the run starts
    return [
        _runner_deployment(
            annual_consolidation.to_deployment(
                name="annual",
                description=f"Consolidate and publish {district} every 1 February 09:00 ({OFFICE_TIMEZONE}) "
                "for the previous calendar year.",
                schedules=[Cron(cron, timezone=OFFICE_TIMEZONE)],
                parameters=annual,
                tags=TAGS,
            )
        ),
        _runner_deployment(
            consolidate_district.to_deployment(
                name="on-demand",
                description="Consolidate and publish one district and year now (e.g. after a late return).",
                parameters=on_demand,
                tags=TAGS,
            )
        ),
        _runner_deployment(
            validate_submissions.to_deployment(
                name="validate-only",
                description="Read and validate the returns in a folder; records and publishes nothing.",
                parameters={k: on_demand[k] for k in ("district", "year", "submissions", "roster")},
                tags=TAGS,
            )
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--district",
        default=os.environ.get("NIANBAO_DISTRICT"),
        required="NIANBAO_DISTRICT" not in os.environ,
        help="the district's unit_id on the roster (env NIANBAO_DISTRICT)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("NIANBAO_DATA", "nianbao-data")),
        help="the data folder (env NIANBAO_DATA; default ./nianbao-data)",
    )
    parser.add_argument(
        "--cron", default=ANNUAL_CRON, help=f"annual schedule, {OFFICE_TIMEZONE} time (default '{ANNUAL_CRON}')"
    )
    parser.add_argument("--limit", type=int, default=None, help="at most this many runs at once in this process")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    require_authentication(get_current_settings().api.url)  # never serve runs for a server open to anyone
    os.environ.setdefault(ROOTS_ENV, str(data))  # inherited by every run this process starts
    print(f"Serving nianbao for district {args.district}; data folder {data}; allowed roots {os.environ[ROOTS_ENV]}")
    serve(*build_deployments(args.district, data, args.cron), limit=args.limit)


if __name__ == "__main__":
    main()
