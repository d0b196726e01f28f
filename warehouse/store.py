"""The DuckDB warehouse: one file holds the rosters, every submission and its cells, every validation result,
each run's consolidated reports (one per node of its tree), checkpoint outcome and publications.

Writes happen in transactions: a crash mid-load leaves the file as it was before the load. Evidence tables are
append-only (see sql/create_tables.sql). SQL lives in ``sql/*.sql`` beside this module, one statement per file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Self

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.errors import NianbaoError
from schemas.failures import Failure
from schemas.frame import stack
from schemas.returns import CanonicalReturn
from schemas.roster import RosterUnit
from schemas.values import fee_fits, fee_text
from warehouse import chain
from warehouse.deviations import deviations_table, single_rows
from warehouse.migrate import retire_district_tables


class WarehouseError(NianbaoError):
    """Base of warehouse errors."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse file for writing."""


@cache
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return resources.files("warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


@dataclass
class Submission:
    """One received file, ready to be recorded: what it is, who sent it, and what it said."""

    sha256: str
    original_name: str
    stored_path: str
    size_bytes: int
    reader: str
    unit_id: str | None
    year: int | None
    status: str  # accepted | rejected
    ret: CanonicalReturn | None


@dataclass(frozen=True)
class LoadSummary:
    new: int  # submissions recorded by this load
    known: int  # already in the warehouse (same bytes): nothing added


_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}


def now() -> datetime:
    return datetime.now(UTC)


class Warehouse:
    """A connection to the warehouse file. Use as a context manager; one writer at a time."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(
                    f"The warehouse {self.path} is in use by another nianbao run (DuckDB holds a lock on it). "
                    "Wait for that run to finish, then start again; nothing was written."
                ) from exc
            raise WarehouseError(f"Cannot open the warehouse {self.path}: {exc}") from exc
        if not read_only:
            self._create()
        # a file last written before receipts (create_tables.sql), opened read-only, cannot be given them: the
        # queries that pick a unit's current return then fall back to the highest version (nianbao audit still works)
        self.has_receipts = bool(self.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'receipts'"))
        if read_only and self.has_receipts and not self._has_table("keeps"):
            self._keeps_stand_in()

    def _has_table(self, name: str) -> bool:
        return bool(self.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]))

    def _keeps_stand_in(self) -> None:
        """A file last written before keeps, opened read-only (nothing can be added to it): the keeps table and its
        views as TEMP objects of this connection only, so every query reads the same views (an empty keeps table:
        nothing is kept). The file itself is not touched."""
        text = sql("create_keep_tables")
        for plain, temp in (
            ("CREATE SEQUENCE IF NOT EXISTS", "CREATE TEMP SEQUENCE IF NOT EXISTS"),
            ("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE IF NOT EXISTS"),
            ("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW"),
        ):
            text = text.replace(plain, temp)
        self.con.execute(text)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _create(self) -> None:
        with self.transaction():
            self.con.execute(sql("create_tables"))
            self.con.execute(sql("create_evidence_tables"))  # waivers + submission_status view
            self.con.execute(sql("create_node_tables"))  # every node of a tree run: node_cells, node_publications
            self.con.execute(sql("create_source_tables"))  # where a published report's cells were read
            self.con.execute(sql("create_deviation_tables"))  # a single (六) row (S6): also added to old files
            self.con.execute(sql("create_keep_tables"))  # older versions kept by the office: also added to old files
            retire_district_tables(self.con)  # a file from before the tree: its district-era tables moved over
            chained = chain.exists(self.con)
            fresh_receipts = not self.scalar("SELECT count(*) FROM receipts")
            self.con.execute(sql("backfill_receipts"))  # a file from before receipts: each submission's first one
            if chained and fresh_receipts:  # a chained file from before receipts: its backfilled receipts linked now
                chain.seal(self.con, {"receipts": None}, None)
            keys = pa.table(
                {
                    "cell_key": list(CELL_KEYS),
                    "position": list(range(1, len(CELL_KEYS) + 1)),
                    "is_fee": [k == FEE_KEY for k in CELL_KEYS],
                }
            )
            self.con.register("new_keys", keys)
            self.con.execute("INSERT OR IGNORE INTO cell_keys SELECT * FROM new_keys")
            self.con.unregister("new_keys")
            chain.ensure(self.con)  # the evidence chain (warehouse/chain.py); an older file's rows sealed as they are

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: commit at the end of the block, roll back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def scalar(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        rows = self.con.execute(query, params or []).fetchall()  # fetch all: DuckDB 2 refuses new work otherwise
        return rows[0][0] if rows else None

    def frame(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Query result as pandas through Arrow: DECIMAL stays Python Decimal (never float), integers stay Int64."""
        table = self.con.sql(query, params=params or None).to_arrow_table()
        return table.to_pandas(types_mapper=_PANDAS_TYPES.get)

    def counts(self) -> dict[str, int]:
        """Rows per table: what tests compare before and after a rerun."""
        tables = [r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: self.scalar(f'SELECT count(*) FROM "{t}"') for t in tables}

    # --- roster and runs --------------------------------------------------------------------------------

    def record_roster(
        self, district_id: str, roster_sha256: str, source_name: str, units: Sequence[RosterUnit]
    ) -> None:
        if self.scalar("SELECT count(*) FROM rosters WHERE roster_sha256 = ?", [roster_sha256]):
            return
        table = pa.table(
            {
                "roster_sha256": [roster_sha256] * len(units),
                "position": list(range(1, len(units) + 1)),
                "unit_id": [u.unit_id for u in units],
                "unit_name": [u.unit_name for u in units],
                "kind": [u.kind for u in units],
                "parent_id": [u.parent_id for u in units],
            }
        )
        with self.transaction():
            self.con.execute(
                "INSERT INTO rosters VALUES (?, ?, ?, ?, ?)",
                [roster_sha256, district_id, source_name, len(units), now()],
            )
            self.con.register("new_units", table)
            self.con.execute("INSERT INTO roster_units SELECT * FROM new_units")
            self.con.unregister("new_units")
            chain.seal(self.con, {"rosters": [roster_sha256], "roster_units": [roster_sha256]}, None)

    def run_exists(self, run_key: str) -> bool:
        return bool(self.scalar("SELECT count(*) FROM runs WHERE run_key = ?", [run_key]))

    # --- submissions --------------------------------------------------------------------------------------

    def known(self, sha256s: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The submissions already recorded among ``sha256s``: sha256 -> {unit_id, year, version, status}."""
        if not sha256s:
            return {}
        self.con.register("wanted", pa.table({"sha256": list(sha256s)}))
        rows = self.con.execute(
            "SELECT s.sha256, s.unit_id, s.year, s.version, s.status FROM submissions s JOIN wanted USING (sha256)"
        ).fetchall()
        self.con.unregister("wanted")
        return {r[0]: {"unit_id": r[1], "year": r[2], "version": r[3], "status": r[4]} for r in rows}

    def load_run(
        self,
        run_key: str,
        district_id: str,
        year: int,
        roster_sha256: str,
        submissions: Sequence[Submission],
        failures: Sequence[tuple[str | None, Failure]],
        cells: pd.DataFrame | None = None,
    ) -> LoadSummary:
        """Record a run, its new submissions with their cells, and its validation results in ONE transaction.

        ``failures`` pairs each failure with the sha256 of the file it is about (None for run-level ones).
        Submissions already in the warehouse (same bytes) are not added again, and a run already recorded
        (same inputs) adds nothing at all. ``cells``, when given, is the stacked frame validation ran on (index
        sha256, one column per cell key): the cells are then inserted from it column-wise (:func:`cells_table`)
        instead of return by return — what makes 30 million cells of 150,000 returns one fast statement.
        """
        if self.run_exists(run_key):
            return LoadSummary(new=0, known=len(submissions))
        already = self.known([s.sha256 for s in submissions])
        fresh = [s for s in submissions if s.sha256 not in already]
        fresh = list({s.sha256: s for s in fresh}.values())  # the same bytes twice in one batch count once
        versions = self._next_versions(fresh)
        received = now()
        with self.transaction():
            self.con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                [run_key, district_id, year, roster_sha256, len(submissions), received],
            )
            # known files too: a re-sent one becomes current again — unless it was accepted then and this run
            # rejects it (e.g. I3: sent beside another file), which must not bring it back as the unit's return
            revived = [
                s
                for s in submissions
                if not (s.status == "rejected" and already.get(s.sha256, {}).get("status") == "accepted")
            ]
            self._insert_receipts(run_key, revived, received)
            if fresh:
                self._insert_submissions(fresh, versions, received, run_key)
                readable = [s for s in fresh if s.ret is not None]
                shas = [s.sha256 for s in readable]
                if cells is None or not set(shas) <= set(cells.index):  # no stacked frame given: stack them here
                    cells = stack([s.ret for s in readable if s.ret is not None], [s.original_name for s in readable])
                    cells.index = pd.Index(shas, name="sha256")
                self._insert_cell_table(cells_table(cells, shas))
                self._insert_cell_sources(fresh)
                self._insert_deviations(fresh)
            self._insert_failures(run_key, failures)
            chain.seal_load(self.con, run_key, [s.sha256 for s in fresh])  # the rows above, linked in the same commit
        return LoadSummary(new=len(fresh), known=len(submissions) - len(fresh))

    def _insert_receipts(self, run_key: str, submissions: Sequence[Submission], received: datetime) -> None:
        """One receipt per distinct file of the run (the same bytes twice in one batch are one receipt), in batch
        order; a file that could not be opened (no sha256) has none."""
        first_name: dict[str, str] = {}
        for s in submissions:
            if s.sha256:
                first_name.setdefault(s.sha256, s.original_name)
        if not first_name:
            return
        table = pa.table(
            {
                "position": list(range(1, len(first_name) + 1)),
                "sha256": list(first_name),
                "original_name": list(first_name.values()),
            }
        )
        with self._registered(new_receipts=table):
            self.con.execute(sql("insert_receipts"), {"run_key": run_key, "received_at": received})

    def resent(self, sha256s: Sequence[str]) -> list[str]:
        """``resent:<sha256>@<receipt_no>`` for each of these files received before whose unit's current return
        is now another file (sql/resent.sql): part of a run's evidence, so receiving it again is a new run."""
        if not sha256s:
            return []
        with self._registered(batch=pa.table({"sha256": list(dict.fromkeys(sha256s))})):
            rows = self.con.execute(sql("resent")).fetchall()
        return [f"resent:{sha}@{int(n)}" for sha, n in rows]

    def _next_versions(self, fresh: Sequence[Submission]) -> dict[str, int | None]:
        """Version numbers for new submissions: one more than the unit's last version for that year."""
        last = {
            (u, y): v
            for u, y, v in self.con.execute(
                "SELECT unit_id, year, max(version) FROM submissions WHERE unit_id IS NOT NULL GROUP BY ALL"
            ).fetchall()
        }
        versions: dict[str, int | None] = {}
        for s in fresh:
            if s.unit_id is None or s.year is None:
                versions[s.sha256] = None
                continue
            key = (s.unit_id, s.year)
            last[key] = last.get(key, 0) + 1
            versions[s.sha256] = last[key]
        return versions

    def _insert_submissions(
        self, fresh: Sequence[Submission], versions: dict[str, int | None], received: datetime, run_key: str
    ) -> None:
        table = pa.table(
            {
                "sha256": [s.sha256 for s in fresh],
                "unit_id": [s.unit_id for s in fresh],
                "year": pa.array([s.year for s in fresh], pa.int32()),
                "version": pa.array([versions[s.sha256] for s in fresh], pa.int32()),
                "original_name": [s.original_name for s in fresh],
                "stored_path": [s.stored_path for s in fresh],
                "size_bytes": pa.array([s.size_bytes for s in fresh], pa.int64()),
                "reader": [s.reader for s in fresh],
                "received_at": pa.array([received] * len(fresh), pa.timestamp("us", tz="UTC")),
                "status": [s.status for s in fresh],
                "first_run": [run_key] * len(fresh),
            }
        )
        self.con.register("new_submissions", table)
        self.con.execute("INSERT INTO submissions SELECT * FROM new_submissions")
        self.con.unregister("new_submissions")

    def _insert_cell_sources(self, fresh: Sequence[Submission]) -> None:
        """Where each cell of the new published reports was read (returns of forms and JSON have no such record)."""
        rows = [
            (s.sha256, key, source, ",".join(s.ret.decoded[key]) if key in s.ret.decoded else None)
            for s in fresh
            if s.ret is not None and s.ret.provenance
            for key, source in s.ret.provenance.items()
        ]
        if not rows:
            return
        sha, keys, sources, decoded = (list(col) for col in zip(*rows))
        table = pa.table(
            {"sha256": sha, "cell_key": keys, "source": sources, "decoded_by": pa.array(decoded, pa.string())}
        )
        self.con.register("new_sources", table)
        self.con.execute(sql("insert_cell_sources"))
        self.con.unregister("new_sources")

    def cell_sources(self, sha256: str) -> dict[str, tuple[str, str | None]]:
        """cell key -> (where it was read, the identities that decoded it or None) for one submission."""
        try:
            rows = self.con.execute(sql("cell_sources_of"), [sha256]).fetchall()
        except duckdb.CatalogException:  # a warehouse from before cell_sources, opened read-only
            return {}
        return {key: (source, decoded) for key, source, decoded in rows}

    def _insert_cell_table(self, tables: dict[str, pa.Table]) -> None:
        """The tables of :func:`cells_table` in ONE statement."""
        for name, table in tables.items():
            self.con.register(name, table)
        try:
            self.con.execute(
                "INSERT INTO cells "
                "SELECT sha256, cell_key, value_int, NULL, NULL FROM new_counts UNION ALL "
                "SELECT sha256, cell_key, NULL, NULL, raw_text FROM new_odd UNION ALL "
                "SELECT sha256, cell_key, NULL, CAST(value_dec AS DECIMAL(18, 6)), raw_text FROM new_fees"
            )
        finally:
            for name in tables:
                self.con.unregister(name)

    def _insert_deviations(self, fresh: Sequence[Submission]) -> None:
        """The single (六) row of each new return that has one (warehouse.deviations; usually none at all)."""
        table = deviations_table([(s.sha256, s.ret) for s in fresh if s.ret is not None])
        if table is not None:
            with self._registered(new_deviations=table):
                self.con.execute(sql("insert_deviations"))

    def single_rows_of(self, sha256s: Sequence[str]) -> dict[str, tuple[int | str | None, ...]]:
        """sha256 -> the single (六) row (7 values, S3_COL_KEYS order; text where it was not a clean count) of
        those submissions that have one. A warehouse opened read-only before the table existed has none."""
        if not sha256s or not self.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cell_deviations'"):
            return {}
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            rows = self.con.execute(sql("deviations_of")).fetchall()
        return single_rows(rows)

    def _insert_failures(self, run_key: str, failures: Sequence[tuple[str | None, Failure]]) -> None:
        if not failures:
            return
        table = pa.table(
            {
                "run_key": [run_key] * len(failures),
                "seq": pa.array(range(1, len(failures) + 1), pa.int32()),
                "sha256": [sha for sha, _ in failures],
                "file": [f.file for _, f in failures],
                "unit_id": [f.unit_id for _, f in failures],
                "rule": [f.rule for _, f in failures],
                "severity": [f.severity.value for _, f in failures],
                "cell": [f.cell for _, f in failures],
                "expected": [f.expected for _, f in failures],
                "actual": [f.actual for _, f in failures],
                "detail": [f.detail for _, f in failures],
                "message": [f.message for _, f in failures],
            }
        )
        self.con.register("new_failures", table)
        self.con.execute("INSERT INTO validation_results SELECT * FROM new_failures")
        self.con.unregister("new_failures")

    # --- consolidation ------------------------------------------------------------------------------------

    @contextmanager
    def _scope(self, unit_ids: Sequence[str]) -> Iterator[None]:
        """Register the units a query is about as the table ``scope`` (position keeps the roster order)."""
        self.con.register("scope", pa.table({"position": list(range(1, len(unit_ids) + 1)), "unit_id": list(unit_ids)}))
        try:
            yield
        finally:
            self.con.unregister("scope")

    def latest_accepted(self, unit_ids: Sequence[str], year: int) -> pd.DataFrame:
        """Each unit with its latest accepted submission for ``year`` (sha256/version NULL when it has none)."""
        with self._scope(unit_ids):
            query = "latest_accepted" if self.has_receipts else "latest_accepted_by_version"
            return self.frame(sql(query), {"year": year})

    def unit_verdicts(self, unit_ids: Sequence[str], year: int) -> pd.DataFrame:
        """Each unit (in the given order) with its verdict for ``year`` — accepted, waived, kept, rejected or
        missing — the return in force (sha256, version; NULL when none), the keep in force (keep_id), and its
        current return (current_sha256, current_version, current_rules). sql/unit_verdicts.sql: the one query the
        consolidation, the checkpoint, the CLI, the artifacts and the audit report count from."""
        with self._scope(unit_ids):
            query = "unit_verdicts" if self.has_receipts else "unit_verdicts_by_version"
            return self.frame(sql(query), {"year": year})

    def latest_submissions(self, unit_ids: Sequence[str], year: int) -> pd.DataFrame:
        """Each unit's latest received submission for ``year`` whatever its status (to say why a unit has none
        accepted)."""
        with self._scope(unit_ids):
            return self.frame(sql("latest_submissions"), {"year": year})

    def cells_of(
        self, sha256s: Sequence[str], keys: Sequence[str] | None = None, unit_ids: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Long-form cells (sha256, cell_key, value_int, value_dec) of the given submissions; only ``keys`` when
        given (the annex of a big tree needs a few cells of 150,000 returns, not all 200). With ``unit_ids`` (one
        per sha256) the first column is ``unit_id`` instead, joined in SQL rather than mapped in pandas."""
        wanted = {"sha256": list(sha256s)} | ({} if unit_ids is None else {"unit_id": list(unit_ids)})
        self.con.register("wanted", pa.table(wanted))
        # the wanted keys filter the 200-row cell_keys table, whose join then filters the cells: the same rows as a
        # WHERE on the 30 million cells, found faster (the annex of 150,000 returns: 0.72 s -> 0.63 s)
        key_table = "cell_keys"
        if keys is not None:
            key_table = "(SELECT cell_key, position FROM cell_keys WHERE list_contains($keys, cell_key))"
        first = "c.sha256" if unit_ids is None else "w.unit_id"
        out = self.frame(
            f"SELECT {first}, c.cell_key, c.value_int, c.value_dec FROM cells c JOIN wanted w USING (sha256) "
            f"JOIN {key_table} k USING (cell_key) ORDER BY c.sha256, k.position",
            None if keys is None else {"keys": list(keys)},
        )
        self.con.unregister("wanted")
        return out

    # --- every level of a tree (pipeline/hierarchy.py) ------------------------------------------------------

    @contextmanager
    def _registered(self, **tables: pa.Table) -> Iterator[None]:
        """Register Arrow tables under the given names for the duration of a query."""
        for name, table in tables.items():
            self.con.register(name, table)
        try:
            yield
        finally:
            for name in tables:
                self.con.unregister(name)

    def consolidate_nodes(
        self, node_ids: Sequence[str], closure_nodes: Sequence[str], closure_units: Sequence[str], year: int
    ) -> pd.DataFrame:
        """Every node's report in ONE statement (sql/consolidate_nodes.sql): node_id, cell_key, value_int,
        value_dec, 200 rows per node in ``node_ids`` order. ``closure_nodes[i]`` is a node above the reporting unit
        ``closure_units[i]``."""
        run_nodes = pa.table({"position": list(range(1, len(node_ids) + 1)), "node_id": list(node_ids)})
        closure = pa.table({"node_id": list(closure_nodes), "unit_id": list(closure_units)})
        with self._registered(run_nodes=run_nodes, closure=closure):
            return self.frame(sql("consolidate_nodes"), {"year": year})

    def direct_sums(self, unit_ids: Sequence[str], home_ids: Sequence[str], year: int) -> pd.DataFrame:
        """Each node's cells summed over the units that report to it directly (``home_ids[i]`` for
        ``unit_ids[i]``), with the count of blanks: node_id, cell_key, value_int, value_dec, blanks. For the
        checkpoint (sql/direct_sums.sql); nodes without such units have no rows."""
        homes = pa.table({"unit_id": list(unit_ids), "node_id": list(home_ids)})
        with self._registered(homes=homes):
            return self.frame(sql("direct_sums"), {"year": year})

    def waived_among(self, sha256s: Sequence[str]) -> set[str]:
        """Those of the given submissions that are accepted only through a waiver (``submission_status.waived``);
        a join, so 150,000 ids cost one hash join rather than a list scan per row."""
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            rows = self.con.execute(
                "SELECT s.sha256 FROM submission_status s JOIN wanted USING (sha256) WHERE s.waived"
            ).fetchall()
        return {r[0] for r in rows}

    def submission_info(self, sha256s: Sequence[str]) -> pd.DataFrame:
        """sha256, version, original_name, reader of the given submissions (what a manifest names)."""
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            return self.frame(
                "SELECT s.sha256, s.version, s.original_name, s.reader FROM submissions s JOIN wanted USING (sha256)"
            )

    def failures_of_run(self, run_key: str) -> pd.DataFrame:
        return self.frame("SELECT * FROM validation_results WHERE run_key = ? ORDER BY seq", [run_key])

    def failures_of_submissions(self, sha256s: Sequence[str]) -> pd.DataFrame:
        """The validation results recorded for these files, from the run that first received each."""
        self.con.register("wanted", pa.table({"sha256": list(sha256s)}))
        out = self.frame(
            "SELECT v.* FROM validation_results v JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key "
            "JOIN wanted w ON w.sha256 = v.sha256 ORDER BY v.unit_id, v.seq"
        )
        self.con.unregister("wanted")
        return out

    def record_outcome(
        self,
        run_key: str,
        checkpoint_rows: Sequence[tuple[str, str, bool, list[dict[str, Any]]]],
        node_cells: pd.DataFrame,
    ) -> None:
        """Store the run's checkpoint outcome and every node's cells (node_id, cell_key, value_int, value_dec: the
        run's own node and each node below it) once; a rerun adds nothing."""
        if self.scalar(sql("outcome_recorded"), [run_key]):
            return
        checks = pa.table(
            {
                "run_key": [run_key] * len(checkpoint_rows),
                "seq": pa.array(range(1, len(checkpoint_rows) + 1), pa.int32()),
                "expectation": [r[0] for r in checkpoint_rows],
                "rule": [r[1] for r in checkpoint_rows],
                "success": [bool(r[2]) for r in checkpoint_rows],
                "unexpected": [json.dumps(r[3], ensure_ascii=False, default=str) for r in checkpoint_rows],
            }
        )
        with self.transaction():
            if checkpoint_rows:
                self.con.register("new_checks", checks)
                self.con.execute("INSERT INTO checkpoint_results SELECT * FROM new_checks")
                self.con.unregister("new_checks")
            if len(node_cells):
                self._insert_node_cells(run_key, node_cells)
            chain.seal(self.con, {"checkpoint_results": [run_key], "node_cells": [run_key]}, run_key)

    def _insert_node_cells(self, run_key: str, node_cells: pd.DataFrame) -> None:
        """All nodes' cells in one statement; the fee goes through text so that it stays exact."""
        table = pa.table(
            {
                "node_id": node_cells["node_id"].astype(str).tolist(),
                "cell_key": node_cells["cell_key"].astype(str).tolist(),
                "value_int": pa.array([_int_or_none(v) for v in node_cells["value_int"]], pa.int64()),
                "value_dec": pa.array([_dec_text(v) for v in node_cells["value_dec"]], pa.string()),
            }
        )
        with self._registered(new_node_cells=table):
            self.con.execute(
                "INSERT INTO node_cells SELECT ?, node_id, cell_key, value_int, CAST(value_dec AS DECIMAL(38, 6)) "
                "FROM new_node_cells",
                [run_key],
            )

    def record_node_publication(
        self, run_key: str, node_id: str, year: int, folder: str, manifest_sha256: str, files: dict[str, str]
    ) -> bool:
        """Record one node's publication by a run once (``node_publications``); False when already recorded."""
        if self.scalar("SELECT count(*) FROM node_publications WHERE run_key = ? AND node_id = ?", [run_key, node_id]):
            return False
        with self.transaction():
            self.con.execute(
                "INSERT INTO node_publications VALUES (?, ?, ?, ?, ?, ?, ?)",
                [run_key, node_id, year, folder, now(), manifest_sha256, json.dumps(files, sort_keys=True)],
            )
            chain.seal(self.con, {"node_publications": [f"{run_key}/{node_id}"]}, run_key)
        return True


def cells_table(frame: pd.DataFrame, sha256s: Sequence[str]) -> dict[str, pa.Table]:
    """The long-form cells of the rows ``sha256s`` of a stacked frame (index sha256, object columns as
    :func:`schemas.frame.stack` leaves them), as three Arrow tables for one INSERT … UNION ALL:

    * ``new_counts``: every count cell that is a clean integer or missing (NULL), built from one int64 matrix —
      no Python loop over the 199 × n cells; the unit and key columns are dictionary-encoded (indices, not text);
    * ``new_odd``: count cells that are neither (text such as "abc", a number beyond int64): ``raw_text``;
    * ``new_fees``: the fee, as exact decimal text, or ``raw_text`` when it is not an amount.

    """
    wanted = list(dict.fromkeys(sha256s))
    first = ~frame.index.duplicated()
    positions = np.flatnonzero(first)[frame.index[first].get_indexer(wanted)]  # rows by position: no frame copy
    n = len(positions)
    shas = pa.array(wanted, pa.string())
    count_keys = [k for k in CELL_KEYS if k != FEE_KEY]
    # return-major (one row of ``values`` per return, as the rows are inserted): the matrix IS the value column,
    # with no transposed copy of it. Fewer and smaller big arrays (a fresh 240 MB array costs up to half a second
    # of page faults here): 150,000 returns 2.2 s -> 1.0 s on first use.
    values = np.zeros((n, len(count_keys)), dtype=np.int64)
    present = np.ones((n, len(count_keys)), dtype=bool)
    odd_rows: list[int] = []
    odd_keys: list[int] = []
    odd_text: list[str] = []
    for j, key in enumerate(count_keys):
        series = frame[key]
        if series.dtype == np.int64:  # every value a clean count already (schemas.cellblock)
            values[:, j] = series.to_numpy()[positions]
            continue
        column = series.to_numpy(dtype=object)[positions]
        try:
            values[:, j] = column.astype(np.int64)  # the usual case: every value a Python int
            continue
        except (TypeError, ValueError, OverflowError):
            pass
        present[:, j] = False
        for i, v in enumerate(column):  # a column with blanks or text: look at each value
            if v is None:
                continue
            if type(v) is int and -(2**63) <= v < 2**63:
                values[i, j], present[i, j] = v, True
            else:
                odd_rows.append(i)
                odd_keys.append(j)
                odd_text.append(str(v))
    # inserted return by return (a sha256 repeated over its 199 rows compresses and inserts ~2x faster in DuckDB)
    row_index = np.repeat(np.arange(n, dtype=np.int32), len(count_keys))
    key_index = np.tile(np.arange(len(count_keys), dtype=np.int32), n)
    flat_values = values.reshape(-1)  # a view: no copy
    missing = None if present.all() else ~present.reshape(-1)
    if odd_rows:  # an odd value goes to new_odd, not to new_counts as NULL
        keep = np.ones(values.shape, dtype=bool)
        keep[odd_rows, odd_keys] = False
        flat = keep.reshape(-1)
        row_index, key_index, flat_values = row_index[flat], key_index[flat], flat_values[flat]
        missing = ~present.reshape(-1)[flat]
    keys = pa.array(count_keys, pa.string())
    counts = pa.table(
        {
            "sha256": pa.DictionaryArray.from_arrays(pa.array(row_index), shas),
            "cell_key": pa.DictionaryArray.from_arrays(pa.array(key_index), keys),
            "value_int": pa.array(
                flat_values, pa.int64(), mask=missing if missing is not None and missing.any() else None
            ),
        }
    )
    odd = pa.table(
        {
            "sha256": pa.array([wanted[i] for i in odd_rows], pa.string()),
            "cell_key": pa.array([count_keys[j] for j in odd_keys], pa.string()),
            "raw_text": pa.array(odd_text, pa.string()),
        }
    )
    fees = frame[FEE_KEY].to_numpy(dtype=object)[positions]
    # a fee DECIMAL(18,6) cannot hold exactly (refused by S4) is kept as its exact text, never cast (rounded/aborted)
    dec = [fee_text(v) if isinstance(v, Decimal) and fee_fits(v) else None for v in fees]
    raw = [
        None if v is None or d is not None else fee_text(v) if isinstance(v, Decimal) and v.is_finite() else str(v)
        for v, d in zip(fees, dec)
    ]
    fee_table = pa.table(
        {
            "sha256": shas,
            "cell_key": pa.array([FEE_KEY] * n, pa.string()),
            "value_dec": pa.array(dec, pa.string()),
            "raw_text": pa.array(raw, pa.string()),
        }
    )
    return {"new_counts": counts, "new_odd": odd, "new_fees": fee_table}


def _int_or_none(v: Any) -> int | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return int(v)


def _dec_text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return fee_text(Decimal(str(v)))
