"""Reading the batches of a large run on worker processes, one per core.

Reading, the narrative checks and archiving the originals are pure Python: on the flow's threads they share one
core. So when a run has more than one batch of files, :func:`opened` starts a process pool and :func:`read_batch`
(what each read task calls) hands its batch to it; a small run, or a batch running on a Dask worker (no pool open
in that process), is read where it is. The pool's processes come from a fork server (started clean, with
``pipeline.read`` imported once), never forked from the flow's process with Prefect's and DuckDB's threads running.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from intake.read import ReadOutcome
from pipeline import collect as collecting
from pipeline.read import read_checked

_pool: ProcessPoolExecutor | None = None


def workers_for(files: int, cores: int | None = None) -> int:
    """How many reading processes a run of ``files`` files gets: none (read in this process) for one batch or on
    one core, else one per core, never more than there are batches."""
    cores = cores or os.cpu_count() or 1
    batches = -(-files // collecting.READ_BATCH)  # the module's value: tests set a small one
    return 0 if cores < 2 or batches < 2 else min(cores, batches)


@contextmanager
def opened(files: int) -> Iterator[int]:
    """A pool of :func:`workers_for` processes while the run reads; yields how many (0: none)."""
    global _pool
    workers = workers_for(files)
    if workers == 0 or _pool is not None:
        yield 0
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.read"])
    _pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield workers
    finally:
        pool, _pool = _pool, None
        pool.shutdown(wait=True, cancel_futures=True)


def read_batch(paths: Sequence[Path], archive: Path | None = None, root: Path | None = None) -> list[ReadOutcome]:
    """:func:`pipeline.read.read_checked` of one batch, on the open pool when there is one."""
    pool = _pool
    if pool is None:
        return read_checked(paths, archive, root)
    return pool.submit(read_checked, list(paths), archive, root).result()
