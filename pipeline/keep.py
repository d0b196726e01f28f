"""Keeping every original byte for byte beside the warehouse, and rejected files in quarantine with their reasons."""

from __future__ import annotations

import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from intake.read import ReadOutcome
from pipeline.judge import Judged
from schemas.failures import Failure
from warehouse.archive import keep_original, quarantine, read_kept
from warehouse.store import Submission


def files_root(warehouse_path: Path) -> Path:
    """Where originals and quarantined files live: beside the warehouse file."""
    p = Path(warehouse_path)
    return p.with_name(p.stem + ".files")


KEEP_THREADS = 8  # copying files is system calls, which release the GIL: threads overlap them


def keep(judged: Judged, warehouse_path: Path) -> None:
    """Keep every original byte for byte; copy rejected ones to quarantine with their reasons.

    A Parquet file holding many returns is kept once; each row's ``stored_path`` is ``<kept file>#row=<n>``, and a
    rejected row is quarantined as the canonical JSON of what was read from it (not a copy of the whole file).
    A file that could not be opened (gone, no permission) has no bytes to keep; its I1 says why."""
    root = files_root(warehouse_path)
    pairs = [(s, o) for s, o in zip(judged.submissions, judged.outcomes) if s.sha256]
    # kept already where the batch was read (read_checked with an archive): nothing to copy, not even a stat.
    # ``o.kept`` is already the text of a Path (warehouse.archive returns Paths or "<pack path>#<sha256>"), so it
    # is used as it is, not made a Path only to be turned back into the same text (benchmarks/README.md).
    kept: dict[str, str | Path] = {
        (o.container_sha256 if o.row is not None else o.sha256): o.kept for _, o in pairs if o.kept
    }
    # the bytes read when the outcome holds them; else the path, copied only if it still has the hash read
    # (warehouse.archive.NotTheBytesRead otherwise): a file swapped after reading is never kept in its place
    todo: dict[str, Path | bytes] = {
        o.container_sha256: o.path for _, o in pairs if o.row is not None and o.container_sha256 not in kept
    }
    todo |= {
        s.sha256: (o.data if o.data is not None else o.path) for s, o in pairs if o.row is None and s.sha256 not in kept
    }

    def store(chunk: list[tuple[str, Path | bytes]]) -> list[tuple[str, Path]]:
        return [(sha, keep_original(path, root, sha)) for sha, path in chunk]

    items = list(todo.items())
    with ThreadPoolExecutor(
        KEEP_THREADS
    ) as pool:  # chunks of 256 files: a thread job per file costs more than it saves
        for done in pool.map(store, [items[i : i + 256] for i in range(0, len(items), 256)]):
            kept.update(done)
    for sub, outcome in pairs:
        if outcome.row is None:
            sub.stored_path = str(kept[sub.sha256])
        else:
            sub.stored_path = f"{kept[outcome.container_sha256]}#row={outcome.row}"
    blocking: dict[str, list[Failure]] = defaultdict(list)
    for sha, f in judged.failures:
        if sha is not None and f.blocking:
            blocking[sha].append(f)
    for sub, outcome in pairs:
        if sub.status == "rejected":
            if outcome.row is None:  # from the kept original (the bytes judged), never from the path again
                quarantine(read_kept(sub.stored_path), root, sub.sha256, sub.original_name, blocking[sub.sha256])
            else:
                _quarantine_row(outcome, root, sub, blocking[sub.sha256])


def _quarantine_row(outcome: ReadOutcome, root: Path, sub: Submission, reasons: list[Failure]) -> None:
    """A rejected row of a many-returns file, set aside as the canonical JSON of what was read from it."""
    data = json.dumps(outcome.ret.to_json() if outcome.ret else {}, ensure_ascii=False, indent=1).encode("utf-8")
    quarantine(data, root, sub.sha256, sub.original_name + ".json", reasons)
