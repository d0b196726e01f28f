"""Helpers for the intake-flow tests: a small roster, good returns, and one batch run through the run's sequence
(``pipeline.run.trace``) up to the load: collect → read → judge → cross-year → keep → load, into a real DuckDB
warehouse.

No Prefect here: these are the plain step functions the flow wraps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from intake.read import ReadOutcome
from intake.roster import Roster, read_roster
from pipeline import collect as collecting
from pipeline import read as reading
from pipeline.judge import Judged
from pipeline.keep import files_root
from pipeline.run import Run, Steps, Stop, Trace, trace
from sampledata.roster import district_roster, write_roster_csv
from sampledata.synthetic import unit_return
from schemas.failures import Failure
from schemas.returns import CanonicalReturn
from schemas.roster import RosterUnit
from warehouse.store import Warehouse

DISTRICT = "320799"
LIANYUN_NAME = "连云区人民政府"  # the unit name the sample published report declares
YEAR = 2022
SEED = 11


def roster_units() -> list[RosterUnit]:
    """The district row, its office renamed 连云区人民政府 (so the sample report finds it by name), 4 departments."""
    units = district_roster(DISTRICT, "示范区", n_departments=4, n_townships=0)
    return [replace(u, unit_name=LIANYUN_NAME) if u.kind == "office" else u for u in units]


def office(units: list[RosterUnit]) -> RosterUnit:
    return next(u for u in units if u.kind == "office")


def departments(units: list[RosterUnit]) -> list[RosterUnit]:
    return [u for u in units if u.kind == "department"]


def good_return(unit: RosterUnit, year: int = YEAR) -> CanonicalReturn:
    return unit_return(unit, year, SEED)


def return_json_bytes(ret: CanonicalReturn) -> bytes:
    return (json.dumps(ret.to_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def csv_bytes(ret: CanonicalReturn, encoding: str = "utf-8", extra_rows: list[tuple[str, str]] = ()) -> bytes:
    """The return as a ``cell,value`` CSV (SPEC convention of intake.csvfile)."""
    doc = ret.to_json()
    lines = ["cell,value", f"unit_id,{ret.unit_id}", f"unit_name,{ret.unit_name}", f"year,{ret.year}"]
    lines += [f"{k},{'' if v is None else v}" for k, v in doc["cells"].items()]
    lines += [f"{k},{v}" for k, v in extra_rows]
    return ("\n".join(lines) + "\n").encode(encoding)


@dataclass
class Batch:
    """One batch after keep and load: what the steps said and what the warehouse recorded."""

    subs: Path
    warehouse_path: Path
    judged: Judged
    submissions: pd.DataFrame  # the submissions table after the load
    trace: Trace | None = None  # what each step of the run produced

    @property
    def files_root(self) -> Path:
        return files_root(self.warehouse_path)

    def failures(self, file: str | None = None, rule: str | None = None) -> list[Failure]:
        return [
            f for _, f in self.judged.failures if (file is None or f.file == file) and (rule is None or f.rule == rule)
        ]

    def status(self, file: str) -> str:
        rows = self.submissions[self.submissions["original_name"] == file]
        assert len(rows) == 1, f"{file}: {len(rows)} submission rows in {self.submissions['original_name'].tolist()}"
        return str(rows["status"].iloc[0])

    def unit_status(self, unit_id: str) -> list[str]:
        return self.submissions.loc[self.submissions["unit_id"] == unit_id, "status"].tolist()

    def original(self, data: bytes) -> Path:
        sha = hashlib.sha256(data).hexdigest()
        return self.files_root / "originals" / sha[:2] / sha

    def quarantined(self, data: bytes) -> list[Path]:
        sha = hashlib.sha256(data).hexdigest()
        folder = self.files_root / "quarantine"
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.name.startswith(sha[:12]) and not p.name.endswith(".reason.txt"))


def run_batch(
    tmp_path: Path,
    files: dict[str, bytes],
    units: list[RosterUnit] | None = None,
    year: int = YEAR,
    warehouse_path: Path | None = None,
    batch_name: str = "submissions",
    paths: list[Path] | None = None,
    extra_paths: list[Path] = (),
    until: Stop = "load",
) -> Batch:
    """Write ``files`` (name inside the submissions folder → bytes), then collect → read → judge → cross-year →
    keep → load them into the warehouse (``tmp_path/w.duckdb`` unless given). ``paths`` replaces collect;
    ``extra_paths`` are read after the collected files (paths collect would never produce). ``until``: how far the
    run goes (``"end"``: consolidated, checked and published or blocked; ``Batch.trace`` holds what each step made)."""
    units = units if units is not None else roster_units()
    roster_path = tmp_path / "roster.csv"
    if not roster_path.exists():
        write_roster_csv(units, roster_path)
    subs = tmp_path / batch_name
    subs.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = subs / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    warehouse_path = warehouse_path or tmp_path / "w.duckdb"

    def collect(submissions: Path, roster_file: Path, node_id: str) -> tuple[list[Path], Roster]:
        collected = paths if paths is not None else collecting.collect(submissions)
        return collected + list(extra_paths), read_roster(roster_file, node_id)

    def read(paths: list[Path], archive: Path | None, root: Path | None) -> list[ReadOutcome]:
        return reading.read(paths)  # no folder guard: ``extra_paths`` lie outside the submissions folder

    spec = Run(DISTRICT, year, roster_path, subs, warehouse_path, tmp_path / "out")
    done = trace(spec, Steps(collect=collect, read=read), until=until)  # the run's sequence, up to ``until``
    assert done.judged is not None
    with Warehouse(warehouse_path, read_only=True) as wh:
        table = wh.frame("SELECT * FROM submissions ORDER BY unit_id, version")
    return Batch(subs=subs, warehouse_path=warehouse_path, judged=done.judged, submissions=table, trace=done)


def failure_summary(batch: Batch) -> list[dict[str, Any]]:
    """For a readable assertion message."""
    return [
        {"file": f.file, "rule": f.rule, "cell": f.cell, "detail": f.detail[:120]} for _, f in batch.judged.failures
    ]
