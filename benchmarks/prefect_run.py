"""One benchmark run through the Prefect flow, in its own process (called by ``benchmarks.run --prefect``).

Prints one JSON line: the import time of the flow module, and for two consecutive flow calls the wall time of the
call and Prefect's own record of the flow run's duration (``total_run_time``). The difference between a call and
its run is Prefect's start-up: the ephemeral API server (first call only), creating the flow run, and tearing
down. The second call uses fresh output folders but the same warehouse, so its files are already known.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--submissions", "--roster", "--district", "--work"):
        parser.add_argument(name, required=True)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--dask", default=None)
    args = parser.parse_args()

    t0 = time.perf_counter()
    from flows.settings import apply_offline_settings

    apply_offline_settings()  # before Prefect is imported: offline, and a start-up timeout for a busy machine
    from prefect.client.orchestration import get_client

    from flows.consolidate import consolidate_district
    from flows.scaleout import with_task_runner

    out: dict[str, float] = {"import_s": time.perf_counter() - t0}
    flow = with_task_runner(consolidate_district, args.dask)
    for run in ("first", "second"):
        work = Path(args.work) / run
        start = time.perf_counter()
        state = flow(
            district=args.district,
            submissions=args.submissions,
            roster=args.roster,
            year=args.year,
            warehouse=str(Path(args.work) / "warehouse.duckdb"),
            out=str(work / "out"),
            return_state=True,
        )
        out[f"{run}_call_s"] = time.perf_counter() - start
        with get_client(sync_client=True) as client:
            flow_run = client.read_flow_run(state.state_details.flow_run_id)
        out[f"{run}_run_s"] = flow_run.total_run_time.total_seconds()
        out[f"{run}_state"] = state.type.value
    print(json.dumps(out))


if __name__ == "__main__":
    main()
