"""A run's outcome: its checkpoint results and every node's cells once (record_outcome), then each node's
publication (record_node_publications, all of a run's nodes at once); each in one transaction, linked into the
evidence chain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

from schemas.values import fee_text
from warehouse import chain
from warehouse.connection import Connection, now, sql


class Outcomes(Connection):
    """Recording what a run decided and published."""

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
                with self._registered(new_checks=checks):
                    self.con.execute(sql("insert_checkpoint_results"))
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
            self.con.execute(sql("insert_node_cells"), [run_key])

    def record_node_publication(
        self, run_key: str, node_id: str, year: int, folder: str, manifest_sha256: str, files: dict[str, str]
    ) -> bool:
        """Record one node's publication by a run once (``node_publications``); False when already recorded."""
        return bool(self.record_node_publications(run_key, year, [(node_id, folder, manifest_sha256, files)]))

    def record_node_publications(
        self, run_key: str, year: int, nodes: Sequence[tuple[str, str, str, dict[str, str]]]
    ) -> list[str]:
        """Record the publication of every node of a run — (node_id, folder, manifest sha256, files) each — in
        ONE transaction with one seal of the evidence chain (a country has thousands of nodes: not one commit
        per node); a node already recorded for the run is skipped. Returns the node ids recorded."""
        recorded = {node for (node,) in self.con.execute(sql("node_publications_recorded"), [run_key]).fetchall()}
        new = [n for n in nodes if n[0] not in recorded]
        if not new:
            return []
        at = now()
        table = pa.table(
            {
                "run_key": pa.array([run_key] * len(new), pa.string()),
                "node_id": pa.array([n[0] for n in new], pa.string()),
                "year": pa.array([int(year)] * len(new), pa.int32()),
                "folder": pa.array([n[1] for n in new], pa.string()),
                "published_at": pa.array([at] * len(new), pa.timestamp("us", tz="UTC")),
                "manifest_sha256": pa.array([n[2] for n in new], pa.string()),
                "files": pa.array([json.dumps(n[3], sort_keys=True) for n in new], pa.string()),
            }
        )
        with self.transaction():
            with self._registered(new_node_publications=table):
                self.con.execute(sql("insert_node_publications"))
            chain.seal(self.con, {"node_publications": [f"{run_key}/{n[0]}" for n in new]}, run_key)
        return [n[0] for n in new]


def _int_or_none(v: Any) -> int | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return int(v)


def _dec_text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return fee_text(Decimal(str(v)))
