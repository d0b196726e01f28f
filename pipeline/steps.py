"""The consolidation run as plain functions, one per step: collect → read → judge → load → consolidate →
checkpoint → publish. ``flows/`` wraps each in a Prefect task; tests and the REPL call them directly.

Every step works on a whole batch of returns at once (one pandera pass, one SQL statement), never one return at a
time through the orchestrator.

A run names one node of the roster tree — a district, a city, a province or the country — and consolidates,
checks and publishes that node and every node below it (pipeline/hierarchy.py): one SQL statement for every
node's sums, one Great Expectations run for every node's checks. Publication is ALL OR NOTHING per run: one
blocked node (e.g. a district missing one township, which blocks its city, province and country too) blocks the
publication of every node of the run, passing siblings included — see the note above ``publish_all``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeGuard

import pandas as pd

from audit.keeps import keep_note, keep_records
from audit.report import run_audit, write_audit
from audit.waivers import deviation_notes, waiver_records
from checkpoint.nodes import G5_COLUMNS, build_node_checks
from checkpoint.suite import CheckpointResult, run_node_checkpoint
from intake.read import ReadOutcome, read_submissions
from intake.roster import Roster
from pipeline.hierarchy import SCOPE_BY_KIND, NotANode, Tree, build_tree  # noqa: F401 (NotANode: for callers)
from pipeline.memory import collector_paused
from publish.atomic import PublishedFiles, publish, publish_many
from publish.confine import inside_out
from publish.layout import ANNEX_KEYS
from publish.model import DistrictReport, UnitFigures, check_report
from schemas.cellblock import detach
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.errors import NianbaoError
from schemas.failures import Failure
from schemas.frame import stack
from schemas.ids import check_id
from schemas.judge import judge_batch, judge_cross_year
from schemas.narrative import check_narrative
from schemas.roster import AGGREGATE_KINDS
from schemas.text import printable
from warehouse import chain
from warehouse.archive import keep_original, keep_originals_packed, quarantine, read_kept
from warehouse.evidence import waivers_for_year
from warehouse.keeps import keeps_for_year
from warehouse.prior import prior_cells
from warehouse.store import Submission, Warehouse

READ_BATCH = 2000  # files per read task: large enough that orchestration cost is negligible


# --- collect --------------------------------------------------------------------------------------------------


def collect(submissions_dir: Path) -> list[Path]:
    """Every regular file below the folder, in a stable order. Hidden files and symlinks are not submissions."""
    root = Path(submissions_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"Submissions folder {root} does not exist or is not a folder.")
    top = str(root)
    files: list[str] = []
    folders = [top]
    while folders:  # os.scandir, not rglob + stat per file: 150,000 files in well under a second
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.path)
    # The order of sorted(list of Path), sorting strings (Path.__lt__ cost 0.8 s for 150,000 files): a Path sorts
    # by its parts, so "a/b" comes before "a-b" although "-" < "/". Every path starts with ``top`` + a separator,
    # so only what follows decides: compare its parts — or, when no file lies in a sub-folder, the file names
    # themselves, which is plain string order. Collecting 150,000 files: 1.5 s -> 0.7 s (most of it the Paths).
    start = len(os.path.join(top, ""))
    if any(os.sep in f[start:] for f in files):
        files.sort(key=lambda f: f[start:].split(os.sep))
    else:
        files.sort()
    return [Path(f) for f in files]


def batches(items: Sequence[Any], size: int = READ_BATCH) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def read(paths: Sequence[Path], root: Path | None = None) -> list[ReadOutcome]:
    """Read every file, each outcome holding the bytes read: :func:`keep` archives and quarantines those bytes,
    never the path again (a file swapped after reading is not what gets kept). read_checked archives at once."""
    return read_submissions(paths, keep_bytes=True, root=root)  # root: no folder symlink followed below it


def read_checked(paths: Sequence[Path], archive: Path | None = None, root: Path | None = None) -> list[ReadOutcome]:
    """:func:`read`, plus the narrative checks X1–X3 of every return that names its unit: the only per-return work
    of validation, so it runs where the batch is read (in parallel on a Dask cluster); :func:`judge` then only runs
    the stacked, vectorised checks. A published report names no unit id: judge checks it after resolving its name.

    ``archive`` (:func:`files_root` of the warehouse): also keep the originals there as soon as they are read, in
    the same worker, from the bytes read and hashed: the batch's one-return files as ONE pack
    (warehouse.archive.keep_originals_packed: one file write per batch, not one per return), a many-returns file
    (Parquet) as a file of its own. Only where that folder is reachable (this machine, or a shared file system)."""
    with collector_paused():  # a worker builds thousands of returns at once (pipeline/memory.py)
        outcomes = read_submissions(paths, keep_bytes=archive is not None, root=root)
    for o in outcomes:
        if o.ret is not None and o.ret.unit_id:
            o.narrative_failures = check_narrative(o.ret) if o.ret.narrative else []
    # the batch's cells as one array per cell (schemas.cellblock): what the flow's process receives and stacks
    # (a Parquet file's rows are read into a block already: intake.parquet.returns_from_table)
    readable = [o.ret for o in outcomes if o.ret is not None and isinstance(o.ret.cells, dict)]
    for ret, row in zip(readable, detach([ret.cells for ret in readable])):
        ret.cells = row  # type: ignore[assignment]  # a read-only row view stands in for the dict
    if archive is not None:
        packed = {o.sha256: o.data for o in outcomes if o.data is not None and o.sha256}
        kept = keep_originals_packed(packed, Path(archive)) if packed else {}
        for o in outcomes:
            o.data = None  # not sent back to the flow's process
            sha = o.container_sha256 if o.row is not None else o.sha256
            if sha and sha not in kept:  # a Parquet file (kept whole, once), or a file too big to have been read
                kept[sha] = str(keep_original(o.path, Path(archive), sha))
            o.kept = kept.get(sha, "")
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


def display_names(outcomes: Sequence[ReadOutcome], root: Path | None) -> list[str]:
    """The name a person recognises for each outcome: its path inside the submissions folder (the folder's prefix
    worked out once: 150,000 names 0.4 s -> 0.2 s)."""
    if root is None:
        return [o.original_name for o in outcomes]
    # plain string work: Path.relative_to costs ~10 µs, a second and a half over 150,000 files
    prefix = os.path.join(str(root), "")
    start = len(prefix)
    names = []
    for o in outcomes:
        path = str(o.path)
        if path.startswith(prefix):
            name = path[start:].replace(os.sep, "/") if os.sep != "/" else path[start:]
            name = printable(name)  # a folder or file name that is not UTF-8 (a Windows ZIP's GBK) shown escaped
            names.append(name if o.row is None else f"{name}#{o.row}")  # one row of a Parquet file
        else:
            names.append(o.original_name)
    return names


def judge(
    outcomes: Sequence[ReadOutcome],
    roster: Roster,
    district_id: str,
    year: int,
    submissions_root: Path | None = None,
) -> Judged:
    """Judge the batch: its read-time failures (I1, S1), then every rule of schemas.judge.judge_batch that needs
    no warehouse (I2–I4, S, A, L, P, X) in one pass; :func:`cross_year` then adds the cross-year rules."""
    names = display_names(outcomes, submissions_root)
    failures: list[tuple[str | None, Failure]] = []
    for name, o in zip(names, outcomes):
        failures.extend((o.sha256, _with_file(f, name)) for f in o.failures)
    readable = [(n, o) for n, o in zip(names, outcomes) if o.ret is not None]
    shas = [o.sha256 for _, o in readable]
    verdict = judge_batch(
        [o.ret for _, o in readable if o.ret is not None],  # all of them: readable means a return
        names=[n for n, _ in readable],
        year=year,
        roster=roster.units,
        district_id=district_id,
        narrative_failures=[o.narrative_failures for _, o in readable],  # X1–X3 where read_checked ran them
        contents=shas,
    )
    failures.extend((shas[i], f) for i, f in verdict.failures)
    frame = verdict.frame
    frame.index = pd.Index(shas, name="sha256")

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
                year=ret.year if ret and _storable_year(ret.year) else None,  # else S5 names the value
                status="rejected" if (ret is None or o.sha256 in blocked) else "accepted",
                ret=ret,
            )
        )
    return Judged(submissions=submissions, failures=failures, outcomes=list(outcomes), frame=frame)


def _storable_year(year: object) -> TypeGuard[int]:
    """A year the warehouse's INTEGER column holds (99999999999 or 2**70 fails S5 and is recorded as NULL)."""
    return isinstance(year, int) and not isinstance(year, bool) and -(2**31) <= year < 2**31


def _with_file(f: Failure, name: str) -> Failure:
    return f if f.file == name else replace(f, file=name)


def cross_year(warehouse: Warehouse, judged: Judged, roster: Roster, year: int) -> Judged:
    """Check each readable return for ``year`` against its unit's accepted return for ``year - 1`` in the warehouse
    (Y1 HARD-W; P2, P3, P5, P6 SOFT; N1 notes a unit with no prior return): the cross-year half of
    schemas.judge.judge_batch, on the frame :func:`judge` stacked. A new Y1 failure rejects the file, unless an
    auditor waives it later (``nianbao waive``)."""
    now = [s for s in judged.submissions if s.ret is not None and s.unit_id and s.year == year]
    if not now:
        return judged
    prior = prior_cells(warehouse, [s.unit_id for s in now if s.unit_id], year)
    kinds = {u.unit_id: u.kind for u in roster.units}
    readable = [s for s in judged.submissions if s.ret is not None]
    frame = judged.frame
    if frame is None:  # a Judged built by hand: stack its readable returns as judge would
        frame = stack([s.ret for s in readable if s.ret is not None], [s.original_name for s in readable])
        frame.index = pd.Index([s.sha256 for s in readable], name="sha256")
    shas = frame.index.tolist()  # as a list: iterating the Arrow-backed sha256 index item by item is ~5x slower
    found = judge_cross_year(frame, prior, year=year, kinds=kinds)  # by row position: the index is not read
    failures = list(judged.failures) + [(shas[i], f) for i, f in found]
    blocked = {sha for sha, f in failures if sha is not None and f.blocking}
    for sub in judged.submissions:
        if sub.sha256 in blocked:
            sub.status = "rejected"
    return Judged(submissions=judged.submissions, failures=failures, outcomes=judged.outcomes, frame=judged.frame)


def run_evidence(warehouse: Warehouse, year: int, unit_ids: Sequence[str], sha256s: Sequence[str] = ()) -> list[str]:
    """What a run's verdicts depend on besides its files: the waivers and keeps recorded for ``year`` (revocations
    too) and last year's accepted returns (cross-year rules). Part of the run key, so a new waiver or keep makes a
    new run.
    ``sha256s`` (the batch's files): a file received before whose unit has sent another since is re-sent — it
    becomes current again, so the batch is a new run, not a rerun of the one that first received it."""
    waivers = waivers_for_year(warehouse, year)
    ids = [f"waiver:{int(i)}" for i in waivers["waiver_id"]] + [
        f"revoked:{int(i)}" for i in waivers["revoked_by_id"].dropna()
    ]
    keeps = keeps_for_year(warehouse, year)  # a keep (or its revocation) decides which version is counted
    ids += [f"keep:{int(i)}" for i in keeps["keep_id"]] + [
        f"revoked-keep:{int(i)}" for i in keeps["revoked_by_id"].dropna()
    ]
    prior = warehouse.latest_accepted(list(unit_ids), year - 1)
    resent = warehouse.resent([s for s in sha256s if s]) if sha256s else []
    return sorted(ids) + sorted(f"prior:{sha}" for sha in prior["sha256"].dropna()) + resent


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
    # kept already where the batch was read (read_checked with an archive): nothing to copy, not even a stat.
    # ``o.kept`` is already the text of a Path (warehouse.archive returns Paths or "<pack path>#<sha256>"), so it
    # is used as it is: a Path made of it only to be turned back into the same text cost 1 s for 150,000 returns.
    kept: dict[str, str | Path] = {
        (o.container_sha256 if o.row is not None else o.sha256): o.kept for _, o in pairs if o.kept
    }
    # the bytes read when the outcome holds them; else the path, copied only if it still has the hash read
    # (warehouse.archive.NotTheBytesRead otherwise): a file swapped after reading is never kept in its place
    todo: dict[str, Path | bytes] = {
        o.container_sha256: o.path for _, o in pairs if o.row is not None and o.container_sha256 not in kept
    }
    todo |= {
        s.sha256: (o.data if o.data is not None else o.path) for s, o in pairs if o.row is None and s.sha256 not in kept
    }

    def store(chunk: list[tuple[str, Path | bytes]]) -> list[tuple[str, Path]]:
        return [(sha, keep_original(path, root, sha)) for sha, path in chunk]

    items = list(todo.items())
    with ThreadPoolExecutor(
        KEEP_THREADS
    ) as pool:  # chunks of 256 files: a thread job per file costs more than it saves
        for done in pool.map(store, [items[i : i + 256] for i in range(0, len(items), 256)]):
            kept.update(done)
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
            if outcome.row is None:  # from the kept original (the bytes judged), never from the path again
                quarantine(read_kept(sub.stored_path), root, sub.sha256, sub.original_name, blocking[sub.sha256])
            else:
                _quarantine_row(outcome, root, sub, blocking[sub.sha256])


def _quarantine_row(outcome: ReadOutcome, root: Path, sub: Submission, reasons: list[Failure]) -> None:
    """A rejected row of a many-returns file, set aside as the canonical JSON of what was read from it."""
    data = json.dumps(outcome.ret.to_json() if outcome.ret else {}, ensure_ascii=False, indent=1).encode("utf-8")
    quarantine(data, root, sub.sha256, sub.original_name + ".json", reasons)


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


def load(warehouse: Warehouse, key: str, district_id: str, year: int, roster: Roster, judged: Judged) -> dict[str, int]:
    warehouse.record_roster(district_id, roster.sha256, roster.path.name, roster.units)
    summary = warehouse.load_run(
        key, district_id, year, roster.sha256, judged.submissions, judged.failures, cells=judged.frame
    )
    return {"new": summary.new, "known": summary.known}


# --- consolidate and check -----------------------------------------------------------------------------------
#
# A run consolidates the node it names (a district, a city, a province, the country) and every node below it
# (pipeline/hierarchy.py): one SQL statement sums every node, one GX run checks every node. Publication is all or
# nothing at the level of the run: see publish_all.


@dataclass
class Consolidation:
    """The reports of one run — its node and every node below it — and what they were built from."""

    node_id: str  # the node the run was asked for (the tree's root)
    year: int
    # position, unit_id, unit_name, kind, sha256/version of the return in force, and the unit's verdict with its
    # current return (Warehouse.unit_verdicts: verdict, keep_id, current_sha256, current_version, current_rules)
    units: pd.DataFrame
    district_cells: pd.DataFrame  # cell_key, value_int, value_dec of ``node_id`` (the run's own report)
    # unit_id, cell_key, value_int, value_dec of each unit's latest accepted return: only the cells the annex
    # shows (publish.layout.ANNEX_KEYS), so a 150,000-unit tree does not pull 30 million cells into pandas
    unit_cells: pd.DataFrame
    tree: Tree | None = None
    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)  # node_id, node_name, kind, home, depth
    node_cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # node_id, cell_key, value_int, value_dec
    direct_sums: pd.DataFrame = field(default_factory=pd.DataFrame)  # for the checkpoint (G3): see checkpoint.nodes

    def cells(self, node_id: str | None = None) -> dict[str, int | Decimal]:
        """The 200 cells of a node's report (the run's own node by default)."""
        if node_id is None or node_id == self.node_id:
            frame = self.district_cells
        else:
            frame = self.node_cells[self.node_cells["node_id"] == node_id]
        out: dict[str, int | Decimal] = {}
        for key, vi, vd in frame[["cell_key", "value_int", "value_dec"]].itertuples(index=False):
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

    def unit_homes(self) -> pd.DataFrame:
        """unit_id, unit_name, home, accepted_submission_id: each reporting unit once, in roster order, with the
        node it reports to directly (G1 rows; the checkpoint derives the nodes above it from ``nodes.home``)."""
        assert self.tree is not None
        unit_ids = [u.unit_id for u in self.tree.units]
        frame = pd.DataFrame({"unit_id": unit_ids, "home": [self.tree.home[u] for u in unit_ids]})
        latest = self.units.drop_duplicates("unit_id", keep="last").set_index("unit_id")
        frame["unit_name"] = frame["unit_id"].map(latest["unit_name"])  # Series.map: one vectorised look-up
        sha = frame["unit_id"].map(latest["sha256"])
        frame["accepted_submission_id"] = sha.astype(object).where(sha.notna(), None)
        for column in G5_COLUMNS:  # the verdicts G5 reads (Warehouse.unit_verdicts), when the units carry them
            if column in latest.columns:
                frame[column] = frame["unit_id"].map(latest[column])
        return frame

    def verdicts(self) -> dict[str, str]:
        """unit_id -> its verdict (accepted | waived | kept | rejected | missing; schemas.verdicts), roster order."""
        if "verdict" not in self.units.columns:  # units built by hand, without verdicts: accepted or not
            return {
                u: ("accepted" if isinstance(s, str) else "missing")
                for u, s in zip(self.units["unit_id"].tolist(), self.units["sha256"].tolist())
            }
        return dict(zip(self.units["unit_id"].tolist(), self.units["verdict"].tolist()))


def check_node(roster: Roster, node_id: str) -> Tree:
    """The tree below ``node_id``; raises :class:`NotANode` before any work when the run names a reporting unit."""
    return build_tree(roster, node_id)


def consolidate(warehouse: Warehouse, roster: Roster, node_id: str, year: int) -> Consolidation:
    """Sum, in ONE SQL statement, the latest accepted return of every reporting unit below ``node_id`` into that
    node and into every node below it (each unit counts in every node above it: the closure of the tree)."""
    tree = build_tree(roster, node_id)
    ids = [u.unit_id for u in tree.units]
    latest = warehouse.unit_verdicts(ids, year)  # the return in force of each unit, and its verdict (G1, G5)
    by_id = {u.unit_id: u for u in tree.units}
    units = [by_id[i] for i in latest["unit_id"].tolist()]  # tolist: iterating an Arrow-backed column is 5x slower
    latest["unit_name"] = [u.unit_name for u in units]
    latest["kind"] = [u.kind for u in units]
    node_ids = [n.unit_id for n in tree.nodes]
    closure_nodes, closure_units = tree.unit_closure()
    node_cells = warehouse.consolidate_nodes(node_ids, closure_nodes, closure_units, year)
    direct = warehouse.direct_sums(ids, [tree.home[i] for i in ids], year)
    own = node_cells[node_cells["node_id"] == node_id][["cell_key", "value_int", "value_dec"]].reset_index(drop=True)
    nodes = pd.DataFrame(
        {
            "node_id": node_ids,
            "node_name": [n.unit_name for n in tree.nodes],
            "kind": [n.kind for n in tree.nodes],
            "home": [tree.home[n] for n in node_ids],
            "depth": [tree.depth[n] for n in node_ids],
        }
    )
    accepted = latest[latest["sha256"].notna()]
    annex = warehouse.cells_of(accepted["sha256"].tolist(), ANNEX_KEYS, unit_ids=accepted["unit_id"].tolist())
    return Consolidation(
        node_id,
        year,
        latest,
        own,
        annex,
        tree=tree,
        nodes=nodes,
        node_cells=node_cells,
        direct_sums=direct,
    )


def check(consolidation: Consolidation, data_docs_dir: Path | None = None) -> CheckpointResult:
    """The Great Expectations checkpoint (G1, G3, G4, G5) on every node of the run, in ONE GX run on a stacked frame
    (checkpoint.nodes). A failure names its node: see checkpoint.suite.run_node_checkpoint."""
    checks = build_node_checks(
        consolidation.nodes, consolidation.unit_homes(), consolidation.node_cells, consolidation.direct_sums
    )
    try:
        result = run_node_checkpoint(
            checks,
            consolidation.year,
            f"{consolidation.node_id}_{consolidation.year}",
            data_docs_dir=data_docs_dir,
            nodes=consolidation.nodes,
        )
        if data_docs_dir is not None:
            from checkpoint.datadocs import make_offline

            make_offline(Path(data_docs_dir))
    except OSError as exc:  # a full disk says "[Errno 28]" and no file: name the folder (nothing is recorded yet)
        if data_docs_dir is None:
            raise
        raise OSError(
            exc.errno, f"{exc.strerror or exc} — the Data Docs cannot be written", str(data_docs_dir)
        ) from exc
    return result


def blocked_nodes(result: CheckpointResult) -> dict[str, list[str]]:
    """node_id -> the units below it without an accepted return, or whose latest return is rejected with nothing
    kept (from the checkpoint's G1 and G5 rows)."""
    out: dict[str, list[str]] = {}
    for outcome in result.outcomes:
        if outcome.rule in ("G1", "G5"):
            for row in outcome.unexpected:
                out.setdefault(row.get("node_id", ""), []).append(row["unit_id"])
    return out


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
            mine = failures[(failures["sha256"] == sha) & (failures["severity"] != "SOFT")] if len(failures) else None
            entry["failures"] = [
                {k: r[k] for k in ("rule", "severity", "cell", "expected", "actual", "message")}
                for _, r in (mine.iterrows() if mine is not None else [])
            ]
        out.append(entry)
    return out


# --- publish -------------------------------------------------------------------------------------------------
#
# All or nothing per run. A run publishes only when the checkpoint passes for EVERY node of it: one blocked node
# (a district, and so its city, province and country, because one township has no accepted return) blocks the
# publication of every node of the run, its passing sibling districts included. Publishing the passing nodes
# alone is not safe: a sibling district would be republished with this run's figures while its (blocked) city
# keeps an older run's publication, and the published reports would no longer add up. Run the blocked sibling
# districts on their own (``--district``) to publish them meanwhile.
#
# Every node's report is built and checked before anything is written; then publish.atomic.publish_many stages
# all of them and switches them in with ONE rename (OUT/<node>/<year>/ is read through OUT/.published/current):
# a crash at any point leaves every node at the previous run or every node at this one, never a mix, and the
# next publication clears what the dead one left. The warehouse records the publications after the switch.


@dataclass
class AnnexData:
    """What every node's annex and manifest read, gathered once per run in a few bulk queries (not per node)."""

    accepted: dict[str, tuple[str, int]]  # unit_id -> (sha256, version) of its latest accepted return
    any_status: dict[str, str]  # unit_id -> status of its latest submission, whatever it is
    waived: set[str]  # sha256 of returns accepted through a waiver
    info: dict[str, tuple[int, str, str]]  # sha256 -> (version, original_name, reader)
    waivers: list[dict[str, Any]]  # waiver records in force on the accepted returns
    unit_cells: dict[str, dict[str, int | Decimal | None]]  # the annex cells of each unit
    node_cells: dict[str, dict[str, int | Decimal]]  # every node's 200 cells
    notes: dict[str, str] = field(default_factory=dict)  # sha256 -> how a deviating return was counted (S6)
    verdicts: dict[str, str] = field(default_factory=dict)  # unit_id -> its verdict (Warehouse.unit_verdicts)
    keeps: dict[str, dict[str, Any]] = field(default_factory=dict)  # unit_id -> the keep in force (audit.keeps)

    @classmethod
    def gather(cls, consolidation: Consolidation, warehouse: Warehouse) -> AnnexData:
        units = consolidation.units
        accepted = units[units["sha256"].notna()]
        shas = accepted["sha256"].tolist()
        latest_any = warehouse.latest_submissions(units["unit_id"].tolist(), consolidation.year)
        info = warehouse.submission_info(shas)
        node_cells: dict[str, dict[str, int | Decimal]] = {}
        frame = consolidation.node_cells
        if len(frame):
            for node_id, key, vi, vd in frame[["node_id", "cell_key", "value_int", "value_dec"]].itertuples(
                index=False
            ):
                node_cells.setdefault(node_id, {})[key] = Decimal(str(vd)) if key == FEE_KEY else int(vi)
        else:  # a Consolidation built by hand with only its own report
            node_cells[consolidation.node_id] = consolidation.cells()
        waivers = waiver_records(warehouse, consolidation.year, shas)
        verdicts = consolidation.verdicts()
        kept = {u for u, v in verdicts.items() if v == "kept"}
        keeps = {k["unit_id"]: k for k in keep_records(warehouse, consolidation.year) if k["unit_id"] in kept}
        return cls(
            accepted={
                u: (sha, int(v)) for u, sha, v in accepted[["unit_id", "sha256", "version"]].itertuples(index=False)
            },
            any_status=dict(zip(latest_any["unit_id"], latest_any["status"])),
            waived=warehouse.waived_among(shas),
            info={sha: (int(v), name, reader) for sha, v, name, reader in info.itertuples(index=False)},
            waivers=waivers,
            unit_cells=consolidation.cells_by_unit(),
            node_cells=node_cells,
            notes=deviation_notes(waivers),
            verdicts=verdicts,
            keeps=keeps,
        )


def _tree(consolidation: Consolidation, roster: Roster) -> Tree:
    return consolidation.tree if consolidation.tree is not None else build_tree(roster, consolidation.node_id)


def unit_figures(
    consolidation: Consolidation,
    roster: Roster,
    warehouse: Warehouse,
    node_id: str | None = None,
    data: AnnexData | None = None,
) -> list[UnitFigures]:
    """The annex of a node (the run's own by default): what reports to it directly, in roster order — for a
    district its units; for a city its districts (and any unit of its own), each with its consolidated figures
    and status ``consolidated``; and so on up to the country."""
    data = data or AnnexData.gather(consolidation, warehouse)
    tree = _tree(consolidation, roster)
    figures = []
    for child in tree.children(node_id or consolidation.node_id):
        if child.kind in AGGREGATE_KINDS:  # a child node: published by the same run, so it passed the checkpoint
            figures.append(
                UnitFigures(
                    child.unit_id,
                    child.unit_name,
                    child.kind,
                    "consolidated",
                    None,
                    None,
                    dict(data.node_cells.get(child.unit_id, {})),
                )
            )
            continue
        sha, version = data.accepted.get(child.unit_id, (None, None))
        note = data.notes.get(sha, "") if sha else ""
        if child.unit_id in data.keeps:  # an older version counted by the office's decision (`nianbao keep`)
            status, note = "kept", "；".join(n for n in (keep_note(data.keeps[child.unit_id]), note) if n)
        elif sha is not None:
            status = "waived" if sha in data.waived else "accepted"
        else:
            status = "rejected" if child.unit_id in data.any_status else "missing"
        figures.append(
            UnitFigures(
                unit_id=child.unit_id,
                unit_name=child.unit_name,
                kind=child.kind,
                status=status,
                version=version,
                sha256=sha,
                cells=data.unit_cells.get(child.unit_id, {}),
                note=note,
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
    data: AnnexData | None = None,
) -> dict[str, Any]:
    """What a node's report was built from: every unit below it (at any depth) with its submission version and
    sha256, the roster's hash, the checkpoint, and — for a node above districts — its child nodes. No wall-clock
    time in it, so a rerun publishes identical bytes."""
    data = data or AnnexData.gather(consolidation, warehouse)
    tree = _tree(consolidation, roster)
    units = []
    shas: set[str] = set()
    for u in tree.units_below(district_id):
        sha = data.accepted.get(u.unit_id, (None, None))[0]
        version, file, reader = data.info[sha] if sha else (None, None, None)
        if sha:
            shas.add(sha)
        units.append(
            {
                "unit_id": u.unit_id,
                "unit_name": u.unit_name,
                "kind": u.kind,
                "version": version,
                "sha256": sha,
                "file": file,
                "reader": reader,
            }
        )
    out: dict[str, Any] = {
        "format": "nianbao.manifest/1",
        "district_id": district_id,
        "year": year,
        "run": key,
        "roster": {"file": roster.path.name, "sha256": roster.sha256, "units": len(roster.units)},
        "units": units,
        # every waiver / acknowledgement in force on the returns the report was built from: who, when, why
        "waivers": [w for w in data.waivers if w["sha256"] in shas],
        # every keep in force: an older accepted version counted instead of the rejected latest one (G5)
        "keeps": [k for k in data.keeps.values() if k["sha256"] in shas],
        "checkpoint": {
            "success": result.success,
            "statistics": result.statistics,
            "expectations": [{"name": o.name, "rule": o.rule, "success": o.success} for o in result.outcomes],
        },
        # the evidence chain's heads when the run's evidence was recorded: `nianbao audit --verify` checks them
        chain.MANIFEST_KEY: chain.heads_of_run(warehouse.con, key),
    }
    child_nodes = [c for c in tree.children(district_id) if c.kind in AGGREGATE_KINDS]
    if child_nodes:  # a city, province or country: the nodes whose reports this one adds up (same run)
        out["children"] = [{"node_id": c.unit_id, "node_name": c.unit_name, "kind": c.kind} for c in child_nodes]
    return out


def district_name(roster: Roster, district_id: str) -> str:
    unit = roster.unit(district_id)
    return unit.unit_name if unit else district_id


def node_report(
    consolidation: Consolidation, roster: Roster, node_id: str, warehouse: Warehouse, data: AnnexData | None = None
) -> DistrictReport:
    """The report of one node of the run: its 200 cells, its scope (全区/全市/全省/全国) and its annex."""
    data = data or AnnexData.gather(consolidation, warehouse)
    tree = _tree(consolidation, roster)
    node = tree.node(node_id)
    below = {u.unit_id for u in tree.units_below(node_id)}
    return DistrictReport(
        district_id=node_id,
        district_name=node.unit_name,
        year=consolidation.year,
        cells=dict(data.node_cells[node_id]),
        units=unit_figures(consolidation, roster, warehouse, node_id, data),
        scope=SCOPE_BY_KIND.get(node.kind, "全区"),
        kind=node.kind,
        waivers=[w for w in data.waivers if w["unit_id"] in below],
        keeps=[k for u, k in data.keeps.items() if u in below],
    )


def _publish_node(
    report: DistrictReport,
    consolidation: Consolidation,
    roster: Roster,
    warehouse: Warehouse,
    out_root: Path,
    key: str,
    result: CheckpointResult,
    data: AnnexData,
) -> PublishedFiles:
    node_id = report.district_id
    files = publish(
        report, out_root, manifest(key, node_id, consolidation.year, roster, consolidation, warehouse, result, data)
    )
    _record_node(warehouse, consolidation, key, node_id, files)
    return files


def _record_node(
    warehouse: Warehouse, consolidation: Consolidation, key: str, node_id: str, files: PublishedFiles
) -> None:
    """The warehouse's record of one published node (after its files are in place, never before)."""
    manifest_sha = files.files["manifest.json"]  # the sha256 of the manifest bytes written (publish.atomic)
    if node_id == consolidation.node_id:  # the run's own node: the `publications` row, as for a district run
        warehouse.record_publication(key, node_id, consolidation.year, str(files.folder), manifest_sha, files.files)
    warehouse.record_node_publication(key, node_id, consolidation.year, str(files.folder), manifest_sha, files.files)


def publish_report(
    consolidation: Consolidation,
    roster: Roster,
    district_id: str,
    warehouse: Warehouse,
    out_root: Path,
    key: str,
    result: CheckpointResult,
) -> PublishedFiles:
    """Publish one node's report (any node of the run) into OUT/<node_id>/<year>/. Use publish_all for a run."""
    chain.require_intact(warehouse.con)  # never publish from tampered evidence (raises ChainBroken)
    data = AnnexData.gather(consolidation, warehouse)
    report = node_report(consolidation, roster, district_id, warehouse, data)
    return _publish_node(report, consolidation, roster, warehouse, out_root, key, result, data)


class PublicationRefused(NianbaoError, RuntimeError):
    """publish_all was called for a run whose checkpoint failed (a programming error: the flow blocks first)."""


def publish_all(
    consolidation: Consolidation,
    roster: Roster,
    warehouse: Warehouse,
    out_root: Path,
    key: str,
    result: CheckpointResult,
    before_record: Callable[[dict[str, PublishedFiles]], Any] | None = None,
) -> dict[str, PublishedFiles]:
    """Publish every node of the run (children first), each into OUT/<node_id>/<year>/ — only when the
    checkpoint passed for every node (see the note above). Returns node_id -> its published files.

    Every node's files are written before any publication is recorded, and ``before_record`` (e.g. writing the
    run's audit report) runs between: a failure writing any output (a full disk) raises naming the path and leaves
    no publication recorded; rerunning publishes and records them."""
    if not result.success:
        raise PublicationRefused(
            f"run {key}: the checkpoint failed for {', '.join(sorted(blocked_nodes(result))) or 'the run'}; "
            "no node of the run may be published"
        )
    chain.require_intact(warehouse.con)  # never publish from tampered evidence (raises ChainBroken, naming the row)
    data = AnnexData.gather(consolidation, warehouse)
    tree = _tree(consolidation, roster)
    reports = [node_report(consolidation, roster, n.unit_id, warehouse, data) for n in tree.bottom_up()]
    for report in reports:  # refuse before writing anything when any report cannot be rendered
        check_report(report)
    items = [
        (r, manifest(key, r.district_id, consolidation.year, roster, consolidation, warehouse, result, data))
        for r in reports
    ]
    published = publish_many(items, out_root)  # every node staged, then ONE switch: all of them or none
    if before_record is not None:  # e.g. the run's audit report: a failure writing it leaves nothing recorded
        before_record(published)
    for report in reports:
        _record_node(warehouse, consolidation, key, report.district_id, published[report.district_id])
    return {report.district_id: published[report.district_id] for report in reports}


def checkpoint_rows(result: CheckpointResult) -> list[tuple[str, str, bool, list[dict[str, Any]]]]:
    return [(o.name, o.rule, o.success, o.unexpected) for o in result.outcomes]


def all_cells_present(cells: dict[str, Any]) -> bool:
    return all(k in cells for k in CELL_KEYS)


# --- audit ---------------------------------------------------------------------------------------------------


def run_folder(out_root: Path, key: str) -> Path:
    """Where a run's audit report and Data Docs go: ``OUT/runs/<run key>/`` (never inside a publish folder).
    The key must be a safe id and the folder must resolve inside OUT (publish.confine)."""
    return inside_out(out_root, Path(out_root) / "runs" / check_id(key, "run key"), "run folder")


def write_audit_report(
    warehouse: Warehouse,
    key: str,
    out_root: Path,
    result: CheckpointResult | None = None,
    publication_folder: Path | None = None,
) -> Path:
    """Write ``OUT/runs/<run key>/audit.html`` (every run, blocked or not), linking the run's Data Docs page.
    ``publication_folder``: the run's folder, written but not yet recorded (publish_all's ``before_record``)."""
    folder = run_folder(out_root, key)
    docs = None
    if result is not None and result.data_docs_page is not None:
        try:
            docs = Path(result.data_docs_page).resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            docs = Path(result.data_docs_page).resolve().as_uri()
    published = None if publication_folder is None else str(publication_folder)
    return write_audit(run_audit(warehouse, key, data_docs=docs, publication_folder=published), folder)
