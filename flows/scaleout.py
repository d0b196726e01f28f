"""Where the read/validate batches run: in the flow's process (default), or on a Dask cluster via prefect-dask.

Only the per-batch tasks (``read-batch``: read the files, check each narrative) are submitted to the task runner;
stacking, the vectorised validation, the warehouse load and consolidation stay in the flow's process, next to the
one DuckDB file. So a Dask worker needs the nianbao package and the submission files at the same path (a shared
file system), nothing else.

``dask`` is either ``"local"`` — a LocalCluster on this machine, one single-threaded worker process per core
(reading and narrative checks are pure Python: threads would share one core) — or the address of a running
scheduler, ``tcp://host:8786``. The environment variable ``NIANBAO_DASK`` gives the same choice to runs started
from a deployment or the Prefect UI, where no command-line option exists.
"""

from __future__ import annotations

import os
from typing import Any

from schemas.errors import NianbaoError

DASK_ENV = "NIANBAO_DASK"


class DaskUnavailable(NianbaoError, RuntimeError):
    """--dask was asked for but prefect-dask / distributed are not installed."""


def dask_choice(dask: str | None = None) -> str | None:
    """The option as given, else ``$NIANBAO_DASK``, else None (no Dask). Empty text means no Dask."""
    choice = dask if dask is not None else os.environ.get(DASK_ENV)
    return choice.strip() or None if choice else None


def task_runner(dask: str | None = None) -> Any:
    """A Prefect task runner for the read batches: DaskTaskRunner for ``"local"`` or a scheduler address, else the
    default thread pool (None: the flow's own)."""
    choice = dask_choice(dask)
    if choice is None:
        return None
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # an optional extra: pip install 'nianbao[dask]'
        raise DaskUnavailable(
            f"--dask {choice}: prefect-dask is not installed; install the extra with pip install 'nianbao[dask]'"
        ) from exc
    if choice == "local":
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": os.cpu_count() or 1,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,  # no web server on a port nobody asked for
            },
        )
    if "://" not in choice:
        raise ValueError(f"--dask {choice!r}: give 'local' or a scheduler address such as tcp://10.0.0.5:8786")
    return DaskTaskRunner(address=choice)


def with_task_runner(flow_obj: Any, dask: str | None = None) -> Any:
    """``flow_obj`` set to run its batches on Dask when asked, else unchanged."""
    runner = task_runner(dask)
    return flow_obj if runner is None else flow_obj.with_options(task_runner=runner)
