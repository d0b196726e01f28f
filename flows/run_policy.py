"""What nianbao's worker agrees to run: its own three flows, from its own checkout, exactly as configured.

Prefect's open-source server has one credential: whoever holds it may create deployments, edit their pull steps,
change a work pool's base job template or give a flow run job variables. A stock process worker then runs whatever
such a record says, e.g. job variables ``{"command": "sh -c 'id'"}`` or ``{"env": {"NIANBAO_ALLOWED_ROOTS": "/"}}``.
nianbao's worker (flows/worker.py) checks every flow run against this policy before it starts a process, so a
record on the server can ask for nothing the installation did not set up:

- the deployment runs one of nianbao's entrypoints;
- its only pull step sets the working folder to the worker's own checkout (no shell step, no code download);
- neither the deployment nor the run carries job variables (no command, environment or working folder);
- the work pool's base job template is the one this checkout pins (deployments/work-pool.json).

The safety settings (``NIANBAO_ALLOWED_ROOTS``, ``NIANBAO_NOTIFY_URL``) therefore come from the worker's own
environment, set by the administrator who starts it, and no run can change them.

Pure standard library (no Prefect) so the rules are tested on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CODE_DIR = Path(__file__).resolve().parents[1]  # the checkout the worker runs from
POOL_TEMPLATE_FILE = CODE_DIR / "deployments" / "work-pool.json"
ENTRYPOINTS = frozenset(
    {
        "flows/annual.py:annual_consolidation",
        "flows/consolidate.py:consolidate_district",
        "flows/consolidate.py:validate_submissions",
    }
)
SET_WORKING_DIRECTORY = "prefect.deployments.steps.set_working_directory"


def pinned_pool_template() -> dict[str, Any]:
    """The base job template of nianbao's work pool: a run may override nothing."""
    return json.loads(POOL_TEMPLATE_FILE.read_text(encoding="utf-8"))


def expected_pull_steps(code_dir: Path = CODE_DIR) -> list[dict[str, Any]]:
    return [{SET_WORKING_DIRECTORY: {"directory": str(code_dir)}}]


def refusals(
    *,
    entrypoint: str | None,
    pull_steps: Sequence[Mapping[str, Any]] | None,
    deployment_job_variables: Mapping[str, Any] | None,
    run_job_variables: Mapping[str, Any] | None,
    pool_template: Mapping[str, Any] | None,
    code_dir: Path = CODE_DIR,
    has_deployment: bool = True,
) -> list[str]:
    """Why this flow run must not start (empty: it may). Each reason says what was found and what is allowed."""
    if not has_deployment:
        return ["the flow run belongs to no deployment; this worker runs only nianbao's deployments"]
    reasons = []
    if entrypoint not in ENTRYPOINTS:
        reasons.append(f"entrypoint {entrypoint!r} is not one of nianbao's flows ({', '.join(sorted(ENTRYPOINTS))})")
    expected = expected_pull_steps(code_dir)
    if list(pull_steps or []) != expected:
        reasons.append(
            f"pull steps {json.dumps(pull_steps, ensure_ascii=False)} differ from the one this worker "
            f"allows ({json.dumps(expected, ensure_ascii=False)})"
        )
    for owner, variables in (("deployment", deployment_job_variables), ("flow run", run_job_variables)):
        if variables:
            reasons.append(
                f"the {owner} sets job variables {sorted(variables)}: no command, environment or "
                "working folder may be overridden"
            )
    if dict(pool_template or {}) != pinned_pool_template():
        reasons.append(f"the work pool's base job template differs from {POOL_TEMPLATE_FILE.name} in this checkout")
    return reasons
