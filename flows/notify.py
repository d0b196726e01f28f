"""Tell the office when a consolidation run did not publish: a webhook POST from the flow's ``on_failure`` hook.

Set ``NIANBAO_NOTIFY_URL`` (e.g. a chat or mail gateway's incoming webhook) in the environment of the process that
runs the flows (the serve script or the worker). When it is unset, nothing is sent. The body is JSON::

    {"event": "nianbao.publication_blocked" | "nianbao.run_failed",
     "district": "320799", "year": 2024,
     "failing_rules": ["A3", "G1"],                       # rule IDs, sorted
     "failures": [{"rule", "unit_id", "cell", "expected", "actual"}, ...],   # at most MAX_FAILURES
     "reasons": ["checkpoint: G1 … FAILED", ...],        # what `nianbao consolidate` prints, at most MAX_REASONS
     "message": "…", "flow_run_id": "…", "flow_run_name": "…",
     "run_link": "http://127.0.0.1:4200/runs/flow-run/<id>"}

``run_link`` is ``PREFECT_UI_URL`` (by default derived from ``PREFECT_API_URL``) + ``/runs/flow-run/<id>``; it is
null when the run used the ephemeral API, which has no UI.

The hook never raises: a notification that cannot be delivered is logged, and the run's own state (Failed) stands.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Any

NOTIFY_URL_ENV = "NIANBAO_NOTIFY_URL"
TIMEOUT_SECONDS = 5.0
MAX_FAILURES = 50
MAX_REASONS = 100

log = logging.getLogger("nianbao.notify")


def run_link(flow_run_id: Any, ui_url: str | None) -> str | None:
    """The run's page in the Prefect UI, or None without a UI."""
    if not ui_url or flow_run_id is None:
        return None
    return f"{ui_url.rstrip('/')}/runs/flow-run/{flow_run_id}"


def describe_failure(exc: BaseException | None) -> dict[str, Any]:
    """Event, failing rules, failure records and reasons from the exception the run ended with.

    A ``PublicationBlocked`` (the checkpoint failed) carries the run's result; any other exception (a refused path,
    a busy warehouse, a missing folder) is reported as ``nianbao.run_failed`` with its message.
    """
    from pipeline.result import PublicationBlocked  # imported here: keeps this module light for the hook's tests

    if isinstance(exc, PublicationBlocked):
        run = exc.result
        failures = [f for f in run.failures if f.blocking] + list(run.checkpoint.failures)
        rules = {f.rule for f in failures}
        rules |= {o.rule for o in run.checkpoint.outcomes if not o.success}
        rules |= {f["rule"] for entry in run.why_missing for f in entry.get("failures", [])}
        records = [
            {"rule": f.rule, "unit_id": f.unit_id, "cell": f.cell, "expected": f.expected, "actual": f.actual}
            for f in failures
        ]
        for entry in run.why_missing:
            records += [
                {
                    "rule": f["rule"],
                    "unit_id": entry["unit_id"],
                    "cell": f["cell"],
                    "expected": f["expected"],
                    "actual": f["actual"],
                }
                for f in entry.get("failures", [])
            ]
        reasons = run.blocking_reasons()
        return {
            "event": "nianbao.publication_blocked",
            "failing_rules": sorted(r for r in rules if r),
            "failures": _dedupe(records)[:MAX_FAILURES],
            "reasons": reasons[:MAX_REASONS],
            "message": f"Publication of {run.district_id} {run.year} was blocked by the checkpoint; nothing was published.",
        }
    text = f"{type(exc).__name__}: {exc}" if exc is not None else "the run failed"
    return {
        "event": "nianbao.run_failed",
        "failing_rules": [],
        "failures": [],
        "reasons": [text],
        "message": f"The run failed before publishing: {text}",
    }


def build_payload(
    district: Any, year: Any, exc: BaseException | None, flow_run_id: Any, flow_run_name: str | None, ui_url: str | None
) -> dict[str, Any]:
    return {
        **describe_failure(exc),
        "district": district,
        "year": year,
        "flow_run_id": None if flow_run_id is None else str(flow_run_id),
        "flow_run_name": flow_run_name,
        "run_link": run_link(flow_run_id, ui_url),
    }


def post_json(url: str, payload: dict[str, Any], timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST ``payload`` as UTF-8 JSON; True when the receiver answered 2xx. Never raises."""
    try:
        body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError, TypeError) as exc:
        log.warning("Could not deliver the nianbao notification to %s: %s", url, exc)
        return False


def notify_on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook: POST the run's district, year, failing rules and link to NIANBAO_NOTIFY_URL."""
    url = os.environ.get(NOTIFY_URL_ENV, "").strip()
    if not url:
        return
    try:
        from prefect.settings import get_current_settings

        exc = state.result(raise_on_failure=False)
        params = getattr(flow_run, "parameters", None) or {}
        payload = build_payload(
            params.get("district"),
            params.get("year"),
            exc if isinstance(exc, BaseException) else None,
            getattr(flow_run, "id", None),
            getattr(flow_run, "name", None),
            get_current_settings().ui_url,
        )
    except Exception as exc:  # noqa: BLE001 — the hook must never turn a reported failure into a crash
        log.warning("Could not build the nianbao notification: %s", exc)
        return
    if post_json(url, payload):
        log.info("Notified %s: %s %s %s", url, payload["event"], payload["district"], payload["year"])


def _dedupe(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple] = set()
    out = []
    for r in records:
        key = tuple(r.values())
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
