"""Writing many nodes' files on several cores: forked children, each a share of the work, results through a pipe.

Rendering a report is pure Python (Jinja2, XlsxWriter, json), so threads would queue on the interpreter lock;
processes run in parallel. A child is *forked* (not spawned): it inherits the reports already built in memory,
so nothing is pickled on the way in and no interpreter has to start and import the renderers; only the small
results (file name -> sha256) come back through a pipe.

Why this is safe in a process that has other threads (Prefect's, DuckDB's): a child runs only the given function
on its share and then leaves with ``os._exit`` (no atexit handler, no flush of buffers it inherited, no lock other
threads may hold); it never touches the warehouse, logging or Prefect. It inherits the publication store's lock
too (publish/generations.py: a flock, shared by the forked descriptor), so if the parent is killed a child still
writing its staging folders keeps the store locked until it is done, and the next publisher's recovery cannot
race it. The garbage collector is frozen in the child: a collection would touch (and so copy) every page of the
parent's heap.

Standard library only; POSIX (``os.fork``): where it is missing, or for one worker, the work runs in this process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["default_workers", "map_forked"]

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """The cores this process may use, at most 2 (the machine's share; more mostly adds fork and copy costs)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def map_forked(func: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[func(item) for item in items]``, the items shared among ``workers`` processes (this one and
    ``workers - 1`` forked children, item i to worker i mod workers). The first exception raised by any worker
    is raised here (a child's, pickled back, with its type) after every child has ended."""
    workers = max(1, min(workers, len(items)))
    if workers == 1 or not hasattr(os, "fork"):
        return [func(item) for item in items]
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    results: dict[int, R] = {}
    error: BaseException | None = None
    try:
        for w in range(1, workers):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: its share, the answer down the pipe, then out
                os.close(read)
                _child(func, items, w, workers, write)
            os.close(write)
            children.append((pid, read))
        for i in range(0, len(items), workers):  # this process's own share
            results[i] = func(items[i])
    except BaseException as exc:  # noqa: BLE001  # raised below, once every child has ended
        error = exc
        for pid, _ in children:  # no use finishing the others: stop them
            _kill(pid)
    for pid, read in children:
        status, payload = _collect(pid, read)
        if error is not None:
            continue
        if status == "ok":
            results.update(payload)
        else:
            error = payload
    if error is not None:
        raise error
    return [results[i] for i in range(len(items))]


def _child(func: Callable[[T], R], items: Sequence[T], w: int, workers: int, write: int) -> None:
    """Run in a forked child: never returns."""
    code = 0
    try:
        gc.freeze()  # a collection in the child would write to (and so copy) the parent's pages
        answer: tuple[str, Any] = ("ok", {i: func(items[i]) for i in range(w, len(items), workers)})
    except BaseException as exc:  # noqa: BLE001  # sent to the parent, which raises it
        answer = ("error", exc)
        code = 1
    try:
        try:
            data = pickle.dumps(answer)
        except Exception as exc:  # noqa: BLE001  # an exception that does not pickle: sent as its text
            data = pickle.dumps(("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]} ({exc})")))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(code)


def _collect(pid: int, read: int) -> tuple[str, Any]:
    """A child's answer, once it has ended."""
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if data:
        try:
            return pickle.loads(data)  # our own child's answer, through our own pipe
        except Exception as exc:  # noqa: BLE001
            return "error", RuntimeError(f"a publishing process sent an unreadable answer ({exc})")
    how = f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
    return "error", RuntimeError(f"a publishing process ended without an answer ({how})")


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
