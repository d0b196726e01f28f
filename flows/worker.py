"""nianbao's worker: ``nianbao worker --pool nianbao`` (or ``prefect worker start --pool nianbao``).

Prefect's process worker, with one difference: before it starts a flow run's process it checks the run against
flows/run_policy.py (nianbao's own entrypoints, from this checkout, with no job variables, under the pinned base
job template) and refuses anything else. A refused run ends Crashed with the reasons in its state message and in
the worker's log; no process is started.

The pool type is ``nianbao-process``: ``prefect work-pool create nianbao --type nianbao-process`` takes the pinned
template from this class (registered with Prefect through the ``prefect.collections`` entry point in
pyproject.toml), and a stock ``prefect worker start --pool nianbao`` finds this worker for that type.

The worker refuses to start for a server that answers without a credential (flows/server_guard.py), and without
``NIANBAO_ALLOWED_ROOTS`` in its environment: those folders (and
``NIANBAO_NOTIFY_URL``) are the installation's safety settings; every run inherits them from the worker's
environment and none can override them.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from flows.settings import apply_offline_settings

apply_offline_settings()

from prefect.settings import get_current_settings
from prefect.workers.process import ProcessWorker, ProcessWorkerResult

from flows import run_policy
from flows.guards import ROOTS_ENV
from flows.server_guard import require_authentication
from schemas.errors import NianbaoError

WORKER_TYPE = "nianbao-process"


class RunRefused(NianbaoError, RuntimeError):
    """A flow run asks for something nianbao's worker does not run."""


class NianbaoWorker(ProcessWorker):
    type = WORKER_TYPE
    _display_name = "nianbao (process)"
    _description = "Runs nianbao's own flows from this checkout as subprocesses; a run may override nothing."

    @classmethod
    def get_default_base_job_template(cls) -> dict[str, Any]:
        return run_policy.pinned_pool_template()

    async def run(self, flow_run: Any, configuration: Any, task_status: Any = None) -> ProcessWorkerResult:
        deployment = await self.client.read_deployment(flow_run.deployment_id) if flow_run.deployment_id else None
        reasons = run_policy.refusals(
            entrypoint=getattr(deployment, "entrypoint", None),
            pull_steps=getattr(deployment, "pull_steps", None),
            deployment_job_variables=getattr(deployment, "job_variables", None),
            run_job_variables=flow_run.job_variables,
            pool_template=self.work_pool.base_job_template if self.work_pool else None,
            has_deployment=deployment is not None,
        )
        if reasons:
            message = "nianbao's worker refuses this run: " + "; ".join(reasons)
            self._logger.error("flow run %s (%s): %s", flow_run.id, flow_run.name, message)
            raise RunRefused(message)
        return await super().run(flow_run=flow_run, configuration=configuration, task_status=task_status)


def start_worker(pool: str, name: str | None = None, run_once: bool = False, limit: int | None = None) -> None:
    """Poll ``pool`` and run its flow runs (all of them, or those waiting now with ``run_once``)."""
    if not os.environ.get(ROOTS_ENV, "").strip():
        raise SystemExit(
            f"{ROOTS_ENV} is not set: give the data folder(s) this installation may read and write, "
            f"e.g. {ROOTS_ENV}=/srv/nianbao. Runs inherit it from this worker and cannot change it."
        )
    require_authentication(get_current_settings().api.url)
    print(
        f"nianbao worker for pool {pool!r}; code {run_policy.CODE_DIR}; allowed roots {os.environ[ROOTS_ENV]}",
        flush=True,
    )
    worker = NianbaoWorker(work_pool_name=pool, name=name, limit=limit, create_pool_if_not_found=False)
    asyncio.run(worker.start(run_once=run_once))
