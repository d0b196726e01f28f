"""Consolidating a run: the node it names (a district, a city, a province, the country) and every node below it
(pipeline/hierarchy.py), summed in ONE SQL statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from checkpoint.nodes import G5_COLUMNS
from intake.roster import Roster
from pipeline.hierarchy import Tree, build_tree
from publish.layout import ANNEX_KEYS
from schemas.cells import FEE_KEY
from warehouse.store import Warehouse


def _blank(value: object) -> bool:
    """None, pandas' NA or a float NaN: a blank cell (blank is not zero)."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


@dataclass
class Consolidation:
    """The reports of one run — its node and every node below it — and what they were built from."""

    node_id: str  # the node the run was asked for (the tree's root)
    year: int
    # position, unit_id, unit_name, kind, sha256/version of the return in force, and the unit's verdict with its
    # current return (Warehouse.unit_verdicts: verdict, keep_id, current_sha256, current_version, current_rules)
    units: pd.DataFrame
    # unit_id, cell_key, value_int, value_dec of each unit's latest accepted return: only the cells the annex
    # shows (publish.layout.ANNEX_KEYS), so a 150,000-unit tree does not pull 30 million cells into pandas
    unit_cells: pd.DataFrame
    tree: Tree | None = None
    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)  # node_id, node_name, kind, home, depth
    node_cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # node_id, cell_key, value_int, value_dec
    direct_sums: pd.DataFrame = field(default_factory=pd.DataFrame)  # for the checkpoint (G3): see checkpoint.nodes

    def cells(self, node_id: str | None = None) -> dict[str, int | Decimal]:
        """The 200 cells of a node's report (the run's own node by default)."""
        frame = self.node_cells[self.node_cells["node_id"] == (node_id or self.node_id)]
        out: dict[str, int | Decimal] = {}
        for key, vi, vd in frame[["cell_key", "value_int", "value_dec"]].itertuples(index=False):
            out[key] = Decimal(str(vd)) if key == FEE_KEY else int(vi)
        return out

    def cells_by_unit(self) -> dict[str, dict[str, int | Decimal | None]]:
        """unit_id -> its annex cells, in one pass over the frame's columns as Python lists (a country has
        millions of annex cells: no per-row pandas call)."""
        frame = self.unit_cells
        out: dict[str, dict[str, int | Decimal | None]] = {}
        columns = (frame[c].tolist() for c in ("unit_id", "cell_key", "value_int", "value_dec"))
        for unit_id, key, vi, vd in zip(*columns):
            value: int | Decimal | None
            if key == FEE_KEY:
                value = None if _blank(vd) else Decimal(str(vd))
            else:
                value = None if _blank(vi) else int(vi)
            cells = out.get(unit_id)
            if cells is None:
                cells = out[unit_id] = {}
            cells[key] = value
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


def consolidate(warehouse: Warehouse, roster: Roster, node_id: str, year: int) -> Consolidation:
    """Sum, in ONE SQL statement, the latest accepted return of every reporting unit below ``node_id`` into that
    node and into every node below it (each unit counts in every node above it: the closure of the tree)."""
    tree = build_tree(roster, node_id)
    ids = [u.unit_id for u in tree.units]
    latest = warehouse.unit_verdicts(ids, year)  # the return in force of each unit, and its verdict (G1, G5)
    by_id = {u.unit_id: u for u in tree.units}
    units = [by_id[i] for i in latest["unit_id"].tolist()]  # tolist: iterating an Arrow-backed column is slower
    latest["unit_name"] = [u.unit_name for u in units]
    latest["kind"] = [u.kind for u in units]
    node_ids = [n.unit_id for n in tree.nodes]
    closure_nodes, closure_units = tree.unit_closure()
    node_cells = warehouse.consolidate_nodes(node_ids, closure_nodes, closure_units, year)
    direct = warehouse.direct_sums(ids, [tree.home[i] for i in ids], year)
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
        annex,
        tree=tree,
        nodes=nodes,
        node_cells=node_cells,
        direct_sums=direct,
    )
