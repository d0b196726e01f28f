"""The ``nianbao`` command line (SPEC §0.4): template, validate, parse, consolidate, demo."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from flows.settings import DEFAULT_DEMO_OUT, DEFAULT_OUT, DEFAULT_WAREHOUSE, apply_offline_settings

apply_offline_settings()
# The CLI prints its own summary; Prefect's console log lines would repeat it (they still reach the API and UI).
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")

import typer
from rich.console import Console

if TYPE_CHECKING:  # the record's module pulls in the grid and pandas: imported where a command needs it
    from schemas.failures import Failure

app = typer.Typer(
    name="nianbao",
    help="年报 — check, consolidate and publish government-information-disclosure annual reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_ERROR, EXIT_BLOCKED = 0, 1, 2


@app.command()
def template(
    unit_id: Annotated[str, typer.Option("--unit-id", help="The unit's id as on the roster.")],
    unit_name: Annotated[str, typer.Option("--unit-name", help="The unit's name.")],
    year: Annotated[int, typer.Option("--year", min=2021, help="Report year.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the .xlsx form.")],
) -> None:
    """Write a department's blank form (official layout, labels locked, unit and year filled in)."""
    from intake.template import write_form

    path = write_form(output, unit_id, unit_name, year)
    console.print(f"Wrote the {year} form for {unit_id} {unit_name}: {path}")


def _failure_rows(failures: list[Failure]) -> list[dict]:
    keys = ("file", "unit_id", "rule", "severity", "cell", "location", "expected", "actual", "message")
    return [{k: f.to_dict()[k] for k in keys} for f in failures]


def _print_failures(failures: list[Failure], title: str, sources: dict[tuple[str, str], str] | None = None) -> None:
    """One finding per line (readable on a narrow terminal): where, which rule, expected vs actual, then why; for a
    published report, where the cell was read (``sources``: (file, cell) -> place)."""
    console.print(f"[bold]{title}[/bold]")
    for f in failures:
        colour = "red" if f.blocking else "yellow"
        where = " · ".join(x for x in (f.file, f.unit_id, f.cell) if x)
        values = f" expected {f.expected} found {f.actual}" if (f.expected or f.actual) else ""
        console.print(f"  [{colour}]{f.rule} {f.severity.value}[/{colour}] {where}{values}")
        if f.location:
            console.print(f"      {f.location}", style="dim")
        if sources and (place := sources.get((f.file, f.cell))):
            console.print(f"      来源：{place}", style="dim")
        console.print(f"      {f.message_zh}", style="dim")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Return files: .xlsx form, .json, .csv, or a published report.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the failures as a JSON list.")] = False,
    year: Annotated[
        int | None, typer.Option("--year", help="Also check that each return is for this year (S5).")
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            help="Roster CSV (with --district): also check that each unit is on it below the "
            "district (I2) and sends one return (I3), and find a published report's unit by its name. "
            "Without a roster I2 and I3 are NOT checked.",
        ),
    ] = None,
    district: Annotated[
        str | None, typer.Option("--district", help="The node whose units are expected (with --roster).")
    ] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="A DuckDB warehouse (opened read-only; needs --year): also check each return "
            "against its unit's accepted return for the year before (Y1, P2, P3, P5, P6, N1). Without it "
            "the cross-year rules are NOT checked.",
        ),
    ] = None,
) -> None:
    """Check returns without loading them, with the rules a consolidation runs (schemas.judge.judge_batch).
    Exit 0 when no HARD or HARD-W rule fails, 1 otherwise."""
    from intake.read import read_submissions
    from schemas.judge import judge_batch
    from schemas.text import printable

    try:  # a bad file is a finding, never a traceback; anything else is one line naming what failed
        roster_units, fetch_prior, notes = _validate_context(roster, district, warehouse, year)
        outcomes = read_submissions(files)
        failures: list[Failure] = []
        readable = []
        for o in outcomes:
            failures.extend(o.failures)
            if o.ret is not None:
                readable.append(o)
        # a path that is not UTF-8 shown escaped; a Parquet file's rows by their row number
        names = [printable(str(o.path)) + (f"#{o.row}" if o.row is not None else "") for o in readable]
        returns = [o.ret for o in readable if o.ret is not None]  # all of them: readable means a return
        # last year's cells of the units these returns name (a report's unit found on the roster first)
        prior = fetch_prior(returns, names, roster_units) if fetch_prior is not None else None
        verdict = judge_batch(
            returns,
            names=names,
            year=year,
            roster=roster_units,
            district_id=district,
            prior=prior,
            contents=[o.sha256 for o in readable],
        )
        failures.extend(f for _, f in verdict.failures)
    except _ValidateUsage as exc:
        err.print(printable(f"[bold red]ERROR[/bold red]: {exc}"))
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:  # noqa: BLE001 — a bug in nianbao: say so in one line, exit 1
        err.print(
            printable(
                f"[bold red]ERROR[/bold red]: could not validate {len(files)} file(s): {type(exc).__name__}: {exc}"
            )
        )
        raise typer.Exit(EXIT_ERROR) from None
    blocking = [f for f in failures if f.blocking]
    if as_json:
        print(json.dumps(_failure_rows(failures), ensure_ascii=False, indent=2))
    else:
        if failures:
            sources = {(n, k): v for n, o in zip(names, readable) if o.ret for k, v in o.ret.provenance.items()}
            _print_failures(failures, f"{len(failures)} finding(s) in {len(files)} file(s)", sources)
        verdict_word = "FAIL" if blocking else "OK"
        console.print(
            f"{verdict_word}: {len(files)} file(s), {len(blocking)} blocking failure(s), "
            f"{len(failures) - len(blocking)} warning(s)."
        )
        skipped = [
            what
            for what, off in (
                ("roster rules I2/I3 (no --roster)", roster_units is None),
                ("cross-year rules (no --warehouse)", warehouse is None),
            )
            if off
        ]
        if skipped:
            console.print("Not checked: " + "; ".join(skipped) + ".", style="dim")
        for note in notes:
            console.print(f"Note: {note}.", style="dim")
    raise typer.Exit(EXIT_ERROR if blocking else EXIT_OK)


class _ValidateUsage(ValueError):
    """validate's options do not fit together, or its roster or warehouse cannot be used: one line, exit 1."""


def _validate_context(roster: Path | None, district: str | None, warehouse: Path | None, year: int | None):
    """validate's roster units (or None) and a function fetching last year's cells (or None), checked before any
    file is read; plus notes on what is not checked."""
    notes: list[str] = []
    units = None
    if (roster is None) != (district is None):
        raise _ValidateUsage("--roster and --district go together (the district names the units expected)")
    if roster is not None:
        from intake.roster import RosterError, read_roster

        try:
            units = read_roster(roster, district).units
        except RosterError as exc:
            raise _ValidateUsage(str(exc)) from None
    if warehouse is None:
        return units, None, notes
    if year is None:
        raise _ValidateUsage("--warehouse needs --year: the cross-year rules compare each return with year - 1")
    if not Path(warehouse).is_file():
        raise _ValidateUsage(
            f"the warehouse {warehouse} does not exist (validate opens it read-only, never creates it)"
        )
    if units is None:
        notes.append("P5's whole-number check applies to every unit (no --roster says which are departments)")

    def fetch(returns, names, roster_units):
        from schemas.judge import resolve_unit_ids
        from warehouse.prior import prior_cells
        from warehouse.store import Warehouse, WarehouseError

        if roster_units is not None:  # a published report's unit, as judge_batch will find it
            resolve_unit_ids(returns, roster_units, names)
        try:
            with Warehouse(Path(warehouse), read_only=True) as wh:
                return prior_cells(wh, [r.unit_id for r in returns if r.year == year], year)
        except WarehouseError as exc:
            raise _ValidateUsage(str(exc)) from None

    return units, fetch, notes


@app.command()
def parse(
    file: Annotated[
        Path,
        typer.Argument(
            help="A published report (text, HTML, DOCX, DOC/WPS, PDF) or a filled form "
            "(XLSX/XLS); the kind is found from the content, not the name."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print the canonical return as JSON.")] = True,
    explain: Annotated[bool, typer.Option("--explain", help="Print where each cell was read in the source.")] = False,
    unit: Annotated[str | None, typer.Option("--unit", help="The unit's roster id (a report names no id).")] = None,
) -> None:
    """Read one file into the canonical return; exit 1 naming what it is, or the section and row it cannot place."""
    from rich.markup import escape

    from intake.read import read_submission  # dispatches on intake.sniff.kind_of (intake.report_readers for reports)

    outcome = read_submission(file)
    for failure in outcome.failures:
        err.print(f"[red]Cannot read {escape(str(file))}:[/red] {escape(f'{failure.rule} {failure.detail}')}")
    if outcome.failures:
        raise typer.Exit(EXIT_ERROR)
    if outcome.ret is None:  # a Parquet file: many returns
        err.print(
            f"[red]{escape(str(file))} holds many returns ({outcome.reader});[/red] "
            "`nianbao consolidate` reads it row by row"
        )
        raise typer.Exit(EXIT_ERROR)
    ret = outcome.ret
    if unit:
        ret.unit_id = unit
    if as_json:
        print(json.dumps(ret.to_json(), ensure_ascii=False, indent=2))
    if explain:
        from intake.explain import explain_lines

        print("\n".join(explain_lines(ret)))


def run_consolidation(
    district: str,
    year: int,
    submissions: Path,
    roster: Path,
    warehouse: Path,
    out: Path,
    dask: str | None = None,
    progress: bool | None = None,
) -> int:
    """Run the flow and report; returns the exit code (0 published, 2 blocked, 1 error).

    Every input is checked first, before Prefect is imported (flows/preflight.py): a wrong path, roster or district,
    or (under the ephemeral API) a warehouse another run holds, fails at once. The run goes to the server
    ``nianbao server start`` left running when PREFECT_API_URL is not set (flows/local_server.py), else to
    PREFECT_API_URL, else to Prefect's ephemeral API.

    ``dask``: read the batches on a Dask cluster ("local" or a scheduler address; flows/scaleout.py). ``progress``:
    draw progress bars (None: only when stdout is a terminal; flows/progress.py)."""
    from flows.local_server import use_remembered_server
    from flows.preflight import check_run, check_warehouse
    from schemas.errors import NianbaoError
    from schemas.ids import UnsafeId

    try:
        check_run(district, submissions, roster, warehouse, out)
        server = use_remembered_server(lambda line: err.print(line, style="dim", markup=False, soft_wrap=True))
        check_warehouse(warehouse)  # under the ephemeral API; with a server, a run of the same year waits instead
    except UnsafeId as exc:
        err.print(f"ERROR: {exc}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_ERROR
    except (NianbaoError, OSError) as exc:  # the run would raise the same, after Prefect's start-up
        err.print(f"ERROR: {type(exc).__name__}: {exc}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_ERROR

    from flows.consolidate import consolidate_district  # Prefect is imported here, never before the checks
    from flows.progress import progress_bar
    from flows.scaleout import with_task_runner
    from pipeline.result import PublicationBlocked

    where = f"; Prefect server {server.api_url}" if server is not None else ""
    console.print(f"Consolidating {district} {year} from {submissions} (roster {roster}{where}) …")
    with progress_bar(progress, console):
        state = with_task_runner(consolidate_district, dask)(
            district=district,
            year=year,
            submissions=str(submissions),
            roster=str(roster),
            warehouse=str(warehouse),
            out=str(out),
            return_state=True,
        )
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, PublicationBlocked):
        run = outcome.result
        _print_summary(run)
        err.print(f"[bold red]BLOCKED[/bold red]: the checkpoint failed for {district} {year}; nothing was published.")
        for line in run.blocking_reasons():
            err.print(f"  {line}", soft_wrap=True, markup=False)  # one reason a line, never wrapped: tools grep them
        return EXIT_BLOCKED
    if isinstance(outcome, BaseException):
        err.print(f"[bold red]ERROR[/bold red]: {type(outcome).__name__}: {outcome}")
        return EXIT_ERROR
    run = outcome
    _print_summary(run)
    console.print(f"[bold green]PUBLISHED[/bold green] {district} {year} → {run.folder}")
    for name, sha in sorted(run.files.items()):
        console.print(f"  {run.folder / name}  sha256 {sha[:16]}…")
    return EXIT_OK


def _print_summary(run) -> None:
    console.print(f"run {run.run_key}: {run.count_line()}", soft_wrap=True)  # as audit.html counts them
    console.print(
        f"files of this batch: {len(run.rejected)} rejected; "
        f"{run.loaded.get('new', 0)} new submission(s), {run.loaded.get('known', 0)} already in the warehouse.",
        soft_wrap=True,
    )
    shown = [f for f in run.failures if f.blocking]
    if shown:
        _print_failures(
            shown[:50], f"{len(shown)} blocking failure(s) in this batch" + (" (first 50)" if len(shown) > 50 else "")
        )


@app.command()
def consolidate(
    district: Annotated[
        str,
        typer.Option(
            "--district",
            help="The node to consolidate: a district, city, province or the country (its unit_id on the roster); every node below it is consolidated too.",
        ),
    ],
    year: Annotated[int, typer.Option("--year", min=2021, help="Report year.")],
    submissions: Annotated[Path, typer.Option("--submissions", help="Folder of department returns.")],
    roster: Annotated[Path, typer.Option("--roster", help="Roster CSV: unit_id,unit_name,kind,parent_id.")],
    warehouse: Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")] = DEFAULT_WAREHOUSE,
    out: Annotated[Path, typer.Option("--out", help="Publication root: OUT/<district>/<year>/.")] = DEFAULT_OUT,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Read and check the batches on Dask: 'local' (this machine's cores) or a "
            "scheduler address tcp://HOST:8786. Default: $NIANBAO_DASK, else in this process.",
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bars (files read, returns validated). Default: only when stdout is a terminal.",
        ),
    ] = None,
) -> None:
    """Validate, load, consolidate and publish the district report. Exit 0 published, 2 blocked, 1 error."""
    try:
        code = run_consolidation(district, year, submissions, roster, warehouse, out, dask=dask, progress=progress)
    except Exception as exc:  # noqa: BLE001 — a bad roster, a missing folder, a busy warehouse: say what and stop
        err.print(f"[bold red]ERROR[/bold red]: {exc}")
        code = EXIT_ERROR
    raise typer.Exit(code)


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the demo's data, warehouse and reports.")
    ] = DEFAULT_DEMO_OUT,
) -> None:
    """Build a sample district, publish its report, then show a run blocked by a return that breaks A3."""
    from flows.demo import run_demo

    raise typer.Exit(run_demo(out, console, run_consolidation))


from flows.cli_audit import register as _register_audit

_register_audit(app)  # waive, keep, audit
from flows.cli_diff import register as _register_diff

_register_diff(app)  # diff
from flows.cli_server import register as _register_server

_register_server(app)  # worker


def main() -> None:
    # pandera imports hypothesis, when it is installed (the test tools are), for its data-synthesis strategies,
    # which nianbao never uses: a third of `validate`'s start-up. The command line runs as pandera does without it.
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    app()


if __name__ == "__main__":
    main()
