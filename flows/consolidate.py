"""The consolidation flow: ``pipeline.run`` (collect → read → judge → load → consolidate → checkpoint → publish,
or block) with each step a Prefect task.

Tasks are the plain steps of ``pipeline.run`` (pipeline/<step>.py) and run per *batch* of returns, never per
return: a task run costs Prefect several milliseconds of client CPU plus server work, so per-unit visibility comes
from the warehouse and the artifacts instead. Retries are set on I/O steps only; validation and the checkpoint never retry (a retry
would only repeat the same verdict).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from flows.settings import DEFAULT_OUT, DEFAULT_WAREHOUSE, apply_offline_settings

apply_offline_settings()

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.utilities.annotations import quote
from pydantic import Field

from flows.notify import notify_on_failure
from flows.operations import arm_crash_test_pause, confine_run_paths, one_run_at_a_time
from flows.progress import reporter
from flows.scaleout import task_runner
from intake.read import ReadOutcome
from intake.roster import Roster, read_roster
from pipeline import collect as collecting
from pipeline import read_pool
from pipeline import run as pipeline_run
from pipeline.consolidate import consolidate
from pipeline.judge import Judged, cross_year, judge
from pipeline.result import PublicationBlocked, RunResult
from schemas.errors import NianbaoError
from schemas.failures import Failure
from schemas.ids import check_id

# Retries on I/O tasks only (IO_RETRIES times, a second apart), never on validation or the checkpoint. Inputs are
# large (returns, connections): no task hashes them for caching (cache_policy=NONE) or persists its result.
IO_RETRIES = 2
IO_TASK: dict[str, Any] = {
    "retries": IO_RETRIES,
    "retry_delay_seconds": 1,
    "cache_policy": NONE,
    "persist_result": False,
}


@task(name="collect", retries=IO_RETRIES, retry_delay_seconds=1, cache_policy=NONE, persist_result=False)
def collect_task(submissions: Path, roster_file: Path, district: str) -> tuple[list[Path], Roster]:
    return pipeline_run.collect(submissions, roster_file, district)


@task(name="read-batch", retries=IO_RETRIES, retry_delay_seconds=1, cache_policy=NONE, persist_result=False)
def read_task(paths: list[Path], archive: Path | None = None, root: Path | None = None) -> list[ReadOutcome]:
    # read, check each narrative (the per-return work) and archive the originals: on the run's reading processes
    # when it has them (pipeline/read_pool.py), else where the batch runs (this process, or a Dask worker)
    return read_pool.read_batch(paths, archive, root)


def read_all(paths: list[Path], archive: Path | None = None, root: Path | None = None) -> list[ReadOutcome]:
    """Every batch submitted at once to the task runner (a thread pool, or Dask workers with ``--dask``), then
    gathered in order; one task run per batch of ``pipeline.collect.READ_BATCH`` files, never one per return. ``archive``:
    the warehouse's files folder, where the workers keep the originals as they read them (read_checked)."""
    progress = reporter()
    progress.files_found(len(paths))
    parts = collecting.batches(paths, collecting.READ_BATCH)  # the module's value: tests set a small one
    outcomes: list[ReadOutcome] = []
    with read_pool.opened(len(paths)):  # processes, one per core, when there is more than one batch
        futures = [read_task.submit(batch, archive, root) for batch in parts]
        for batch, future in zip(parts, futures):
            outcomes.extend(future.result())
            progress.files_read(len(batch))
    progress.returns_found(sum(o.ret is not None for o in outcomes))
    return outcomes


def judge_all(outcomes: list[ReadOutcome], roster: Roster, district: str, year: int, root: Path) -> Judged:
    judged = opaque(judge_task)(outcomes, roster, district, year, root)
    reporter().returns_validated(sum(o.ret is not None for o in outcomes))
    return judged


def opaque(task_obj: Any) -> Any:
    """The task called with every argument quoted: Prefect then does not walk the run's returns, roster and
    frames looking for futures to wait on (a visit per object: tens of seconds of CPU at 150,000 returns)."""

    def call(*args: Any) -> Any:
        return task_obj(*(quote(a) for a in args))

    return call


judge_task = task(name="validate", cache_policy=NONE, persist_result=False)(judge)
cross_year_task = task(name="cross-year", cache_policy=NONE, persist_result=False)(cross_year)
load_task = task(name="load", **IO_TASK)(pipeline_run.keep_and_load)
consolidate_task = task(name="consolidate", **IO_TASK)(consolidate)
checkpoint_task = task(name="checkpoint", cache_policy=NONE, persist_result=False)(pipeline_run.checkpoint)
publish_task = task(name="publish", **IO_TASK)(pipeline_run.publish)
audit_task = task(name="audit-report", **IO_TASK)(pipeline_run.audit_report)

# the run's sequence (pipeline.run) with each step a task: retries on I/O, reads batched over the task runner
FLOW_STEPS = pipeline_run.Steps(
    collect=collect_task,
    read=read_all,
    judge=judge_all,
    cross_year=opaque(cross_year_task),
    load=opaque(load_task),
    consolidate=opaque(consolidate_task),
    checkpoint=opaque(checkpoint_task),
    publish=opaque(publish_task),
    audit_report=opaque(audit_task),
)


@flow(
    name="consolidate-district",
    log_prints=False,
    validate_parameters=True,
    on_failure=[notify_on_failure],
    task_runner=task_runner(),  # $NIANBAO_DASK: read batches on a Dask cluster (flows/scaleout.py); else threads
)
def consolidate_district(
    district: str,
    submissions: str,
    roster: str,
    year: Annotated[int, Field(ge=2021, le=2100)] = 2024,
    warehouse: str = str(DEFAULT_WAREHOUSE),
    out: str = str(DEFAULT_OUT),
) -> RunResult:
    """Validate every return in the submissions folder, load them, consolidate the district and publish its
    report, or refuse to publish and say why (the run then ends Failed).

    Args:
        district: The node to consolidate, as its unit_id on the roster (a district, or a city/province/country).
        submissions: Folder of the units' returns (XLSX forms, JSON, CSV, published reports).
        roster: Roster CSV: unit_id,unit_name,kind,parent_id.
        year: The report year (2021 format onwards).
        warehouse: The DuckDB warehouse file (created if missing).
        out: Publication root: the report goes to OUT/<district>/<year>/, run evidence to OUT/runs/<run key>/.
    """
    logger = get_run_logger()
    # the district id names OUT/<district>/<year>/ and the run's lock: a safe id or nothing at all (schemas/ids.py)
    check_id(district, "district id ('district')")
    # UI-supplied paths must stay inside NIANBAO_ALLOWED_ROOTS; refused here, before any work (flows/operations.py)
    confine_run_paths(submissions=submissions, roster=roster, warehouse=warehouse, out=out)
    read_roster(Path(roster), district)  # a bad roster: one clear error before any work (no slot, no warehouse)
    spec = pipeline_run.Run(district, year, Path(roster), Path(submissions), Path(warehouse), Path(out))
    # one run per district and year (Prefect concurrency limit), then the warehouse: a second writer is refused
    with one_run_at_a_time(district, year):
        run = pipeline_run.run(spec, FLOW_STEPS, on_open=arm_crash_test_pause)  # crash-test hook: inert unless set
    _artifacts(run, run.audit)
    if not run.published:
        logger.error("Publication blocked:\n%s", "\n".join(run.blocking_reasons()))
        raise PublicationBlocked(run)
    logger.info("Published %s %s to %s", district, year, run.folder)
    return run


def _failure_rows(failures: list[Failure]) -> list[dict[str, Any]]:
    """Failures as the rows of a Prefect table artifact (plain strings: no NaN reaches the API)."""
    return [
        {
            "file": f.file,
            "unit_id": f.unit_id,
            "rule": f.rule,
            "severity": f.severity.value,
            "cell": f.cell,
            "location": f.location,
            "expected": f.expected,
            "actual": f.actual,
            "message": f.message_zh,
        }
        for f in failures
    ]


def _artifacts(run: RunResult, audit_path: Path | None = None) -> None:
    """A markdown summary of the run and a table of every failure, for the Prefect UI."""
    failing_rules = sorted({f.rule for f in run.failures if f.blocking} | {f.rule for f in run.checkpoint.failures})
    lines = [
        f"# {run.district_id} {run.year}: {'published' if run.published else 'BLOCKED'}",
        "",
        f"- run: `{run.run_key}`",
        f"- {run.count_line()}",  # the same line, from the same query, as audit.html
        f"- units whose return is not counted: {len(run.missing)}"
        + (f" ({', '.join(run.missing[:20])})" if run.missing else ""),
        f"- files of this batch rejected: {len(run.rejected)}"
        + (f" ({', '.join(run.rejected[:20])})" if run.rejected else ""),
        f"- rules failed: {', '.join(failing_rules) or 'none'}",
        f"- checkpoint: {'passed' if run.checkpoint.success else 'FAILED'}",
    ]
    if audit_path is not None:
        lines.append(f"- audit report: `{audit_path.resolve()}` (with the Data Docs in `data-docs/` beside it)")
    if run.folder:
        lines.append(f"- published to: `{run.folder}`")
    else:
        lines += ["", "## Why publication was blocked", "", *[f"    {line}" for line in run.blocking_reasons()]]
    create_markdown_artifact("\n".join(lines), key="consolidation-summary", description="nianbao run summary")
    if audit_path is not None:
        create_link_artifact(
            audit_path.resolve().as_uri(),
            link_text="audit.html",
            key="audit-report",
            description="The run's audit report: every finding, highlighted in the official tables",
        )
    rows = _failure_rows([*run.failures, *run.checkpoint.failures])
    if rows:
        create_table_artifact(rows, key="validation-failures", description="Every rule that failed in this run")


class SubmissionsInvalid(NianbaoError):
    """A validate-only run found returns with blocking failures (the run ends Failed, so the UI shows it red)."""


@flow(name="validate-submissions", log_prints=False, validate_parameters=True, task_runner=task_runner())
def validate_submissions(
    district: str,
    submissions: str,
    roster: str,
    year: Annotated[int, Field(ge=2021, le=2100)] = 2024,
) -> dict[str, Any]:
    """Read and validate every return in the submissions folder against the roster, and say what a consolidation
    would reject or miss. Records nothing: no warehouse, nothing under the publish folder; only the run's
    artifacts. Ends Failed when any return has a blocking (HARD or HARD-W) failure."""
    logger = get_run_logger()
    check_id(district, "district id ('district')")
    confine_run_paths(submissions=submissions, roster=roster)
    submissions_dir = Path(submissions)
    paths, roster_ = collect_task(submissions_dir, Path(roster), district)
    outcomes = read_all(paths, None, submissions_dir)
    judged = judge_all(outcomes, roster_, district, year, submissions_dir)
    accepted_units = {s.unit_id for s in judged.accepted}
    failures = [f for _, f in judged.failures]
    blocking = [f for f in failures if f.blocking]
    summary: dict[str, Any] = {
        "district": district,
        "year": year,
        "files": len(outcomes),
        "accepted": sorted(s.original_name for s in judged.accepted),
        "rejected": sorted(s.original_name for s in judged.rejected),
        "missing": [u.unit_id for u in roster_.below(district) if u.unit_id not in accepted_units],
        "failing_rules": sorted({f.rule for f in blocking}),
        "warnings": len(failures) - len(blocking),
    }
    lines = [
        f"# {district} {year}: validation only — {'OK' if not blocking else 'returns REJECTED'}",
        "",
        f"- files read: {summary['files']}",
        f"- accepted: {len(summary['accepted'])}",
        f"- rejected: {len(summary['rejected'])}"
        + (f" ({', '.join(summary['rejected'][:20])})" if summary["rejected"] else ""),
        f"- roster units without an accepted return: {len(summary['missing'])}"
        + (f" ({', '.join(summary['missing'][:20])})" if summary["missing"] else ""),
        f"- blocking rules failed: {', '.join(summary['failing_rules']) or 'none'}; warnings: {summary['warnings']}",
        "- nothing was recorded or published by this run",
    ]
    create_markdown_artifact("\n".join(lines), key="validation-summary", description="nianbao validate-only run")
    if failures:
        create_table_artifact(
            _failure_rows(failures),
            key="validation-failures",
            description="Every rule that failed in this validate-only run",
        )
    if blocking:
        detail = "\n".join(
            f"  [{f.rule}] {f.file} cell {f.cell or '-'} expected={f.expected} actual={f.actual}" for f in blocking[:50]
        )
        logger.error("Returns rejected:\n%s", detail)
        raise SubmissionsInvalid(
            f"{len(summary['rejected'])} of {len(outcomes)} return(s) for {district} {year} would be rejected "
            f"(rules {', '.join(summary['failing_rules'])}):\n{detail}"
        )
    logger.info("All %d return(s) for %s %s pass validation", len(outcomes), district, year)
    return summary
