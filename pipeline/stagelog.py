"""An opt-in log of the run's steps, for benchmarks that time whole commands (benchmarks/commands.py).

``NIANBAO_STAGE_LOG=<file>`` makes :func:`pipeline.run.trace` append one JSON line per step to that file: the
step's name, its wall and CPU seconds, when it started and ended (``time.time()``, so another process can place it
against its own clock) and the process's peak memory so far. A ``begin`` line is written as the first step starts,
so what comes before it (process start, imports, Prefect's start-up, the flow run's creation) and what comes after
the last step (artifacts, shutdown) can be told apart by the process that started the command. Without the variable
nothing is wrapped and nothing is written.

The steps are wrapped where :func:`pipeline.run.trace` receives them, so the same lines come from the plain run and
from the flow (whose steps are Prefect tasks).
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any, TypeVar

STAGE_LOG_ENV = "NIANBAO_STAGE_LOG"

S = TypeVar("S")


def log_path() -> str | None:
    return os.environ.get(STAGE_LOG_ENV) or None


def _now() -> dict[str, float]:
    return {
        "t": time.time(),
        "cpu": time.process_time(),  # this process's CPU since it started (every thread)
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }


def _append(path: str, record: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as log:  # one short write per line: lines from threads stay whole
        log.write(json.dumps(record) + "\n")


@contextmanager
def stage(name: str, within: str | None = None) -> Iterator[None]:
    """Log the block as one step (``within``: the step it is part of). Nothing happens without the variable."""
    path = log_path()
    if path is None:
        yield
        return
    start = _now()
    try:
        yield
    finally:
        end = _now()
        _append(
            path,
            {
                "event": "step",
                "step": name,
                "within": within,
                "pid": os.getpid(),
                "start": start["t"],
                "end": end["t"],
                "wall": end["t"] - start["t"],
                "cpu": end["cpu"] - start["cpu"],
                "maxrss_mb": end["maxrss_mb"],
            },
        )


def logged(steps: S) -> S:
    """``steps`` (a dataclass of callables, pipeline.run.Steps) with every callable logged under its field's name
    (``cross_year`` → ``cross-year``), and a ``begin`` line as the first of them starts; unchanged without the
    variable."""
    path = log_path()
    if path is None:
        return steps
    begun: list[bool] = []

    def wrap(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            if not begun:
                begun.append(True)
                _append(path, {"event": "begin", "step": name, "pid": os.getpid(), **_now()})
            with stage(name):
                return call(*args, **kwargs)

        return step

    named = {f.name: wrap(f.name.replace("_", "-"), getattr(steps, f.name)) for f in fields(steps)}  # type: ignore[arg-type]
    return replace(steps, **named)  # type: ignore[type-var]
