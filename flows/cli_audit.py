"""``nianbao waive`` and ``nianbao audit``: the auditor's commands (registered on the main app by ``register``).

* ``waive`` records a waiver (HARD-W) or an acknowledgement (SOFT) of one rule on a unit's latest return, or, with
  ``--revoke ID``, revokes one. HARD rules are refused (exit 1). Records are append-only.
* ``keep`` records that an older accepted version of a unit's return is counted while its latest is rejected (G5
  blocks otherwise), or with ``--revoke ID`` revokes one; voided by the unit's next file. Append-only, chained.
* ``audit`` shows, for a district and year, each unit's status, versions, findings and waivers, and each
  publication's lineage with every published file re-hashed on disk. Exit 0 when every file matches, 3 when a
  published file is missing or its hash differs (tampering), 1 on other errors. ``audit --verify`` recomputes the
  warehouse's evidence chain (warehouse/chain.py) and re-hashes every kept original: exit 3 on any break, naming
  the table and the row (or the pack and member); with ``--district`` and ``--year`` the audit follows.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.settings import DEFAULT_WAREHOUSE

EXIT_OK, EXIT_ERROR, EXIT_TAMPERED = 0, 1, 3
FORMATS = ("table", "json", "csv")

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _open(warehouse: Path, read_only: bool):  # type: ignore[no-untyped-def]
    from warehouse.store import Warehouse

    if not Path(warehouse).is_file():
        err.print(
            f"[red]No warehouse at {escape(str(warehouse))}[/red]: run `nianbao consolidate` first or pass --warehouse."
        )
        raise typer.Exit(EXIT_ERROR)
    return Warehouse(Path(warehouse), read_only=read_only)


def waive(
    rule: Annotated[str | None, typer.Option("--rule", help="Rule ID, e.g. Y1 (HARD-W) or P2 (SOFT).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="The unit's id.")] = None,
    year: Annotated[int | None, typer.Option("--year", min=2021, help="Report year.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why the finding is acceptable (kept as evidence).")] = "",
    by: Annotated[str, typer.Option("--by", help="Name of the auditor who decides.")] = "",
    revoke: Annotated[int | None, typer.Option("--revoke", help="Revoke waiver ID instead (a new record).")] = None,
    warehouse: Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")] = DEFAULT_WAREHOUSE,
) -> None:
    """Waive a HARD-W failure or acknowledge a SOFT finding on a unit's latest return (HARD rules: refused)."""
    from audit.waivers import WaiverRefused
    from audit.waivers import revoke as revoke_waiver
    from audit.waivers import waive as record_waiver
    from warehouse.store import WarehouseError

    try:
        with _open(warehouse, read_only=False) as wh:
            if revoke is not None:
                w = revoke_waiver(wh, revoke, reason, by)
                console.print(f"Revoked waiver {revoke} (record {w.waiver_id}) by {escape(w.recorded_by)}.")
                raise typer.Exit(EXIT_OK)
            if not (rule and unit and year):
                err.print("[red]Refused:[/red] give --rule, --unit and --year (or --revoke ID).")
                raise typer.Exit(EXIT_ERROR)
            w = record_waiver(wh, rule, unit, year, reason, by)
    except WaiverRefused as exc:
        err.print(f"[red]Refused:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    except WarehouseError as exc:
        err.print(f"[red]ERROR:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    verb = "Waived" if w.kind == "waiver" else "Acknowledged"
    console.print(
        f"{verb} {w.rule} ({w.severity}) for unit {escape(w.unit_id)} {w.year}, version {w.version} "
        f"(sha256 {w.sha256[:12]}…): record {w.waiver_id} by {escape(w.recorded_by)}."
    )
    if w.kind == "waiver":
        console.print("The return counts as accepted from the next consolidation run, if nothing else blocks it.")


def keep(
    unit: Annotated[str | None, typer.Option("--unit", help="The unit's id.")] = None,
    year: Annotated[int | None, typer.Option("--year", min=2021, help="Report year.")] = None,
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="The older accepted version to count.")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why that version may be published (kept as evidence).")] = "",
    by: Annotated[str, typer.Option("--by", help="Name of who decides.")] = "",
    revoke: Annotated[int | None, typer.Option("--revoke", help="Revoke keep ID instead (a new record).")] = None,
    warehouse: Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")] = DEFAULT_WAREHOUSE,
) -> None:
    """Count an older accepted version of a unit's return while its latest one is rejected (rule G5 blocks
    otherwise). Recorded like a waiver; voided by the next file the unit sends. Exit 1 when refused."""
    from audit.keeps import KeepRefused
    from audit.keeps import keep as record_keep
    from audit.keeps import revoke as revoke_keep
    from warehouse.store import WarehouseError

    try:
        with _open(warehouse, read_only=False) as wh:
            if revoke is not None:
                k = revoke_keep(wh, revoke, reason, by)
                console.print(f"Revoked keep {revoke} (record {k.keep_id}) by {escape(k.recorded_by)}.")
                raise typer.Exit(EXIT_OK)
            if not (unit and year and version):
                err.print("[red]Refused:[/red] give --unit, --year and --version (or --revoke ID).")
                raise typer.Exit(EXIT_ERROR)
            k = record_keep(wh, unit, year, version, reason, by)
    except KeepRefused as exc:
        err.print(f"[red]Refused:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    except WarehouseError as exc:
        err.print(f"[red]ERROR:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    console.print(
        f"Kept version {k.version} (sha256 {k.sha256[:12]}…) of unit {escape(k.unit_id)} {k.year} instead of the "
        f"rejected version {k.instead_of_version}: record {k.keep_id} by {escape(k.recorded_by)}."
    )
    console.print("The next consolidation run counts it; any new file from the unit voids the keep.")


def _csv_rows(report: Any) -> list[dict[str, Any]]:
    """One flat table for tools: a ``record`` column says what each row is."""
    rows: list[dict[str, Any]] = []
    for u in report.units:
        rows.append(
            {
                "record": "unit",
                "unit_id": u.unit_id,
                "unit_name": u.unit_name,
                "status": u.status,
                "version": u.consolidated_version,
            }
        )
        for v in u.versions:
            rows.append(
                {
                    "record": "version",
                    "unit_id": u.unit_id,
                    "version": v.version,
                    "sha256": v.sha256,
                    "file": v.file,
                    "status": v.status,
                    "detail": v.status_at_receipt,
                    "at": v.received_at,
                }
            )
            for f in v.findings:
                rows.append(
                    {
                        "record": "finding",
                        "unit_id": u.unit_id,
                        "version": v.version,
                        "rule": f.rule,
                        "severity": f.severity,
                        "cell": f.cell,
                        "expected": f.expected,
                        "actual": f.actual,
                        "detail": f.message,
                        "status": "covered" if f.covered_by else "",
                    }
                )
        for w in u.waivers:
            rows.append(
                {
                    "record": w["kind"],
                    "unit_id": u.unit_id,
                    "version": w["version"],
                    "sha256": w["sha256"],
                    "rule": w["rule"],
                    "severity": w["severity"],
                    "by": w["by"],
                    "at": w["at"],
                    "detail": w["reason"],
                    "id": w["id"],
                    "status": "revoked" if w["revoked"] else "void" if w["void_by_version"] else "in force",
                }
            )
        for k in u.keeps:
            rows.append(
                {
                    "record": "keep",
                    "unit_id": u.unit_id,
                    "version": k["version"],
                    "sha256": k["sha256"],
                    "rule": "G5",
                    "by": k["by"],
                    "at": k["at"],
                    "id": k["id"],
                    "detail": f"instead of version {k['instead_of_version']}: {k['reason']}",
                    "status": "in force" if k["in_force"] else "revoked" if k["revoked"] else "void",
                }
            )
    for p in report.publications:
        rows.append(
            {
                "record": "publication",
                "run_key": p.run_key,
                "file": p.folder,
                "sha256": p.manifest_sha256,
                "at": p.published_at,
                "status": "ok" if p.ok else "TAMPERED",
                "detail": f"roster {p.roster_sha256}; checkpoint {'passed' if p.checkpoint_success else 'failed'}",
            }
        )
        for u in p.units:
            rows.append(
                {
                    "record": "published_from",
                    "run_key": p.run_key,
                    "unit_id": u["unit_id"],
                    "version": u["version"],
                    "sha256": u["sha256"],
                }
            )
        for f in p.files:
            rows.append(
                {
                    "record": "published_file",
                    "run_key": p.run_key,
                    "file": f.name,
                    "sha256": f.recorded_sha256,
                    "detail": f.actual_sha256 or "",
                    "status": "ok" if f.ok else f.problem,
                }
            )
    return rows


CSV_COLUMNS = (
    "record",
    "run_key",
    "unit_id",
    "unit_name",
    "version",
    "sha256",
    "file",
    "rule",
    "severity",
    "cell",
    "expected",
    "actual",
    "status",
    "by",
    "at",
    "id",
    "detail",
)


def _safe_cell(value: Any) -> Any:
    """Spreadsheet-safe CSV cell: text starting with = + - @ (or a tab/CR) is prefixed with ' so that opening
    the CSV in a spreadsheet shows it as text instead of running it as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _print_tables(report: Any) -> None:
    units = Table(title=f"{escape(report.district_name)} ({report.district_id}) {report.year}: units", show_lines=False)
    for col in ("unit", "name", "status", "used", "versions", "findings (latest)", "waivers"):
        units.add_column(col, overflow="fold")
    for u in report.units:
        findings = ", ".join(
            f"{f.rule}{'*' if f.covered_by else ''}" + (f"@{f.cell}" if f.cell else "")
            for f in u.findings
            if not f.info
        )
        notes = " ".join(f.rule for f in u.findings if f.info)
        waivers = "; ".join(
            f"#{w['id']} {w['kind']} {w['rule']} v{w['version']} by {w['by']}: {w['reason']}"
            + (" (revoked)" if w["revoked"] else "")
            + (f" (void: v{w['void_by_version']} received)" if w["void_by_version"] else "")
            for w in u.waivers
        )
        waivers = "; ".join(
            x
            for x in [
                waivers,
                *(
                    f"#{k['id']} keep v{k['version']} instead of v{k['instead_of_version']} by {k['by']}: {k['reason']}"
                    + (" (revoked)" if k["revoked"] else "" if k["in_force"] else " (void)")
                    for k in u.keeps
                ),
            ]
            if x
        )
        versions = " ".join(f"v{v.version}:{v.status_at_receipt[:3]}{'→acc' if v.waived else ''}" for v in u.versions)
        units.add_row(
            escape(u.unit_id),
            escape(u.unit_name),
            u.status,
            str(u.consolidated_version or "—"),
            versions,
            escape(findings + (f" [{notes}]" if notes else "")),
            escape(waivers),
        )
    console.print(units)
    console.print("  * = waived or acknowledged; [N1] = no prior-year return (information, not a failure)")
    if not report.publications:
        console.print("No publication for this district and year.")
    for p in report.publications:
        t = Table(title=f"publication {p.run_key} → {escape(p.folder)}", show_lines=False)
        for col in ("file", "recorded sha256", "on disk", "check"):
            t.add_column(col, overflow="fold")
        for f in p.files:
            t.add_row(
                f.name, f.recorded_sha256, f.actual_sha256 or "(missing)", "ok" if f.ok else f"[red]{f.problem}[/red]"
            )
        console.print(t)
        console.print(
            f"  published {p.published_at[:19]}; roster {p.roster_sha256}; checkpoint "
            f"{'passed' if p.checkpoint_success else 'FAILED' if p.checkpoint_success is False else '?'}; "
            f"built from {len(p.units)} unit return(s); {len(p.waivers)} waiver(s) in the manifest"
        )
        if p.manifest_problem:
            console.print(f"  [red]{escape(p.manifest_problem)}[/red]")


def verify_warehouse(warehouse: Path, wh: Any) -> bool:
    """Recompute the evidence chain and re-hash the originals; print every break (stderr) or a summary line.
    True when intact."""
    from warehouse import chain
    from warehouse.archive import check_originals
    from warehouse.store import sql

    result = chain.verify(wh.con)
    kept = dict(wh.con.execute(sql("kept_paths")).fetchall()) if chain.exists(wh.con) else {}
    files_root = Path(warehouse).with_name(Path(warehouse).stem + ".files")  # = pipeline.keep.files_root (not
    # imported: pipeline loads Great Expectations, seconds for a command that only reads)
    originals, problems = check_originals(files_root, kept)
    breaks = [str(b) for b in result.breaks]
    breaks += [f"originals {where} member {member}: {what}" for where, member, what in problems]
    if breaks:
        err.print(f"[bold red]EVIDENCE CHAIN BROKEN[/bold red]: {len(breaks)} break(s) in {escape(str(warehouse))}:")
        for line in breaks:
            err.print(f"  {escape(line)}", soft_wrap=True)  # one break a line, never wrapped: tools grep them
        return False
    console.print(
        f"Evidence intact: {result.rows} row(s) and group(s) in {len(chain.CHAINED)} tables match their "
        f"{result.links} chain link(s); {result.anchors} chain head(s) recorded in manifests found; "
        f"{originals} kept original(s) re-hashed.",
        soft_wrap=True,
    )
    return True


def audit(
    district: Annotated[str | None, typer.Option("--district", help="The district's unit_id on the roster.")] = None,
    year: Annotated[int | None, typer.Option("--year", min=2021, help="Report year.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only this unit.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table (terminal), json or csv.")] = "table",
    warehouse: Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")] = DEFAULT_WAREHOUSE,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Recompute the evidence chain and re-hash the originals "
            "(exit 3 on any break); --district and --year are then optional.",
        ),
    ] = False,
) -> None:
    """Per unit: status, versions, findings, waivers. Per publication: lineage and a re-hash of every file.
    Exit 0 when all published files match, 3 when one is missing or tampered with, 1 on error.
    --verify: the whole warehouse's evidence chain and kept originals too."""
    from audit.lineage import AuditQueryError, audit_district
    from warehouse.store import WarehouseError

    if fmt not in FORMATS:
        err.print(f"[red]Unknown --format {escape(fmt)}[/red]: use one of {', '.join(FORMATS)}.")
        raise typer.Exit(EXIT_ERROR)
    if not verify and (district is None or year is None):
        err.print("[red]Refused:[/red] give --district and --year (or --verify for the whole warehouse).")
        raise typer.Exit(EXIT_ERROR)
    intact = True
    try:
        with _open(warehouse, read_only=True) as wh:
            if verify:
                intact = verify_warehouse(warehouse, wh)
                if district is None or year is None:
                    raise typer.Exit(EXIT_OK if intact else EXIT_TAMPERED)
            assert district is not None and year is not None  # refused above unless --verify
            report = audit_district(wh, district, year, unit)
    except (AuditQueryError, WarehouseError) as exc:
        err.print(f"[red]ERROR:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_ERROR)
    if fmt == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in _csv_rows(report):
            writer.writerow({k: _safe_cell(v) for k, v in row.items()})
        print(buf.getvalue(), end="")
    else:
        _print_tables(report)
    if not report.integrity_ok:
        bad = [f"{p.folder}/{f.name}: {f.problem}" for p in report.publications for f in p.files if not f.ok]
        bad += [f"{p.folder}: {p.manifest_problem}" for p in report.publications if p.manifest_problem]
        err.print("[bold red]INTEGRITY FAILURE[/bold red]: published files differ from the recorded hashes:")
        for line in bad:
            err.print(f"  {escape(line)}")
        raise typer.Exit(EXIT_TAMPERED)
    raise typer.Exit(EXIT_OK if intact else EXIT_TAMPERED)


def register(app: typer.Typer) -> None:
    """Add ``waive``, ``keep`` and ``audit`` to the ``nianbao`` command line."""
    app.command("waive")(waive)
    app.command("keep")(keep)
    app.command("audit")(audit)
