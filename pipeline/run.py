"""One run, in one order: what ``nianbao consolidate``, the flow, the benchmarks and the tests all execute.

:class:`Run` names the inputs; :func:`run` holds the sequence —

    collect → read → judge → cross-year → run key → load → consolidate → checkpoint → publish (+ audit report)
    or blocked (+ audit report)

— and nothing else spells it out. Each step is a plain function of :class:`Steps`; the flow passes its Prefect
tasks in their place (flows/consolidate.py: retries, the batched or Dask read, progress bars), so the order is
the same with or without Prefect. The run key is computed here from what the run read (files, roster, waivers,
keeps, last year's returns): rerunning the same inputs is the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from checkpoint.suite import CheckpointResult
from intake.read import ReadOutcome
from intake.roster import Roster
from pipeline import audit_report as audit_module
from pipeline.check import check, checkpoint_rows, why_missing
from pipeline.collect import batches, check_inputs
from pipeline.collect import collect as collect_files
from pipeline.consolidate import Consolidation, consolidate
from pipeline.judge import Judged, cross_year, judge
from pipeline.keep import files_root, keep
from pipeline.load import load
from pipeline.memory import collector_paused
from pipeline.publish import publish_all
from pipeline.read import read_checked
from pipeline.result import PublicationBlocked, RunResult
from pipeline.runkey import run_evidence, run_key
from pipeline.stagelog import logged, stage
from publish.atomic import PublishedFiles
from warehouse.store import Warehouse

__all__ = ["PublicationBlocked", "Run", "RunResult", "Steps", "Trace", "run", "trace"]


@dataclass(frozen=True)
class Run:
    """The inputs of one consolidation: the node of the roster's tree to consolidate (a district is a tree of one
    node), its year, and where the submissions, the warehouse and the publication root are."""

    node_id: str
    year: int
    roster: Path  # roster CSV: unit_id,unit_name,kind,parent_id
    submissions: Path  # folder of the units' returns
    warehouse: Path  # the DuckDB file (created if missing)
    out: Path  # OUT/<node>/<year>/ for reports, OUT/runs/<run key>/ for the audit report and Data Docs
    data_docs: bool = True  # write the checkpoint's Data Docs beside the audit report


# --- the steps, as plain functions (the flow's tasks have the same signatures) ---------------------------------


def collect(submissions: Path, roster_file: Path, node_id: str) -> tuple[list[Path], Roster]:
    roster = check_inputs(submissions, roster_file, node_id)  # a reporting unit is no node: refused before any work
    return collect_files(submissions), roster


def read(paths: list[Path], archive: Path | None, root: Path | None) -> list[ReadOutcome]:
    """Every batch of files read (narratives checked, originals archived), in this process."""
    return [o for batch in batches(paths) for o in read_checked(batch, archive, root)]


def keep_and_load(
    warehouse: Warehouse, key: str, node_id: str, year: int, roster: Roster, judged: Judged
) -> dict[str, int]:
    keep(judged, warehouse.path)
    return load(warehouse, key, node_id, year, roster, judged)


def checkpoint(
    warehouse: Warehouse, key: str, consolidation: Consolidation, docs: Path | None = None
) -> CheckpointResult:
    """The checkpoint on every node of the run, recorded with the nodes' cells."""
    result = check(consolidation, data_docs_dir=docs)
    warehouse.record_outcome(key, checkpoint_rows(result), consolidation.node_cells)
    return result


def publish(
    warehouse: Warehouse,
    consolidation: Consolidation,
    roster: Roster,
    node_id: str,
    out: Path,
    key: str,
    result: CheckpointResult,
) -> tuple[dict[str, PublishedFiles], Path]:
    """Every node of the run, and the audit report written before any publication is recorded (a full disk then
    records none: pipeline.publish.publish_all)."""
    audit: list[Path] = []

    def write_audit(published: dict[str, PublishedFiles]) -> None:
        with stage("audit-report", within="publish"):  # a line of its own in the opt-in stage log
            audit.append(audit_module.write_audit_report(warehouse, key, out, result, published[node_id].folder))

    return publish_all(consolidation, roster, warehouse, out, key, result, before_record=write_audit), audit[0]


def audit_report(warehouse: Warehouse, key: str, out: Path, result: CheckpointResult | None) -> Path:
    return audit_module.write_audit_report(warehouse, key, out, result)


@dataclass(frozen=True)
class Steps:
    """The callables :func:`run` calls, in its order. The defaults are the plain functions; the flow gives its
    Prefect tasks (same signatures)."""

    collect: Callable[[Path, Path, str], tuple[list[Path], Roster]] = collect
    read: Callable[[list[Path], Path | None, Path | None], list[ReadOutcome]] = read
    judge: Callable[[list[ReadOutcome], Roster, str, int, Path], Judged] = judge
    cross_year: Callable[[Warehouse, Judged, Roster, int], Judged] = cross_year
    load: Callable[[Warehouse, str, str, int, Roster, Judged], dict[str, int]] = keep_and_load
    consolidate: Callable[[Warehouse, Roster, str, int], Consolidation] = consolidate
    checkpoint: Callable[[Warehouse, str, Consolidation, Path | None], CheckpointResult] = checkpoint
    publish: Callable[..., tuple[dict[str, PublishedFiles], Path]] = publish
    audit_report: Callable[[Warehouse, str, Path, CheckpointResult | None], Path] = audit_report


PLAIN = Steps()
Stop = Literal["load", "checkpoint", "end"]


@dataclass
class Trace:
    """What each step of a run produced (tests and the benchmarks look inside; :func:`run` returns ``result``)."""

    spec: Run
    roster: Roster | None = None
    outcomes: list[ReadOutcome] = field(default_factory=list, repr=False)
    judged: Judged | None = field(default=None, repr=False)
    key: str = ""
    loaded: dict[str, int] = field(default_factory=dict)
    consolidation: Consolidation | None = field(default=None, repr=False)
    checkpoint: CheckpointResult | None = None
    result: RunResult | None = None


def run(spec: Run, steps: Steps = PLAIN, on_open: Callable[[Warehouse], Any] | None = None) -> RunResult:
    """Consolidate ``spec.node_id`` and publish every node of its tree, or record why not (status ``blocked``).
    Does not raise for a blocked run: the caller decides (the flow raises :class:`PublicationBlocked`)."""
    done = trace(spec, steps, on_open=on_open)
    assert done.result is not None
    return done.result


def trace(
    spec: Run, steps: Steps = PLAIN, *, until: Stop = "end", on_open: Callable[[Warehouse], Any] | None = None
) -> Trace:
    """:func:`run`, keeping what every step produced; ``until`` stops after ``load`` or ``checkpoint``.
    ``on_open``: called with the open warehouse before any step (the flow's crash-test hook)."""
    node, year, out = spec.node_id, spec.year, Path(spec.out)
    steps = logged(steps)  # $NIANBAO_STAGE_LOG: one JSON line per step (pipeline/stagelog.py); else unchanged
    t = Trace(spec)
    # the cyclic garbage collector paused while millions of long-lived objects are built (pipeline/memory.py)
    with Warehouse(Path(spec.warehouse)) as wh, collector_paused():
        if on_open is not None:
            on_open(wh)
        paths, roster = steps.collect(Path(spec.submissions), Path(spec.roster), node)
        t.roster = roster
        # originals archived where they are read; no folder symlink followed below the submissions folder
        t.outcomes = steps.read(paths, files_root(wh.path), Path(spec.submissions))
        judged = steps.judge(t.outcomes, roster, node, year, Path(spec.submissions))
        t.judged = judged = steps.cross_year(wh, judged, roster, year)  # Y1, P2, P3, P5, P6 against last year
        shas = [o.sha256 for o in t.outcomes]
        evidence = run_evidence(wh, year, [u.unit_id for u in roster.below(node)], shas)
        t.key = key = run_key(node, year, roster.sha256, shas, evidence)
        t.loaded = steps.load(wh, key, node, year, roster, judged)
        if until == "load":
            return t
        t.consolidation = consolidation = steps.consolidate(wh, roster, node, year)
        docs = audit_module.run_folder(out, key) / "data-docs" if spec.data_docs else None
        t.checkpoint = result = steps.checkpoint(wh, key, consolidation, docs)
        if until == "checkpoint":
            return t
        done = RunResult(
            run_key=key,
            district_id=node,
            year=year,
            status="published" if result.success else "blocked",
            rejected=[s.original_name for s in judged.rejected],
            **RunResult.unit_lists(consolidation.verdicts()),  # the one verdict query (audit.html counts it too)
            failures=[f for _, f in judged.failures],
            checkpoint=result,
            loaded=t.loaded,
        )
        if result.success:
            published, done.audit = steps.publish(wh, consolidation, roster, node, out, key, result)
            done.folder, done.files = published[node].folder, published[node].files
            done.published_nodes = {n: p.folder for n, p in published.items()}
        else:  # every run, blocked or not, writes OUT/runs/<key>/audit.html (a published one just above)
            done.why_missing = why_missing(wh, consolidation)
            done.audit = steps.audit_report(wh, key, out, result)
        t.result = done
    return t
