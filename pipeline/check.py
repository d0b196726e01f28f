"""The checkpoint of a run: Great Expectations (G1, G3, G4, G5) on every node, in one GX run; and, when it
fails, which nodes are blocked and why each unit has no accepted return."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from checkpoint.nodes import build_node_checks
from checkpoint.suite import CheckpointResult, run_node_checkpoint
from pipeline.consolidate import Consolidation
from warehouse.store import Warehouse


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


def checkpoint_rows(result: CheckpointResult) -> list[tuple[str, str, bool, list[dict[str, Any]]]]:
    return [(o.name, o.rule, o.success, o.unexpected) for o in result.outcomes]
