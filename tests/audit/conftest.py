"""A small district run through pipeline.run (real DuckDB, real GX, no Prefect: the flow wraps the same
sequence), for the audit tests. Two years: 2023 consistent and published; 2024 where unit
U2's carry-in does not match its 2023 carry-out (Y1, HARD-W)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from audit.report import node_page
from pipeline.run import Run as RunSpec
from pipeline.run import run
from sampledata.lianyun import lianyun_return
from schemas.cells import S3_COL_KEYS, s3
from schemas.returns import CanonicalReturn

DISTRICT = "D1"
UNITS = (("U1", "区政府办公室", "office"), ("U2", "区财政局", "department"), ("U3", "海州镇", "township"))


def write_roster(path: Path, units=UNITS, district_name: str = "示范区") -> Path:
    lines = ["unit_id,unit_name,kind,parent_id", f"{DISTRICT},{district_name},district,"]
    lines += [f"{u},{n},{k},{DISTRICT}" for u, n, k in units]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def returns_for(year: int, units=UNITS) -> list[CanonicalReturn]:
    return [lianyun_return(u, n, year) for u, n, _ in units]


def roll_forward(last: CanonicalReturn, now: CanonicalReturn) -> CanonicalReturn:
    """``now`` made consistent with ``last`` for every cross-year rule (Y1, P2)."""
    for col in S3_COL_KEYS:
        delta = last.cells[s3("carried_out", col)] - now.cells[s3("carried_in", col)]
        for row in ("carried_in", "granted", "total_processed"):  # keep A1-A3 intact
            now.cells[s3(row, col)] += delta
    now.cells["s2.normative_docs.in_force"] = (
        last.cells["s2.normative_docs.in_force"]
        + now.cells["s2.normative_docs.issued"]
        - now.cells["s2.normative_docs.repealed"]
    )
    return now


def write_returns(folder: Path, returns: list[CanonicalReturn]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for ret in returns:
        (folder / f"{ret.unit_id}.json").write_text(json.dumps(ret.to_json(), ensure_ascii=False), encoding="utf-8")
    return folder


@dataclass
class Run:
    key: str
    published: bool
    audit: Path
    docs_page: Path | None
    folder: Path | None
    node: str = DISTRICT

    @property
    def district_page(self) -> Path:
        """The page of the run's root node (audit.html links it): its units, their tables and findings."""
        return node_page(self.audit.parent, self.node)


def run_pipeline(tmp: Path, year: int, submissions: Path, roster: Path, district: str = DISTRICT) -> Run:
    """The whole run (pipeline.run, the sequence the flow wraps): checkpoint with Data Docs, publish, audit."""
    result = run(RunSpec(district, year, roster, submissions, tmp / "w.duckdb", tmp / "out"))
    assert result.audit is not None
    return Run(
        result.run_key, result.published, result.audit, result.checkpoint.data_docs_page, result.folder, district
    )


@pytest.fixture
def two_years(tmp_path: Path):
    """2023 published; 2024 submissions where U2's carry-in breaks Y1 (everything else consistent)."""
    roster = write_roster(tmp_path / "roster.csv")
    last = returns_for(2023)
    first = run_pipeline(tmp_path, 2023, write_returns(tmp_path / "subs-2023", last), roster)
    assert first.published
    now = [roll_forward(a, b) for a, b in zip(last, returns_for(2024))]
    u2 = now[1]
    for row in ("carried_in", "granted", "total_processed"):  # 3 more carried in than 2023 carried out (A3 holds)
        u2.cells[s3(row, "natural_person")] += 3
        u2.cells[s3(row, "total")] += 3
    subs = write_returns(tmp_path / "subs-2024", now)
    return {"tmp": tmp_path, "roster": roster, "subs": subs, "returns": now, "first": first}
