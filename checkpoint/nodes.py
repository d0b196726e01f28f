"""The checkpoint frame for a whole tree: every node's G1, G3 and G4 rows stacked into ONE frame.

A Great Expectations run has a fixed cost (~0.25 s), so a country of thousands of nodes is checked in a single run
on one stacked frame, each row tagged with the node it is about (``node_id``, ``node_name``); the expectations are
the same as for one district (checkpoint.suite.CHECKS). Rows per node:

* G1 — one row per reporting unit *below* the node, at any depth (the closure): a township without an accepted
  return fails once for its district, once for its city, once for its province and once for the country, so
  every blocked node is named with the unit that blocks it;
* G3 — one row per cell: ``actual`` is the node as consolidated over the closure (sql/consolidate_nodes.sql);
  ``expected`` is re-derived another way, as the sum of the node's DIRECT children — the units that report to it
  directly (sql/direct_sums.sql) plus its child nodes' figures. When this holds at every node, every node equals
  the sum over all its units, by induction from the districts up. A blank in a unit's return makes the cell's
  expected value unknown, so G3 fails on it (blank is not zero);
* G4 — the 42 identities (A1, A2, A3, L1) on each node's report (checkpoint.frames.identities).

Values are exact Python ints (the fee in millionths of a 万元), None when unknown, as in checkpoint.frames.
Pure pandas: no GX, no I/O.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from checkpoint.frames import CHECK_COLUMNS, CheckpointInputError, _require_columns, fee_micro, g4_rows
from schemas.cells import CELL_KEYS, FEE_KEY

NODE_COLUMNS = ["node_id", "node_name"]  # which node a row is about (G1: the node the unit blocks)
NODE_CHECK_COLUMNS = CHECK_COLUMNS + NODE_COLUMNS
SEPARATOR = "|"  # check_id = "<node_id>|G1:<unit_id>", "<node_id>|G3:<cell>", "<node_id>|G4:A1:<cell>"


def _numbers(frame: pd.DataFrame, where: str) -> pd.Series:
    """One comparable number per long-form row (Int64, <NA> when blank): counts from value_int, the fee from
    value_dec in millionths of a 万元 (only one row per node or unit, so the per-value conversion is cheap)."""
    values = frame["value_int"].astype("Int64").copy()
    is_fee = (frame["cell_key"] == FEE_KEY).to_numpy()
    if is_fee.any():
        fees = [
            fee_micro(v, f"{where}[{n}, {FEE_KEY}]")
            for n, v in zip(frame.loc[is_fee, "node_id"], frame.loc[is_fee, "value_dec"])
        ]
        values[is_fee] = pd.array(fees, dtype="Int64")
    return values


def _exact(values: pd.Series) -> pd.Series:
    """Int64 -> object column of Python ints and None (no float, no NaN), as GX is given them."""
    return values.astype(object).where(values.notna(), None)


def _sum_unknown_if_blank(frame: pd.DataFrame) -> pd.Series:
    """Σ ``value`` per (node_id, cell_key); <NA> when any part is <NA> (a blank is not zero)."""
    keys = [frame["node_id"], frame["cell_key"]]
    total = frame["value"].groupby(keys, sort=False).sum()
    unknown = frame["value"].isna().groupby(keys, sort=False).any()
    return total.mask(unknown)


def g1_frame(nodes: pd.DataFrame, closure: pd.DataFrame) -> pd.DataFrame:
    """One G1 row per (node, unit below it). ``closure``: node_id, unit_id, unit_name, accepted_submission_id."""
    _require_columns(closure, "closure", ["node_id", "unit_id", "unit_name", "accepted_submission_id"])
    names = dict(zip(nodes["node_id"], nodes["node_name"]))
    node_ids = closure["node_id"].astype(str)
    unit_ids = closure["unit_id"].astype(str)
    accepted = closure["accepted_submission_id"]
    return pd.DataFrame(
        {
            "check_id": node_ids + SEPARATOR + "G1:" + unit_ids,
            "rule": "G1",
            "detail": "",
            "unit_id": unit_ids,
            "unit_name": closure["unit_name"].astype(str),
            "cell": "",
            "formula_cells": "",
            "accepted_submission_id": accepted.astype(object).where(accepted.notna(), None),
            "expected": pd.Series([None] * len(closure), dtype=object, index=closure.index),
            "actual": pd.Series([None] * len(closure), dtype=object, index=closure.index),
            "node_id": node_ids,
            "node_name": node_ids.map(names).astype(str),
        }
    )


def g3_frame(nodes: pd.DataFrame, node_cells: pd.DataFrame, direct: pd.DataFrame) -> pd.DataFrame:
    """One G3 row per (node, cell): actual = the consolidated node, expected = Σ direct units + Σ child nodes.

    ``nodes``: node_id, node_name, home (the node it reports to, "" for the run's root). ``node_cells``: node_id,
    cell_key, value_int, value_dec. ``direct``: the same plus ``blanks`` (sql/direct_sums.sql).
    """
    _require_columns(node_cells, "node_cells", ["node_id", "cell_key", "value_int", "value_dec"])
    _require_columns(direct, "direct", ["node_id", "cell_key", "value_int", "value_dec", "blanks"])
    _require_columns(nodes, "nodes", ["node_id", "node_name", "home"])
    in_run = set(nodes["node_id"])
    strangers = sorted(set(node_cells["node_id"]) - in_run)
    if strangers:
        raise CheckpointInputError(f"node_cells: node(s) {strangers[:5]} are not nodes of this run")
    if node_cells[["node_id", "cell_key"]].duplicated().any():
        raise CheckpointInputError("node_cells: more than one value for a (node, cell); pass one report per node")

    actual = node_cells[["node_id", "cell_key"]].copy()
    actual["value"] = _numbers(node_cells, "node_cells")

    from_units = direct[["node_id", "cell_key"]].copy()
    from_units["value"] = _numbers(direct, "direct").mask(direct["blanks"].astype("Int64") > 0)
    home = dict(zip(nodes["node_id"], nodes["home"]))
    from_nodes = actual.copy()
    from_nodes["node_id"] = from_nodes["node_id"].map(home)
    from_nodes = from_nodes[from_nodes["node_id"].isin(in_run)]  # the root reports to no node of this run
    expected = _sum_unknown_if_blank(pd.concat([from_units, from_nodes], ignore_index=True)).rename("expected")

    # every node × every cell of the format, plus any stray key a node report carries (it fails: expected 0/None)
    grid = pd.MultiIndex.from_product([nodes["node_id"].tolist(), list(CELL_KEYS)], names=["node_id", "cell_key"])
    actual_by = actual.set_index(["node_id", "cell_key"])["value"]
    grid = grid.append(actual_by.index.difference(grid)) if len(actual_by.index.difference(grid)) else grid
    exp = expected.reindex(grid)
    no_parts = ~grid.isin(expected.index)
    exp = exp.astype("Int64").mask(no_parts, 0)  # no unit and no child node: the sum is 0, as SQL gives it
    act = actual_by.reindex(grid).astype("Int64")  # a cell the node report lacks is unknown: fails
    node_ids = grid.get_level_values("node_id").astype(str)
    cells = grid.get_level_values("cell_key").astype(str)
    names = dict(zip(nodes["node_id"], nodes["node_name"]))
    frame = pd.DataFrame(
        {
            "check_id": node_ids + SEPARATOR + "G3:" + cells,
            "rule": "G3",
            "detail": "",
            "unit_id": node_ids,
            "unit_name": node_ids.map(names).astype(str),
            "cell": cells,
            "formula_cells": cells,
            "accepted_submission_id": None,
            "expected": _exact(pd.Series(exp.to_numpy(), dtype="Int64")),
            "actual": _exact(pd.Series(act.to_numpy(), dtype="Int64")),
        }
    )
    frame["accepted_submission_id"] = pd.Series([None] * len(frame), dtype=object)
    frame["node_id"] = frame["unit_id"]
    frame["node_name"] = frame["unit_name"]
    return frame


def g4_frame(nodes: pd.DataFrame, node_cells: pd.DataFrame) -> pd.DataFrame:
    """The 42 identities of each node's report (one Python pass per node: 42 rows each)."""
    names = dict(zip(nodes["node_id"], nodes["node_name"]))
    values = _exact(_numbers(node_cells, "node_cells"))
    rows: list[dict[str, Any]] = []
    for node_id, part in values.groupby(node_cells["node_id"], sort=False):
        report = dict(zip(node_cells.loc[part.index, "cell_key"], part))
        for row in g4_rows(report, str(node_id)):
            row["check_id"] = f"{node_id}{SEPARATOR}{row['check_id']}"
            row["unit_name"] = names.get(node_id, "")
            row["node_id"], row["node_name"] = str(node_id), row["unit_name"]
            rows.append(row)
    frame = pd.DataFrame(rows, columns=NODE_CHECK_COLUMNS)
    for column in ("accepted_submission_id", "expected", "actual"):
        frame[column] = pd.Series([r[column] for r in rows], dtype=object)
    return frame


def build_node_checks(
    nodes: pd.DataFrame, closure: pd.DataFrame, node_cells: pd.DataFrame, direct: pd.DataFrame
) -> pd.DataFrame:
    """The stacked frame GX validates for every node of a run (columns ``NODE_CHECK_COLUMNS``)."""
    parts = [g1_frame(nodes, closure), g3_frame(nodes, node_cells, direct), g4_frame(nodes, node_cells)]
    frame = pd.concat([p[NODE_CHECK_COLUMNS] for p in parts], ignore_index=True)
    for column in ("accepted_submission_id", "expected", "actual"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    if frame["check_id"].duplicated().any():
        raise CheckpointInputError(f"duplicate checks {frame.loc[frame['check_id'].duplicated(), 'check_id'].tolist()[:5]}")
    return frame
