"""A progress bar for long runs on the command line: files read, returns validated.

The flow reports through :func:`reporter`, which is a no-op unless the CLI opened :func:`progress_bar` around the
run. So a flow run started by a Prefect worker or a deployment (no terminal, nobody watching) never draws bars into
its logs; ``nianbao consolidate`` draws them when stdout is a terminal, or when asked with ``--progress``.

The flow advances the bars between batches, in the flow's own thread: one update per batch of
``pipeline.collect.READ_BATCH`` files, never one per return.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class Reporter:
    """What the flow tells about its progress. This base class shows nothing (workers, tests, the UI)."""

    def files_found(self, n: int) -> None: ...

    def files_read(self, n: int) -> None: ...

    def returns_found(self, n: int) -> None: ...

    def returns_validated(self, n: int) -> None: ...


class RichReporter(Reporter):
    """Two bars on a rich console: files read (of those collected), returns validated (of those read)."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.files = progress.add_task("files read", total=None)
        self.returns = progress.add_task("returns validated", total=None)

    def files_found(self, n: int) -> None:
        self.progress.update(self.files, total=n)

    def files_read(self, n: int) -> None:
        self.progress.advance(self.files, n)

    def returns_found(self, n: int) -> None:
        self.progress.update(self.returns, total=n)

    def returns_validated(self, n: int) -> None:
        self.progress.advance(self.returns, n)


_NOTHING = Reporter()
_current: Reporter = _NOTHING


def reporter() -> Reporter:
    """The reporter of the run in progress (one that shows nothing unless the CLI opened a progress bar)."""
    return _current


def wanted(asked: bool | None, stream=None) -> bool:
    """Show bars when asked (True/False), else only when the stream (stdout) is a terminal."""
    if asked is not None:
        return asked
    stream = stream if stream is not None else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


@contextmanager
def progress_bar(asked: bool | None = None, console: Console | None = None) -> Iterator[Reporter]:
    """Within the block, :func:`reporter` draws bars on ``console`` (stdout) — if :func:`wanted` says so."""
    global _current
    if not wanted(asked, console.file if console is not None else None):
        yield _NOTHING
        return
    columns = (
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console or Console(), transient=False, refresh_per_second=4) as progress:
        _current = RichReporter(progress)
        try:
            yield _current
        finally:
            _current = _NOTHING
