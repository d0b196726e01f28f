"""Synthetic, mutually consistent returns for a country-shaped roster of 60 / 10,000 / 150,000 units, written in
every input form nianbao reads, and cached under ``benchmarks/data/`` (gitignored) so a benchmark run reuses them.

Layout of one size (``benchmarks/data/<n>/``)::

    roster.csv            unit_id,unit_name,kind,parent_id (sampledata.roster.hierarchy(n))
    json/<unit_id>.json   canonical JSON, one per return
    csv/<unit_id>.csv     cell,value CSV, one per return
    xlsx/<unit_id>.xlsx   the department form (intake.template.write_form); only for sizes up to XLSX_MAX_UNITS
    parquet/returns.parquet   every return in one file, one row each (intake.parquet layout)
    .done-<format>        written last: a half-written folder (interrupted run) is regenerated, never used

Run ``python -m benchmarks.generate --size 150000 --format json`` (or ``--format all``). The figures come from
:func:`sampledata.synthetic.returns_for`, so every return passes validation and every level adds up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from intake.csvfile import write_csv_return
from intake.jsonfile import write_json_return
from intake.parquet import write_returns_parquet
from sampledata.roster import hierarchy, write_roster_csv
from sampledata.synthetic import returns_for
from schemas.returns import CanonicalReturn

DATA_ROOT = Path(__file__).resolve().parent / "data"
SIZES = (60, 10_000, 150_000)
FORMATS = ("json", "csv", "xlsx", "parquet")
XLSX_MAX_UNITS = 10_000  # openpyxl writes ~0.1-0.2 s per form here: 150,000 forms would take hours to generate
XLSX_DEFAULT_MAX = 60  # "all" formats include XLSX only up to this size; ask for --format xlsx explicitly above it
YEAR = 2024
SEED = 1


def data_dir(size: int, root: Path = DATA_ROOT) -> Path:
    return Path(root) / str(size)


def is_ready(size: int, fmt: str, root: Path = DATA_ROOT) -> bool:
    return (data_dir(size, root) / f".done-{fmt}").exists()


# --- one file per return ----------------------------------------------------------------------------------------


def write_json(ret: CanonicalReturn, folder: Path) -> None:
    write_json_return(ret, folder / f"{ret.unit_id}.json")


def write_csv(ret: CanonicalReturn, folder: Path) -> None:
    write_csv_return(ret, folder / f"{ret.unit_id}.csv")


def write_xlsx(ret: CanonicalReturn, folder: Path) -> None:
    from intake.template import write_form

    write_form(folder / f"{ret.unit_id}.xlsx", ret.unit_id, ret.unit_name, int(str(ret.year)), ret.cells, ret.narrative)


WRITERS = {"json": write_json, "csv": write_csv, "xlsx": write_xlsx}


def _write_chunk(args: tuple[str, str, list[CanonicalReturn]]) -> int:
    fmt, folder, returns = args
    writer = WRITERS[fmt]
    for ret in returns:
        writer(ret, Path(folder))
    return len(returns)


def write_files(returns: Sequence[CanonicalReturn], fmt: str, folder: Path, workers: int) -> None:
    """One file per return, written by ``workers`` processes (chunks of 2,000)."""
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [(fmt, str(folder), list(returns[i : i + 2000])) for i in range(0, len(returns), 2000)]
    if workers <= 1 or len(chunks) == 1:
        for chunk in chunks:
            _write_chunk(chunk)
        return
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_chunk, chunks))


# --- a whole size -----------------------------------------------------------------------------------------------


def generate(
    size: int,
    formats: Sequence[str] = FORMATS,
    root: Path = DATA_ROOT,
    workers: int | None = None,
    verbose: bool = True,
) -> Path:
    """Make (or reuse) the data of ``size`` units in ``formats``; returns the size's folder."""
    folder = data_dir(size, root)
    wanted = [f for f in formats if not is_ready(size, f, root) and not (f == "xlsx" and size > XLSX_MAX_UNITS)]
    if not wanted:
        return folder
    workers = workers or os.cpu_count() or 1
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    units = hierarchy(size, seed=SEED)
    write_roster_csv(units, folder / "roster.csv")
    returns = returns_for(units, YEAR, SEED)
    if verbose:
        print(f"[generate] {size}: {len(returns):,} returns built in {time.perf_counter() - t0:.1f} s")
    for fmt in wanted:
        t1 = time.perf_counter()
        target = folder / fmt
        shutil.rmtree(target, ignore_errors=True)
        if fmt == "parquet":
            target.mkdir(parents=True)
            write_returns_parquet(returns, target / "returns.parquet")
        else:
            write_files(returns, fmt, target, workers)
        (folder / f".done-{fmt}").write_text(f"{len(returns)}\n")
        if verbose:
            print(f"[generate] {size}: {fmt} written in {time.perf_counter() - t1:.1f} s → {target}")
    return folder


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, choices=SIZES, action="append", help="units (repeatable; default all)")
    parser.add_argument("--format", choices=[*FORMATS, "all"], action="append", help="default all")
    parser.add_argument("--root", type=Path, default=DATA_ROOT)
    args = parser.parse_args(argv)
    explicit = bool(args.format) and "all" not in args.format
    for size in args.size or SIZES:
        formats = args.format if explicit else [f for f in FORMATS if f != "xlsx" or size <= XLSX_DEFAULT_MAX]
        generate(size, formats, args.root)


if __name__ == "__main__":
    main()
