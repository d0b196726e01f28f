"""``nianbao diff``: what a unit changed between two versions of its return, and the rules each version failed.

Registered on the main app by :func:`register`. Reads the warehouse only (opened read-only).

Exit codes: 0 the comparison was shown (also when there is only one version), 1 the warehouse, unit, year or a
version does not exist (the message says what is there instead).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.settings import DEFAULT_WAREHOUSE

EXIT_OK, EXIT_ERROR = 0, 1

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def diff(
    unit: Annotated[str, typer.Option("--unit", help="The unit's id as on the roster.")],
    year: Annotated[int, typer.Option("--year", min=2021, help="Report year.")],
    from_version: Annotated[
        int | None, typer.Option("--from", min=1, help="Older version (default: the one before --to).")
    ] = None,
    to_version: Annotated[int | None, typer.Option("--to", min=1, help="Newer version (default: the latest).")] = None,
    warehouse: Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")] = DEFAULT_WAREHOUSE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON (for tools).")] = False,
) -> None:
    """List the cells that changed between two versions of a unit's return (old and new value), and the rules
    each version failed. Exit 1 when the unit, year or version does not exist."""
    from warehouse.store import Warehouse, WarehouseError
    from warehouse.versions import VersionNotFound, diff_versions

    if not Path(warehouse).is_file():
        err.print(
            f"[red]No warehouse at {escape(str(warehouse))}[/red]: run `nianbao consolidate` first or pass --warehouse."
        )
        raise typer.Exit(EXIT_ERROR)
    try:
        with Warehouse(Path(warehouse), read_only=True) as wh:
            result = diff_versions(wh, unit, year, from_version, to_version)
    except VersionNotFound as exc:
        err.print(f"[red]Not found:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    except WarehouseError as exc:
        err.print(f"[red]ERROR:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(result)
    raise typer.Exit(EXIT_OK)


def _print(result) -> None:  # type: ignore[no-untyped-def]
    from warehouse.versions import display_value

    listed = ", ".join(f"v{v.version} {v.status_at_receipt}{' → waived' if v.waived else ''}" for v in result.versions)
    console.print(
        f"[bold]Unit {escape(result.unit_id)}, {result.year}[/bold]: {len(result.versions)} version(s): {listed}"
    )
    for label, version in (("from", result.old), ("to", result.new)):
        if version is None:
            continue
        console.print(
            f"  {label} v{version.version}: {escape(version.file)} ({version.reader}), received {version.received_at[:19]}, "
            f"sha256 {version.sha256[:12]}…, {version.status}"
        )
    if result.old is None:
        console.print(f"Only version {result.new.version} to look at: there is no earlier version to compare with.")
    elif not result.changes:
        console.print(f"No cell differs between v{result.old.version} and v{result.new.version}.")
    else:
        table = Table(
            title=f"{len(result.changes)} cell(s) changed from v{result.old.version} to v{result.new.version}"
        )
        for col in ("cell", "where", f"v{result.old.version}", f"v{result.new.version}"):
            table.add_column(col, overflow="fold")
        for c in result.changes:
            table.add_row(c.cell, escape(c.location), escape(display_value(c.old)), escape(display_value(c.new)))
        console.print(table)
    for version in (result.old, result.new):
        if version is None:
            continue
        if not version.findings:
            console.print(f"v{version.version} failed no rule.")
            continue
        console.print(f"[bold]v{version.version} failed {len(version.findings)} rule check(s):[/bold]")
        for f in version.findings:
            colour = "yellow" if f.severity == "SOFT" else "red"
            values = f" expected {escape(f.expected)} found {escape(f.actual)}" if (f.expected or f.actual) else ""
            cell = f" {f.cell}" if f.cell else ""
            console.print(f"  [{colour}]{f.rule} {f.severity}[/{colour}]{cell}{values}")
            console.print(f"      {escape(f.message)}", style="dim")


def register(app: typer.Typer) -> None:
    """Add ``diff`` to the ``nianbao`` command line."""
    app.command("diff")(diff)
