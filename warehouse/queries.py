"""The questions the run, the audit and the CLI ask of the warehouse: each unit's return in force, its verdict,
cells in bulk, each node's sums, a run's findings. Read-only; every statement is in ``sql/``."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd
import pyarrow as pa

from schemas.cells import CELL_KEYS
from warehouse.connection import Connection, sql
from warehouse.deviations import single_rows


class Queries(Connection):
    """Reading the warehouse: what the consolidation, the checkpoint, the annex and the audit need."""

    def resent(self, sha256s: Sequence[str]) -> list[str]:
        """``resent:<sha256>@<receipt_no>`` for each of these files received before whose unit's current return
        is now another file (sql/resent.sql): part of a run's evidence, so receiving it again is a new run."""
        if not sha256s:
            return []
        with self._registered(batch=pa.table({"sha256": list(dict.fromkeys(sha256s))})):
            rows = self.con.execute(sql("resent")).fetchall()
        return [f"resent:{sha}@{int(n)}" for sha, n in rows]

    def cell_sources(self, sha256: str) -> dict[str, tuple[str, str | None]]:
        """cell key -> (where it was read, the identities that decoded it or None) for one submission."""
        try:
            rows = self.con.execute(sql("cell_sources_of"), [sha256]).fetchall()
        except duckdb.CatalogException:  # a warehouse from before cell_sources, opened read-only
            return {}
        return {key: (source, decoded) for key, source, decoded in rows}

    def single_rows_of(self, sha256s: Sequence[str]) -> dict[str, tuple[int | str | None, ...]]:
        """sha256 -> the single (六) row (7 values, S3_COL_KEYS order; text where it was not a clean count) of
        those submissions that have one. A warehouse opened read-only before the table existed has none."""
        if not sha256s or not self._has_table("cell_deviations"):
            return {}
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            rows = self.con.execute(sql("deviations_of")).fetchall()
        return single_rows(rows)

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
            if not self.has_receipts:
                return self.frame(sql("unit_verdicts_by_version"), {"year": year})
            return self.frame(sql("unit_verdicts"), {"year": year, "units": self.units_filter(unit_ids)})

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
        with self._registered(wanted=pa.table(wanted)):
            query = "cells_of" if unit_ids is None else "cells_of_units"
            return self.frame(sql(query), {"keys": list(CELL_KEYS if keys is None else keys)})

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
            rows = self.con.execute(sql("waived_among")).fetchall()
        return {r[0] for r in rows}

    def submission_info(self, sha256s: Sequence[str]) -> pd.DataFrame:
        """sha256, version, original_name, reader of the given submissions (what a manifest names)."""
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            return self.frame(sql("submission_info"))

    def failures_of_run(self, run_key: str) -> pd.DataFrame:
        return self.frame(sql("failures_of_run"), [run_key])

    def failures_of_submissions(self, sha256s: Sequence[str]) -> pd.DataFrame:
        """The validation results recorded for these files, from the run that first received each."""
        with self._registered(wanted=pa.table({"sha256": list(sha256s)})):
            return self.frame(sql("failures_of_submissions"))
