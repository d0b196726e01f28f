"""Loading a run: its roster, its new submissions with their cells, cell sources and single rows, its receipts and
validation results, in ONE transaction each (a crash mid-load leaves the file as it was)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.failures import Failure
from schemas.frame import stack
from schemas.returns import CanonicalReturn
from schemas.roster import RosterUnit
from schemas.values import fee_fits, fee_text
from warehouse import chain
from warehouse.connection import Connection, now, sql
from warehouse.deviations import deviations_table


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


class Loading(Connection):
    """Recording a run and what it received (the writes of a load, each in one transaction)."""

    def record_roster(
        self, district_id: str, roster_sha256: str, source_name: str, units: Sequence[RosterUnit]
    ) -> None:
        if self.scalar(sql("roster_recorded"), [roster_sha256]):
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
            self.con.execute(sql("insert_roster"), [roster_sha256, district_id, source_name, len(units), now()])
            with self._registered(new_units=table):
                self.con.execute(sql("insert_roster_units"))
            chain.seal(self.con, {"rosters": [roster_sha256], "roster_units": [roster_sha256]}, None)

    def run_exists(self, run_key: str) -> bool:
        return bool(self.scalar(sql("run_exists"), [run_key]))

    def known(self, sha256s: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The submissions already recorded among ``sha256s``: sha256 -> {unit_id, year, version, status}."""
        if not sha256s:
            return {}
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            rows = self.con.execute(sql("known_submissions")).fetchall()
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
            self.con.execute(sql("insert_run"), [run_key, district_id, year, roster_sha256, len(submissions), received])
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

    def _next_versions(self, fresh: Sequence[Submission]) -> dict[str, int | None]:
        """Version numbers for new submissions: one more than the unit's last version for that year."""
        last = {(u, y): v for u, y, v in self.con.execute(sql("last_versions")).fetchall()}
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
        with self._registered(new_submissions=table):
            self.con.execute(sql("insert_submissions"))

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
        with self._registered(new_sources=table):
            self.con.execute(sql("insert_cell_sources"))

    def _insert_cell_table(self, tables: dict[str, pa.Table]) -> None:
        """The tables of :func:`cells_table` in ONE statement."""
        with self._registered(**tables):
            self.con.execute(sql("insert_cells"))

    def _insert_deviations(self, fresh: Sequence[Submission]) -> None:
        """The single (六) row of each new return that has one (warehouse.deviations; usually none at all)."""
        table = deviations_table([(s.sha256, s.ret) for s in fresh if s.ret is not None])
        if table is not None:
            with self._registered(new_deviations=table):
                self.con.execute(sql("insert_deviations"))

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
        with self._registered(new_failures=table):
            self.con.execute(sql("insert_failures"))


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
    # with no transposed copy of it: fewer and smaller big arrays, whose first use costs page faults
    # (benchmarks/README.md, measured choices).
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
    # inserted return by return: a sha256 repeated over its 199 rows compresses and inserts faster in DuckDB
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
