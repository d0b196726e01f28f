"""The roster's ``parent_id`` tree below one node (SPEC §0: unit → district → city → province → country).

A *node* is an aggregate roster row (kind district, city, province or country): it files no return, its report is
the sum over the reporting units below it. A run names one node (the flow's ``district`` parameter) and
consolidates it and every node below it. Everything a bulk SQL statement or a stacked checkpoint frame needs is
computed here once, in Python, from the roster:

* ``unit_closure``: (node_id, unit_id) for each reporting unit and each of its ancestor nodes inside the run
  (a township of a district of a city of the country appears under all four) — every node's figures are one
  ``GROUP BY node_id`` over it;
* ``home``: the node each unit or node reports to directly (its lowest aggregate ancestor) — the checkpoint
  re-derives each node as Σ of its direct children, a different path from the closure, and checks G1
  (completeness) once per unit on its home node, then names every node above it as blocked too (the same
  nodes as ``ancestors``: checkpoint.nodes.g1_blocked).

Pure: no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from intake.roster import Roster
from schemas.errors import NianbaoError
from schemas.roster import AGGREGATE_KINDS, RosterUnit

# How a node's report names its scope (SPEC T3), by kind.
SCOPE_BY_KIND: dict[str, str] = {"district": "全区", "city": "全市", "province": "全省", "country": "全国"}


class NotANode(NianbaoError, ValueError):
    """The run was asked to consolidate a roster row that is not an aggregate node (or is not on the roster)."""


@dataclass(frozen=True)
class Tree:
    """The nodes and reporting units below ``root_id``, in roster order (the root first among the nodes)."""

    root_id: str
    nodes: tuple[RosterUnit, ...]
    units: tuple[RosterUnit, ...]
    home: dict[str, str]  # unit or node id -> the node it reports to directly ("" for the root)
    depth: dict[str, int]  # node id -> 0 for the root, 1 for its child nodes, ...
    _children: dict[str, list[RosterUnit]] = field(default_factory=dict, repr=False)
    _below: dict[str, list[RosterUnit]] = field(default_factory=dict, repr=False)
    _by_id: dict[str, RosterUnit] = field(default_factory=dict, repr=False)  # node id -> node (one look-up each)

    @property
    def root(self) -> RosterUnit:
        return self.nodes[0]

    def node(self, node_id: str) -> RosterUnit:
        found = self._by_id.get(node_id) if self._by_id else next((n for n in self.nodes if n.unit_id == node_id), None)
        if found is not None:
            return found
        raise NotANode(f"{node_id} is not a node below {self.root_id} on this roster")

    def ancestors(self, unit_id: str) -> list[str]:
        """The nodes above a unit or node, lowest first, up to the root (a node is not its own ancestor)."""
        out = []
        node = self.home.get(unit_id, "")
        while node:
            out.append(node)
            node = self.home.get(node, "")
        return out

    def children(self, node_id: str) -> list[RosterUnit]:
        """What a node's annex lists: the reporting units and nodes that report to it directly, roster order."""
        return self._children.get(node_id, [])

    def unit_closure(self) -> tuple[list[str], list[str]]:
        """(node_ids, unit_ids): every reporting unit paired with every node above it (the root included),
        grouped by node in node order, units in roster order within a node."""
        nodes: list[str] = []
        units: list[str] = []
        for n in self.nodes:
            below = self.units_below(n.unit_id)
            nodes += [n.unit_id] * len(below)
            units += [u.unit_id for u in below]
        return nodes, units

    def units_below(self, node_id: str) -> list[RosterUnit]:
        """The reporting units below one node (at any depth), roster order."""
        return self._below.get(node_id, [])

    def bottom_up(self) -> list[RosterUnit]:
        """The nodes, deepest first (children are published before their parents)."""
        order = {n.unit_id: i for i, n in enumerate(self.nodes)}
        return sorted(self.nodes, key=lambda n: (-self.depth[n.unit_id], order[n.unit_id]))


def check_node(roster: Roster, node_id: str) -> Tree:
    """The tree below ``node_id``; raises :class:`NotANode` before any work when the run names a reporting unit."""
    return build_tree(roster, node_id)


def build_tree(roster: Roster, root_id: str) -> Tree:
    """The tree below ``root_id``. Raises :class:`NotANode` when that row is missing or files returns itself."""
    by_id = {u.unit_id: u for u in roster.units}
    root = by_id.get(root_id)
    if root is None:
        raise NotANode(
            f"Roster {roster.path}: {root_id} is not a row of the roster; name a district, city, "
            "province or country row"
        )
    if root.kind not in AGGREGATE_KINDS:
        raise NotANode(
            f"Roster {roster.path}: {root_id} {root.unit_name} is a {root.kind}, which files its own return; "
            f"consolidate a node instead ({', '.join(sorted(AGGREGATE_KINDS))}), e.g. its parent {root.parent_id}"
        )

    def lowest_node(unit: RosterUnit) -> str | None:
        """The first aggregate row above ``unit`` (through any reporting rows between), None when there is none."""
        seen = {unit.unit_id}
        parent = unit.parent_id
        while parent and parent not in seen:
            row = by_id.get(parent)
            if row is None:
                return None
            if row.kind in AGGREGATE_KINDS:
                return parent
            seen.add(parent)
            parent = row.parent_id
        return None

    reaches: dict[str, bool] = {root_id: True}  # node id -> its chain of nodes reaches the root (memoised)

    def in_run(node_id: str) -> bool:
        if node_id not in reaches:
            reaches[node_id] = False  # provisional: a cycle in parent_id ends here instead of looping
            above = lowest_node(by_id[node_id])
            reaches[node_id] = above is not None and in_run(above)
        return reaches[node_id]

    homes: dict[str, str] = {}
    nodes: list[RosterUnit] = [root]
    units: list[RosterUnit] = []
    children: dict[str, list[RosterUnit]] = defaultdict(list)
    for u in roster.units:
        if u.unit_id == root_id:
            continue
        h = lowest_node(u)
        if h is None or not in_run(h):
            continue
        homes[u.unit_id] = h
        children[h].append(u)
        (nodes if u.kind in AGGREGATE_KINDS else units).append(u)
    homes[root_id] = ""
    depth: dict[str, int] = {}

    def depth_of(node_id: str) -> int:
        if node_id not in depth:
            depth[node_id] = 0 if node_id == root_id else depth_of(homes[node_id]) + 1
        return depth[node_id]

    for n in nodes:
        depth_of(n.unit_id)
    below: dict[str, list[RosterUnit]] = defaultdict(list)
    for u in units:
        node = homes[u.unit_id]
        while node:
            below[node].append(u)
            node = homes[node]
    nodes_by_id = {n.unit_id: n for n in nodes}
    return Tree(root_id, tuple(nodes), tuple(units), homes, depth, dict(children), dict(below), nodes_by_id)
