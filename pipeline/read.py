"""Reading a batch of submissions into returns: what a read task (or a Dask worker) runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from intake.read import ReadOutcome, read_submissions
from pipeline.memory import collector_paused
from schemas.cellblock import detach
from schemas.narrative import check_narrative
from warehouse.archive import keep_original, keep_originals_packed


def read(paths: Sequence[Path], root: Path | None = None) -> list[ReadOutcome]:
    """Read every file, each outcome holding the bytes read: :func:`keep` archives and quarantines those bytes,
    never the path again (a file swapped after reading is not what gets kept). read_checked archives at once."""
    return read_submissions(paths, keep_bytes=True, root=root)  # root: no folder symlink followed below it


def read_checked(paths: Sequence[Path], archive: Path | None = None, root: Path | None = None) -> list[ReadOutcome]:
    """:func:`read`, plus the narrative checks X1–X3 of every return that names its unit: the only per-return work
    of validation, so it runs where the batch is read (in parallel on a Dask cluster); :func:`judge` then only runs
    the stacked, vectorised checks. A published report names no unit id: judge checks it after resolving its name.

    ``archive`` (:func:`files_root` of the warehouse): also keep the originals there as soon as they are read, in
    the same worker, from the bytes read and hashed: the batch's one-return files as ONE pack
    (warehouse.archive.keep_originals_packed: one file write per batch, not one per return), a many-returns file
    (Parquet) as a file of its own. Only where that folder is reachable (this machine, or a shared file system)."""
    with collector_paused():  # a worker builds thousands of returns at once (pipeline/memory.py)
        outcomes = read_submissions(paths, keep_bytes=archive is not None, root=root)
    for o in outcomes:
        if o.ret is not None and o.ret.unit_id:
            o.narrative_failures = check_narrative(o.ret) if o.ret.narrative else []
    # the batch's cells as one array per cell (schemas.cellblock): what the flow's process receives and stacks
    # (a Parquet file's rows are read into a block already: intake.parquet.returns_from_table)
    readable = [o.ret for o in outcomes if o.ret is not None and isinstance(o.ret.cells, dict)]
    for ret, row in zip(readable, detach([ret.cells for ret in readable])):
        ret.cells = row  # type: ignore[assignment]  # a read-only row view stands in for the dict
    if archive is not None:
        packed = {o.sha256: o.data for o in outcomes if o.data is not None and o.sha256}
        kept = keep_originals_packed(packed, Path(archive)) if packed else {}
        for o in outcomes:
            o.data = None  # not sent back to the flow's process
            sha = o.container_sha256 if o.row is not None else o.sha256
            if sha and sha not in kept:  # a Parquet file (kept whole, once), or a file too big to have been read
                kept[sha] = str(keep_original(o.path, Path(archive), sha))
            o.kept = kept.get(sha, "")
    return outcomes
