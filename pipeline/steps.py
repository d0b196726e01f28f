"""The consolidation run as plain functions, one per step: collect → read → judge → load → consolidate →
checkpoint → publish. ``flows/`` wraps each in a Prefect task; tests and the REPL call them directly.

Every step works on a whole batch of returns at once (one pandera pass, one SQL statement), never one return at a
time through the orchestrator.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from concurrent.futures import ThreadPoolExecutor

from checkpoint.suite import CheckpointResult, run_checkpoint
from intake.read import ReadOutcome, read_submissions
from intake.roster import Roster
from publish.atomic import PublishedFiles, publish
from publish.model import DistrictReport, UnitFigures
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.failures import Failure, make
from schemas.narrative import check_narrative, to_simplified
from schemas.returns import CanonicalReturn
from schemas.validate import validate_frame
from schemas.crossyear import check_cross_year, wide_from_long
from schemas.frame import FEE_NOTE_COLUMN, stack, stack_with_notes
from warehouse.archive import keep_original, quarantine
from audit.report import run_audit, write_audit
from audit.waivers import waiver_records
from warehouse.store import Submission, Warehouse
from warehouse.evidence import status_of, waivers_for_year

READ_BATCH = 2000  # files per read task: large enough that orchestration cost is negligible


# --- collect --------------------------------------------------------------------------------------------------


def collect(submissions_dir: Path) -> list[Path]:
    """Every regular file below the folder, in a stable order. Hidden files and symlinks are not submissions."""
    root = Path(submissions_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"Submissions folder {root} does not exist or is not a folder.")
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files)


def batches(items: Sequence[Any], size: int = READ_BATCH) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def read(paths: Sequence[Path]) -> list[ReadOutcome]:
    return read_submissions(paths)


def read_checked(paths: Sequence[Path]) -> list[ReadOutcome]:
    """:func:`read`, plus the narrative checks X1–X3 of every return that names its unit: the only per-return work
    of validation, so it runs where the batch is read (in parallel on a Dask cluster); :func:`judge` then only runs
    the stacked, vectorised checks. A published report names no unit id: judge checks it after resolving its name."""
    outcomes = read_submissions(paths)
    for o in outcomes:
        if o.ret is not None and o.ret.unit_id:
            o.narrative_failures = check_narrative(o.ret) if o.ret.narrative else []
    return outcomes


# --- judge: validate a batch and decide each file's status -----------------------------------------------------


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


def display_name(outcome: ReadOutcome, root: Path | None) -> str:
    """The name a person recognises: the path inside the submissions folder."""
    if root is not None:
        try:
            name = outcome.path.relative_to(root).as_posix()
            return name if outcome.row is None else f"{name}#{outcome.row}"  # one row of a Parquet file
        except ValueError:
            pass
    return outcome.original_name


def judge(
    outcomes: Sequence[ReadOutcome],
    roster: Roster,
    district_id: str,
    year: int,
    submissions_root: Path | None = None,
) -> Judged:
    """Validate every readable return in one pass, then check roster membership and duplicates."""
    names = [display_name(o, submissions_root) for o in outcomes]
    sha_by_name = {n: o.sha256 for n, o in zip(names, outcomes)}
    failures: list[tuple[str | None, Failure]] = []
    for name, o in zip(names, outcomes):
        failures.extend((o.sha256, _with_file(f, name)) for f in o.failures)

    readable = [(n, o) for n, o in zip(names, outcomes) if o.ret is not None]
    _resolve_unit_ids([o.ret for _, o in readable], roster)
    for name, o in readable:  # X1–X3: the figures the text quotes must be the table's (read_checked may have run them)
        found = o.narrative_failures
        if found is None:
            found = check_narrative(o.ret) if o.ret.narrative else []
        failures.extend((o.sha256, _with_file(f, name)) for f in found)
    frame, notes = stack_with_notes([o.ret for _, o in readable], [n for n, _ in readable])
    frame.index = pd.Index([o.sha256 for _, o in readable], name="sha256")
    for f in validate_frame(frame.assign(**{FEE_NOTE_COLUMN: notes.to_numpy()}), year=year):  # one pandera pass
        failures.append((sha_by_name.get(f.file), f))

    expected_units = {u.unit_id for u in roster.below(district_id)}
    files_by_unit: dict[str, set[str]] = defaultdict(set)  # distinct contents per unit in this batch
    for _, o in readable:
        files_by_unit[o.ret.unit_id].add(o.sha256)
    for name, o in readable:
        unit_id = o.ret.unit_id
        if unit_id not in expected_units:
            failures.append((o.sha256, make("I2", unit_id, actual=unit_id or "(none)", file=name)))
        elif len(files_by_unit[unit_id]) > 1:
            others = sorted(n for n, x in readable if x.ret.unit_id == unit_id and n != name)
            failures.append((o.sha256, make("I3", unit_id, detail=", ".join([name, *others]), file=name)))

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
                year=ret.year if ret and isinstance(ret.year, int) else None,
                status="rejected" if (ret is None or o.sha256 in blocked) else "accepted",
                ret=ret,
            )
        )
    return Judged(submissions=submissions, failures=failures, outcomes=list(outcomes), frame=frame)


def _name_key(name: str) -> str:
    return re.sub(r"\s+", "", to_simplified(name or ""))


def _resolve_unit_ids(returns: Sequence[CanonicalReturn], roster: Roster) -> None:
    """A published report names its unit but carries no id: take the id of the one roster unit of that exact name.
    No match, or two, leaves it empty (rule I2 then says so); a name is never guessed."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for u in roster.units:
        by_name[_name_key(u.unit_name)].append(u.unit_id)
    for ret in returns:
        if not ret.unit_id and ret.unit_name:
            ids = by_name.get(_name_key(ret.unit_name), [])
            if len(ids) == 1:
                ret.unit_id = ids[0]


def _with_file(f: Failure, name: str) -> Failure:
    if f.file == name:
        return f
    return Failure(
        rule=f.rule,
        unit_id=f.unit_id,
        cell=f.cell,
        expected=f.expected,
        actual=f.actual,
        detail=f.detail,
        file=name,
        cells=f.cells,
    )


def cross_year(warehouse: Warehouse, judged: Judged, roster: Roster, year: int) -> Judged:
    """Check each readable return for ``year`` against its unit's accepted return for ``year - 1`` in the warehouse
    (Y1 HARD-W; P2, P3, P5, P6 SOFT; N1 notes a unit with no prior return). A new Y1 failure rejects the file,
    unless an auditor waives it later (``nianbao waive``)."""
    names = {s.sha256: s.original_name for s in judged.submissions}
    now = [s for s in judged.submissions if s.ret is not None and s.unit_id and s.year == year]
    if not now:
        return judged
    ids = sorted({s.unit_id for s in now})
    prior = warehouse.latest_accepted(ids, year - 1)
    prior = prior[prior["sha256"].notna()]
    long = warehouse.cells_of(prior["sha256"].tolist())
    unit_of = dict(zip(prior["sha256"], prior["unit_id"]))
    long.insert(0, "unit_id", [unit_of[sha] for sha in long["sha256"]])
    kinds = {u.unit_id: u.kind for u in roster.units}
    if judged.frame is not None:  # the rows validation stacked (same order as the readable submissions)
        readable = [s for s in judged.submissions if s.ret is not None]
        current = judged.frame[[bool(s.unit_id) and s.year == year for s in readable]]
        sha_of = dict(zip(zip(current["unit_id"], current["file"]), current.index))
        current = current.reset_index(drop=True)
    else:
        current = stack([s.ret for s in now], [names[s.sha256] for s in now])
        sha_of = {(s.unit_id, names[s.sha256]): s.sha256 for s in now}
    found = check_cross_year(current, wide_from_long(long), year, kinds)
    failures = list(judged.failures) + [(sha_of[(f.unit_id, f.file)], f) for f in found]
    blocked = {sha for sha, f in failures if sha is not None and f.blocking}
    for sub in judged.submissions:
        if sub.sha256 in blocked:
            sub.status = "rejected"
    return Judged(submissions=judged.submissions, failures=failures, outcomes=judged.outcomes, frame=judged.frame)


def run_evidence(warehouse: Warehouse, year: int, unit_ids: Sequence[str]) -> list[str]:
    """What a run's verdicts depend on besides its files: the waivers recorded for ``year`` (revocations too) and
    last year's accepted returns (cross-year rules). Part of the run key, so a new waiver makes a new run."""
    waivers = waivers_for_year(warehouse, year)
    ids = [f"waiver:{int(i)}" for i in waivers["waiver_id"]] + [
        f"revoked:{int(i)}" for i in waivers["revoked_by_id"].dropna()
    ]
    prior = warehouse.latest_accepted(list(unit_ids), year - 1)
    return sorted(ids) + sorted(f"prior:{sha}" for sha in prior["sha256"].dropna())


# --- keep and load -------------------------------------------------------------------------------------------


def files_root(warehouse_path: Path) -> Path:
    """Where originals and quarantined files live: beside the warehouse file."""
    p = Path(warehouse_path)
    return p.with_name(p.stem + ".files")


KEEP_THREADS = 8  # copying files is system calls, which release the GIL: threads overlap them


def keep(judged: Judged, warehouse_path: Path) -> None:
    """Keep every original byte for byte; copy rejected ones to quarantine with their reasons.

    A Parquet file holding many returns is kept once; each row's ``stored_path`` is ``<kept file>#row=<n>``, and a
    rejected row is quarantined as the canonical JSON of what was read from it (not a copy of the whole file).
    A file that could not be opened (gone, no permission) has no bytes to keep; its I1 says why."""
    root = files_root(warehouse_path)
    pairs = [(s, o) for s, o in zip(judged.submissions, judged.outcomes) if s.sha256]
    containers = {o.container_sha256: o.path for _, o in pairs if o.row is not None}
    singles = {s.sha256: o.path for s, o in pairs if o.row is None}
    with ThreadPoolExecutor(KEEP_THREADS) as pool:
        kept = dict(pool.map(lambda item: (item[0], keep_original(item[1], root, item[0])),
                             [*containers.items(), *singles.items()]))
    for sub, outcome in pairs:
        if outcome.row is None:
            sub.stored_path = str(kept[sub.sha256])
        else:
            sub.stored_path = f"{kept[outcome.container_sha256]}#row={outcome.row}"
    blocking: dict[str, list[Failure]] = defaultdict(list)
    for sha, f in judged.failures:
        if sha is not None and f.blocking:
            blocking[sha].append(f)
    for sub, outcome in pairs:
        if sub.status == "rejected":
            if outcome.row is None:
                quarantine(outcome.path, root, sub.sha256, sub.original_name, blocking[sub.sha256])
            else:
                _quarantine_row(outcome, root, sub, blocking[sub.sha256])


def _quarantine_row(outcome: ReadOutcome, root: Path, sub: Submission, reasons: list[Failure]) -> None:
    """A rejected row of a many-returns file, set aside as the canonical JSON of what was read from it."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "row.json"
        copy.write_text(json.dumps(outcome.ret.to_json() if outcome.ret else {}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
        quarantine(copy, root, sub.sha256, sub.original_name + ".json", reasons)


def run_key(
    district_id: str, year: int, roster_sha256: str, sha256s: Sequence[str], evidence: Sequence[str] = ()
) -> str:
    """The run's identity: a hash of its inputs, so rerunning the same inputs is the same run. ``evidence``
    (see :func:`run_evidence`) adds waivers and last year's returns when there are any."""
    inputs: list[Any] = [district_id, year, roster_sha256, sorted(set(sha256s))]
    if evidence:
        inputs.append(sorted(evidence))
    payload = json.dumps(inputs)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load(
    warehouse: Warehouse, key: str, district_id: str, year: int, roster: Roster, judged: Judged
) -> dict[str, int]:
    warehouse.record_roster(district_id, roster.sha256, roster.path.name, roster.units)
    summary = warehouse.load_run(
        key, district_id, year, roster.sha256, judged.submissions, judged.failures, cells=judged.frame
    )
    return {"new": summary.new, "known": summary.known}


# --- consolidate and check -----------------------------------------------------------------------------------


@dataclass
class Consolidation:
    """The district report of one run and what it was built from."""

    node_id: str
    year: int
    units: pd.DataFrame  # position, unit_id, unit_name, kind, sha256/version of the latest accepted return
    district_cells: pd.DataFrame  # cell_key, value_int, value_dec
    unit_cells: pd.DataFrame  # unit_id, cell_key, value_int, value_dec

    def cells(self) -> dict[str, int | Decimal]:
        out: dict[str, int | Decimal] = {}
        for key, vi, vd in self.district_cells[["cell_key", "value_int", "value_dec"]].itertuples(index=False):
            out[key] = Decimal(str(vd)) if key == FEE_KEY else int(vi)
        return out

    def cells_by_unit(self) -> dict[str, dict[str, int | Decimal | None]]:
        out: dict[str, dict[str, int | Decimal | None]] = {}
        for unit_id, key, vi, vd in self.unit_cells[["unit_id", "cell_key", "value_int", "value_dec"]].itertuples(
            index=False
        ):
            value: int | Decimal | None
            if key == FEE_KEY:
                value = None if vd is None else Decimal(str(vd))
            else:
                value = None if pd.isna(vi) else int(vi)
            out.setdefault(unit_id, {})[key] = value
        return out


def consolidate(warehouse: Warehouse, roster: Roster, node_id: str, year: int) -> Consolidation:
    """Sum, in SQL, the latest accepted return of every reporting unit below ``node_id``."""
    scope = roster.below(node_id)
    ids = [u.unit_id for u in scope]
    latest = warehouse.latest_accepted(ids, year)
    by_id = {u.unit_id: u for u in scope}
    latest["unit_name"] = [by_id[i].unit_name for i in latest["unit_id"]]
    latest["kind"] = [by_id[i].kind for i in latest["unit_id"]]
    district = warehouse.consolidate(ids, year)
    shas = [s for s in latest["sha256"].dropna().tolist()]
    long = warehouse.cells_of(shas)
    unit_of = dict(zip(latest["sha256"], latest["unit_id"]))
    long.insert(0, "unit_id", [unit_of[s] for s in long["sha256"]])
    return Consolidation(node_id, year, latest, district, long.drop(columns=["sha256"]))


def check(consolidation: Consolidation, data_docs_dir: Path | None = None) -> CheckpointResult:
    """The Great Expectations checkpoint on the consolidated data (G1, G3, G4)."""
    roster = consolidation.units.rename(columns={"sha256": "accepted_submission_id"})[
        ["unit_id", "unit_name", "kind", "accepted_submission_id"]
    ]
    result = run_checkpoint(
        roster, consolidation.unit_cells, consolidation.district_cells, consolidation.year, data_docs_dir=data_docs_dir
    )
    if data_docs_dir is not None:
        from checkpoint.datadocs import make_offline

        make_offline(Path(data_docs_dir))
    return result


def why_missing(warehouse: Warehouse, consolidation: Consolidation) -> list[dict[str, Any]]:
    """For each unit without an accepted return: its latest submission, if any, and the rules that return failed."""
    missing = consolidation.units[consolidation.units["sha256"].isna()]
    ids = missing["unit_id"].tolist()
    if not ids:
        return []
    latest = warehouse.latest_submissions(ids, consolidation.year)
    failures = warehouse.failures_of_submissions(latest["sha256"].tolist()) if len(latest) else pd.DataFrame()
    out = []
    for unit_id, unit_name in missing[["unit_id", "unit_name"]].itertuples(index=False):
        row = latest[latest["unit_id"] == unit_id]
        entry: dict[str, Any] = {"unit_id": unit_id, "unit_name": unit_name, "file": None, "failures": []}
        if len(row):
            sha = row["sha256"].iloc[0]
            entry["file"] = row["original_name"].iloc[0]
            entry["version"] = int(row["version"].iloc[0])
            mine = failures[(failures["sha256"] == sha) & (failures["severity"] != "SOFT")] if len(failures) else []
            entry["failures"] = [
                {k: r[k] for k in ("rule", "severity", "cell", "expected", "actual", "message")}
                for _, r in (mine.iterrows() if len(mine) else [])
            ]
        out.append(entry)
    return out


# --- publish -------------------------------------------------------------------------------------------------


def unit_figures(consolidation: Consolidation, roster: Roster, warehouse: Warehouse) -> list[UnitFigures]:
    cells = consolidation.cells_by_unit()
    latest_any = warehouse.latest_submissions(consolidation.units["unit_id"].tolist(), consolidation.year)
    any_status = dict(zip(latest_any["unit_id"], latest_any["status"]))
    waived = {sha for sha, st in status_of(warehouse, consolidation.units["sha256"].dropna().tolist()).items() if st["waived"]}
    figures = []
    for row in consolidation.units.itertuples(index=False):
        accepted = isinstance(row.sha256, str)
        status = ("waived" if row.sha256 in waived else "accepted") if accepted else (
            "rejected" if row.unit_id in any_status else "missing"
        )
        figures.append(
            UnitFigures(
                unit_id=row.unit_id,
                unit_name=row.unit_name,
                kind=row.kind,
                status=status,
                version=int(row.version) if accepted else None,
                sha256=row.sha256 if accepted else None,
                cells=cells.get(row.unit_id, {}),
            )
        )
    return figures


def manifest(
    key: str,
    district_id: str,
    year: int,
    roster: Roster,
    consolidation: Consolidation,
    warehouse: Warehouse,
    result: CheckpointResult,
) -> dict[str, Any]:
    """What the report was built from: every unit's submission version and sha256, the roster's hash, the checkpoint.
    No wall-clock time in it, so a rerun publishes identical bytes."""
    shas = consolidation.units["sha256"].dropna().tolist()
    info = warehouse.known(shas)
    names = dict(
        warehouse.con.execute(
            "SELECT sha256, [original_name, reader] FROM submissions WHERE list_contains(?, sha256)", [shas]
        ).fetchall()
    )
    units = []
    for row in consolidation.units.itertuples(index=False):
        sha = row.sha256 if isinstance(row.sha256, str) else None
        units.append(
            {
                "unit_id": row.unit_id,
                "unit_name": row.unit_name,
                "kind": row.kind,
                "version": info[sha]["version"] if sha else None,
                "sha256": sha,
                "file": names[sha][0] if sha else None,
                "reader": names[sha][1] if sha else None,
            }
        )
    return {
        "format": "nianbao.manifest/1",
        "district_id": district_id,
        "year": year,
        "run": key,
        "roster": {"file": roster.path.name, "sha256": roster.sha256, "units": len(roster.units)},
        "units": units,
        # every waiver / acknowledgement in force on the returns the report was built from: who, when, why
        "waivers": waiver_records(warehouse, year, shas),
        "checkpoint": {
            "success": result.success,
            "statistics": result.statistics,
            "expectations": [{"name": o.name, "rule": o.rule, "success": o.success} for o in result.outcomes],
        },
    }


def district_name(roster: Roster, district_id: str) -> str:
    unit = roster.unit(district_id)
    return unit.unit_name if unit else district_id


def publish_report(
    consolidation: Consolidation,
    roster: Roster,
    district_id: str,
    warehouse: Warehouse,
    out_root: Path,
    key: str,
    result: CheckpointResult,
) -> PublishedFiles:
    report = DistrictReport(
        district_id=district_id,
        district_name=district_name(roster, district_id),
        year=consolidation.year,
        cells=consolidation.cells(),
        units=unit_figures(consolidation, roster, warehouse),
    )
    files = publish(report, out_root, manifest(key, district_id, consolidation.year, roster, consolidation, warehouse, result))
    manifest_sha = hashlib.sha256((files.folder / "manifest.json").read_bytes()).hexdigest()
    warehouse.record_publication(key, district_id, consolidation.year, str(files.folder), manifest_sha, files.files)
    return files


def checkpoint_rows(result: CheckpointResult) -> list[tuple[str, str, bool, list[dict[str, Any]]]]:
    return [(o.name, o.rule, o.success, o.unexpected) for o in result.outcomes]


def all_cells_present(cells: dict[str, Any]) -> bool:
    return all(k in cells for k in CELL_KEYS)


# --- audit ---------------------------------------------------------------------------------------------------


def run_folder(out_root: Path, key: str) -> Path:
    """Where a run's audit report and Data Docs go: ``OUT/runs/<run key>/`` (never inside a publish folder)."""
    return Path(out_root) / "runs" / key


def write_audit_report(warehouse: Warehouse, key: str, out_root: Path, result: CheckpointResult | None = None) -> Path:
    """Write ``OUT/runs/<run key>/audit.html`` (every run, blocked or not), linking the run's Data Docs page."""
    folder = run_folder(out_root, key)
    docs = None
    if result is not None and result.data_docs_page is not None:
        try:
            docs = Path(result.data_docs_page).resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            docs = Path(result.data_docs_page).resolve().as_uri()
    return write_audit(run_audit(warehouse, key, data_docs=docs), folder)
