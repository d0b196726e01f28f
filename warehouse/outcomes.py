"""A run's outcome: its checkpoint results and every node's cells once (record_outcome), then each node's
publication (record_node_publication); each in one transaction, linked into the evidence chain."""

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
        if self.scalar(sql("node_publication_recorded"), [run_key, node_id]):
            return False
        with self.transaction():
            self.con.execute(
                sql("insert_node_publication"),
                [run_key, node_id, year, folder, now(), manifest_sha256, json.dumps(files, sort_keys=True)],
            )
            chain.seal(self.con, {"node_publications": [f"{run_key}/{node_id}"]}, run_key)
        return True


def _int_or_none(v: Any) -> int | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return int(v)


def _dec_text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return fee_text(Decimal(str(v)))
