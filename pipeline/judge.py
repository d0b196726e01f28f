"""Judging a batch: the one verdict (schemas.judge) on every return read, and each file's status.

Every step works on the whole batch at once (one pandera pass), never one return at a time."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeGuard

import pandas as pd

from intake.read import ReadOutcome
from intake.roster import Roster
from schemas.failures import Failure
from schemas.frame import stack
from schemas.judge import judge_batch, judge_cross_year
from schemas.text import printable
from warehouse.prior import prior_cells
from warehouse.store import Submission, Warehouse


@dataclass
class Judged:
    """The batch after validation: one Submission per file and every failure tied to its file's sha256."""

    submissions: list[Submission]
    failures: list[tuple[str | None, Failure]]
    outcomes: list[ReadOutcome] = field(repr=False, default_factory=list)
    # the readable returns stacked one per row (schemas.frame.stack), index = sha256: what validation ran on,
    # reused by cross_year and by the warehouse load (cells inserted from it column-wise, not return by return)
    frame: pd.DataFrame | None = field(repr=False, default=None)

    def failures_for(self, sha256: str) -> list[Failure]:
        return [f for sha, f in self.failures if sha == sha256]

    @property
    def accepted(self) -> list[Submission]:
        return [s for s in self.submissions if s.status == "accepted"]

    @property
    def rejected(self) -> list[Submission]:
        return [s for s in self.submissions if s.status == "rejected"]


def display_names(outcomes: Sequence[ReadOutcome], root: Path | None) -> list[str]:
    """The name a person recognises for each outcome: its path inside the submissions folder (the folder's prefix
    worked out once)."""
    if root is None:
        return [o.original_name for o in outcomes]
    # plain string work, not Path.relative_to per file (benchmarks/README.md, measured choices)
    prefix = os.path.join(str(root), "")
    start = len(prefix)
    names = []
    for o in outcomes:
        path = str(o.path)
        if path.startswith(prefix):
            name = path[start:].replace(os.sep, "/") if os.sep != "/" else path[start:]
            name = printable(name)  # a folder or file name that is not UTF-8 (a Windows ZIP's GBK) shown escaped
            names.append(name if o.row is None else f"{name}#{o.row}")  # one row of a Parquet file
        else:
            names.append(o.original_name)
    return names


def judge(
    outcomes: Sequence[ReadOutcome],
    roster: Roster,
    district_id: str,
    year: int,
    submissions_root: Path | None = None,
) -> Judged:
    """Judge the batch: its read-time failures (I1, S1), then every rule of schemas.judge.judge_batch that needs
    no warehouse (I2–I4, S, A, L, P, X) in one pass; :func:`cross_year` then adds the cross-year rules."""
    names = display_names(outcomes, submissions_root)
    failures: list[tuple[str | None, Failure]] = []
    for name, o in zip(names, outcomes):
        failures.extend((o.sha256, _with_file(f, name)) for f in o.failures)
    readable = [(n, o) for n, o in zip(names, outcomes) if o.ret is not None]
    shas = [o.sha256 for _, o in readable]
    verdict = judge_batch(
        [o.ret for _, o in readable if o.ret is not None],  # all of them: readable means a return
        names=[n for n, _ in readable],
        year=year,
        roster=roster.units,
        district_id=district_id,
        narrative_failures=[o.narrative_failures for _, o in readable],  # X1–X3 where read_checked ran them
        contents=shas,
    )
    failures.extend((shas[i], f) for i, f in verdict.failures)
    frame = verdict.frame
    frame.index = pd.Index(shas, name="sha256")

    blocked = {sha for sha, f in failures if sha is not None and f.blocking}
    submissions = []
    for name, o in zip(names, outcomes):
        ret = o.ret
        submissions.append(
            Submission(
                sha256=o.sha256,
                original_name=name,
                stored_path="",
                size_bytes=o.size,
                reader=o.reader,
                unit_id=(ret.unit_id or None) if ret else None,
                year=ret.year if ret and _storable_year(ret.year) else None,  # else S5 names the value
                status="rejected" if (ret is None or o.sha256 in blocked) else "accepted",
                ret=ret,
            )
        )
    return Judged(submissions=submissions, failures=failures, outcomes=list(outcomes), frame=frame)


def _storable_year(year: object) -> TypeGuard[int]:
    """A year the warehouse's INTEGER column holds (99999999999 or 2**70 fails S5 and is recorded as NULL)."""
    return isinstance(year, int) and not isinstance(year, bool) and -(2**31) <= year < 2**31


def _with_file(f: Failure, name: str) -> Failure:
    return f if f.file == name else replace(f, file=name)


def cross_year(warehouse: Warehouse, judged: Judged, roster: Roster, year: int) -> Judged:
    """Check each readable return for ``year`` against its unit's accepted return for ``year - 1`` in the warehouse
    (Y1 HARD-W; P2, P3, P5, P6 SOFT; N1 notes a unit with no prior return): the cross-year half of
    schemas.judge.judge_batch, on the frame :func:`judge` stacked. A new Y1 failure rejects the file, unless an
    auditor waives it later (``nianbao waive``)."""
    now = [s for s in judged.submissions if s.ret is not None and s.unit_id and s.year == year]
    if not now:
        return judged
    prior = prior_cells(warehouse, [s.unit_id for s in now if s.unit_id], year)
    kinds = {u.unit_id: u.kind for u in roster.units}
    readable = [s for s in judged.submissions if s.ret is not None]
    frame = judged.frame
    if frame is None:  # a Judged built by hand: stack its readable returns as judge would
        frame = stack([s.ret for s in readable if s.ret is not None], [s.original_name for s in readable])
        frame.index = pd.Index([s.sha256 for s in readable], name="sha256")
    shas = frame.index.tolist()  # as a list: iterating the Arrow-backed index item by item is slower
    found = judge_cross_year(frame, prior, year=year, kinds=kinds)  # by row position: the index is not read
    failures = list(judged.failures) + [(shas[i], f) for i, f in found]
    blocked = {sha for sha, f in failures if sha is not None and f.blocking}
    for sub in judged.submissions:
        if sub.sha256 in blocked:
            sub.status = "rejected"
    return Judged(submissions=judged.submissions, failures=failures, outcomes=judged.outcomes, frame=judged.frame)
