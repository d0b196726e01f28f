"""Operational guards the flows apply before and around their work (Prefect-aware; the pure path check is in
``flows.guards``):

- ``confine_run_paths``: refuse, before any work, a path parameter outside ``NIANBAO_ALLOWED_ROOTS``. Enforced for
  runs started from a deployment (the Prefect UI, a schedule, ``prefect deployment run``) and whenever
  ``NIANBAO_ALLOWED_ROOTS`` is set. A direct call (``nianbao consolidate``, tests, a Python script) is not confined:
  whoever runs it can already read and write those paths themselves.
- ``one_run_at_a_time``: a strict Prefect global concurrency limit ``nianbao-<district>-<year>`` with one slot, so
  two consolidations of the same district and year never interleave. A second run waits up to
  ``NIANBAO_RUN_LOCK_WAIT_SECONDS`` (default 900) for the first, then is refused with ``RunInProgress``. The limit is
  created (limit 1) when missing; an existing limit is left as the administrator set it. Under the *ephemeral* API
  (no ``PREFECT_API_URL``: the CLI's default) the limit is skipped, because each process then has its own private
  server, and a slot held by a killed process could never be given back; there the warehouse's file lock
  (``WarehouseBusy``) is what refuses a second writer.
- ``arm_crash_test_pause``: a test-only hook, see its docstring.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import get_current_settings

from flows.guards import confine_run_parameters, roots_configured
from schemas.errors import NianbaoError

LOCK_WAIT_ENV = "NIANBAO_RUN_LOCK_WAIT_SECONDS"
DEFAULT_LOCK_WAIT_SECONDS = 900.0
# A killed run's slot is given back by the server when its lease expires (a live run renews it every ~3/4 lease).
# Prefect's default of 300 s: a shorter lease can expire on a small machine under load, where renewals starve. An operator who knows the run is dead frees the slot at once: prefect gcl update NAME --active-slots 0.
LEASE_SECONDS = 300.0


class RunInProgress(NianbaoError, RuntimeError):
    """Another run of the same district and year holds the concurrency slot."""


# --- paths ------------------------------------------------------------------------------------------------


def started_from_deployment() -> bool:
    """True inside a run created from a deployment (UI form, schedule, CLI ``prefect deployment run``)."""
    from prefect.runtime import deployment

    try:
        return deployment.id is not None
    except Exception:  # noqa: BLE001 — no API reachable to ask: be safe and confine
        return True


def confine_run_paths(**paths: str | os.PathLike[str]) -> dict[str, Path] | None:
    """Check every named path parameter against the allowed roots; raise ``PathNotAllowed`` naming each bad one.

    Each keyword is named in the message by its label and parameter name, e.g. "publish folder ('out')".
    Returns the resolved paths when the check applied, None when it did not (a direct, non-deployment call).
    """
    if not (roots_configured() or started_from_deployment()):
        return None
    return confine_run_parameters(**paths)


# --- one run at a time --------------------------------------------------------------------------------------


def limit_name(district: str, year: int) -> str:
    return f"nianbao-{district}-{year}"


def uses_ephemeral_api() -> bool:
    return not get_current_settings().api.url


def ensure_limit(name: str, slots: int = 1) -> None:
    """Create the global concurrency limit ``name`` with ``slots`` when it does not exist (safe if two runs race)."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots))
        except ObjectAlreadyExists:  # created by a concurrent run between our read and our create
            pass


def lock_wait_seconds() -> float:
    try:
        return float(os.environ.get(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT_SECONDS))
    except ValueError:
        return DEFAULT_LOCK_WAIT_SECONDS


@contextmanager
def one_run_at_a_time(district: str, year: int) -> Iterator[None]:
    """Hold the one slot of ``nianbao-<district>-<year>`` for the body; ``RunInProgress`` if it stays taken."""
    if uses_ephemeral_api():
        yield
        return
    name = limit_name(district, year)
    ensure_limit(name)
    wait = lock_wait_seconds()
    acquired = False
    try:
        # strict: a missing limit is an error, never "no limit". A failed lease *renewal* does not cancel the run
        # (that would kill a consolidation half-way for a network hiccup); the warehouse lock still refuses a
        # second writer if another run got in meanwhile.
        with concurrency(
            name,
            occupy=1,
            strict=True,
            timeout_seconds=wait,
            lease_duration=LEASE_SECONDS,
            raise_on_lease_renewal_failure=False,
        ):
            acquired = True
            yield
    except TimeoutError as exc:
        if acquired:  # a time-out inside the run itself is not ours to rename
            raise
        raise RunInProgress(
            f"Another run of {district} {year} is in progress (Prefect concurrency limit '{name}' is full); "
            f"waited {wait:g} s. Let it finish, then start this run again; nothing was read or written. "
            f"If no run is active, a killed run's slot is given back within {LEASE_SECONDS:g} s, or at once with "
            f"'prefect gcl update {name} --active-slots 0'."
        ) from exc


# --- crash tests ------------------------------------------------------------------------------------------

PAUSE_ENV = "NIANBAO_TEST_PAUSE_AT"  # load | publish
PAUSE_MARK_ENV = "NIANBAO_TEST_PAUSE_MARK"  # a file the hook creates when it starts sleeping
PAUSE_SECONDS_ENV = "NIANBAO_TEST_PAUSE_SECONDS"  # how long it sleeps (default 120), then the run goes on
PAUSE_UNTIL_ENV = "NIANBAO_TEST_PAUSE_UNTIL"  # a file: the run goes on as soon as it exists (a barrier, not a timer)


def arm_crash_test_pause(warehouse: Any) -> None:
    """TEST HOOK, inert unless ``NIANBAO_TEST_PAUSE_AT`` is set: makes the run sleep at a chosen point so a test
    can SIGKILL the process there and check that nothing half-done is left behind.

    - ``load``: inside the warehouse's load transaction, after the run, submission and cell rows were inserted and
      before COMMIT;
    - ``publish``: inside the atomic publication, after every node's four files were staged and before the one
      switch of ``OUT/.published/current`` that publishes them all (publish/generations.py).

    The hook wraps those two internal calls for this process only. On reaching the point it creates the file named
    by ``NIANBAO_TEST_PAUSE_MARK`` (if set) and sleeps ``NIANBAO_TEST_PAUSE_SECONDS`` (default 120), or until the file
    named by ``NIANBAO_TEST_PAUSE_UNTIL`` exists: a test that releases the run itself depends on no timing.
    """
    step = os.environ.get(PAUSE_ENV, "").strip()
    if not step:
        return
    if step == "load":
        warehouse._insert_failures = _pausing(warehouse._insert_failures, step)
    elif step == "publish":
        from publish.generations import Store

        Store.switch = _pausing(Store.switch, step)  # type: ignore[method-assign]
    else:
        raise ValueError(f"{PAUSE_ENV}={step!r}: expected 'load' or 'publish'")


def _pausing(call: Any, step: str) -> Any:
    def paused(*args: Any, **kwargs: Any) -> Any:
        mark = os.environ.get(PAUSE_MARK_ENV)
        if mark:
            Path(mark).write_text(f"{os.getpid()} {step}\n", encoding="utf-8")
        print(f"[nianbao test hook] pausing at {step}", file=sys.stderr, flush=True)
        deadline = time.monotonic() + float(os.environ.get(PAUSE_SECONDS_ENV, "120"))
        release = os.environ.get(PAUSE_UNTIL_ENV)
        while time.monotonic() < deadline and not (release and Path(release).exists()):
            time.sleep(0.1)
        return call(*args, **kwargs)

    return paused
