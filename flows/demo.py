"""``nianbao demo``: a sample district end to end, on the embedded defaults.

1. Builds a district of 30+ units (one of them carries the 连云区 2022 figures) and writes every unit's return as the
   department form (XLSX), with a couple sent as canonical JSON and CSV, plus the roster.
2. Consolidates 2024 and publishes the district report.
3. Consolidates 2025, where one unit's return breaks the column balance A3: the checkpoint blocks publication and
   the command says which unit, rule and cell.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from intake.csvfile import write_csv_return
from intake.jsonfile import write_json_return
from intake.template import write_form
from sampledata.synthetic import break_a3, build_district, write_roster_csv
from schemas.returns import CanonicalReturn

DISTRICT_ID = "320799"
DISTRICT_NAME = "示范区"
PUBLISHED_YEAR, BLOCKED_YEAR = 2024, 2025


def write_returns(returns: list[CanonicalReturn], folder: Path) -> None:
    """Most units send the XLSX form; the second sends canonical JSON and the third a CSV, as real offices do."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, ret in enumerate(returns):
        if i == 1:
            write_json_return(ret, folder / f"{ret.unit_id}.json")
        elif i == 2:
            write_csv_return(ret, folder / f"{ret.unit_id}.csv")
        else:
            write_form(
                folder / f"{ret.unit_id} {ret.unit_name}.xlsx",
                ret.unit_id,
                ret.unit_name,
                int(str(ret.year)),
                ret.cells,
            )


def prepare(out: Path) -> tuple[Path, Path, Path, str]:
    """Write the demo's roster and both years' submissions; returns (roster, 2024 folder, 2025 folder, broken unit)."""
    data = out / "data"
    roster, returns_now = build_district(DISTRICT_ID, DISTRICT_NAME, PUBLISHED_YEAR, seed=7)
    # same seed and lianyun_year: every unit's carried-in equals its carried-out of the year before (Y1)
    _, returns_next = build_district(DISTRICT_ID, DISTRICT_NAME, BLOCKED_YEAR, seed=7, lianyun_year=PUBLISHED_YEAR)
    roster_path = write_roster_csv(roster, data / "roster.csv")
    broken_index = 4
    broken_unit = returns_next[broken_index].unit_id
    returns_next[broken_index] = break_a3(returns_next[broken_index])
    now_dir, next_dir = data / f"submissions-{PUBLISHED_YEAR}", data / f"submissions-{BLOCKED_YEAR}"
    write_returns(returns_now, now_dir)
    write_returns(returns_next, next_dir)
    return roster_path, now_dir, next_dir, broken_unit


def run_demo(out: Path, console: Console, consolidate: Callable[..., int]) -> int:
    out = Path(out)
    roster, now_dir, next_dir, broken_unit = prepare(out)
    warehouse, reports = out / "warehouse.duckdb", out / "reports"
    n_files = len(list(now_dir.iterdir()))
    console.rule(f"1. {DISTRICT_NAME} {PUBLISHED_YEAR}: {n_files} returns")
    first = consolidate(DISTRICT_ID, PUBLISHED_YEAR, now_dir, roster, warehouse, reports)
    console.rule(f"2. {DISTRICT_NAME} {BLOCKED_YEAR}: unit {broken_unit}'s return breaks A3")
    second = consolidate(DISTRICT_ID, BLOCKED_YEAR, next_dir, roster, warehouse, reports)
    console.rule("Where everything went")
    console.print(f"  roster:               {roster}")
    console.print(f"  submissions:          {now_dir}  and  {next_dir}")
    console.print(f"  warehouse (DuckDB):   {warehouse}")
    console.print(f"  originals kept:       {warehouse.with_name('warehouse.files')}/originals/")
    console.print(f"  rejected returns:     {warehouse.with_name('warehouse.files')}/quarantine/")
    console.print(f"  published report:     {reports / DISTRICT_ID / str(PUBLISHED_YEAR)}/report.html")
    console.print(f"  audit reports:        {reports / 'runs'}/<run key>/audit.html (one per run, with data-docs/)")
    console.print(
        f"  blocked year:         {reports / DISTRICT_ID / str(BLOCKED_YEAR)} "
        f"({'absent, as it should be' if not (reports / DISTRICT_ID / str(BLOCKED_YEAR)).exists() else 'PRESENT?!'})"
    )
    ok = first == 0 and second == 2
    console.print(
        f"Demo {'finished as expected' if ok else 'did NOT behave as expected'}: "
        f"first run exit {first} (published), second run exit {second} (blocked)."
    )
    return 0 if ok else 1
