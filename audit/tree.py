"""The nodes of a run's tree as the audit report shows them: each node (district, city, province, country) with
its child nodes, the units it is the home of, and the verdict counts of every unit below it; and the nodes the
checkpoint blocked. Plain Python over the roster and the units already read (no query).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas.roster import AGGREGATE_KINDS, RosterUnit
from schemas.verdicts import VERDICTS


@dataclass
class Node:
    node_id: str
    node_name: str
    kind: str
    parent_id: str  # "" for the run's root (its parent, if any, is outside the run)
    depth: int  # 0 for the run's root
    children: list[str] = field(default_factory=list)  # child node ids, roster order
    units: list[Any] = field(default_factory=list)  # the units whose home this is (audit.lineage.UnitAudit)
    counts: dict[str, int] = field(default_factory=lambda: {v: 0 for v in VERDICTS})  # every unit below
    findings: int = 0  # non-info findings on the latest returns of every unit below

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def problems(self) -> int:
        """Units below that keep the node from being published as it is (rejected or without a return)."""
        return self.counts["rejected"] + self.counts["missing"]


@dataclass
class Blocked:
    """A node the checkpoint blocked: which rules, and how many failing rows name it."""

    node_id: str
    node_name: str
    rules: list[str]
    rows: int


def run_nodes(roster_units: Sequence[RosterUnit], root_id: str, units: Iterable[Any]) -> dict[str, Node]:
    """node id -> :class:`Node` for the root and every node below it (roster order, the root first); each unit of
    ``units`` (UnitAudit, roster order) listed under its home node (the nearest node above it) and counted in its
    home and every node above it up to the root."""
    by_id = {u.unit_id: u for u in roster_units}
    root = by_id.get(root_id)
    nodes: dict[str, Node] = {
        root_id: Node(root_id, root.unit_name if root else root_id, root.kind if root else "district", "", 0)
    }
    memo: dict[str, list[str]] = {root_id: [root_id]}  # node id -> itself and the nodes above it up to the root

    def up_from(unit_id: str) -> list[str]:
        """The nodes above ``unit_id`` up to the root, nearest first ([] when the root is not above it); each
        node's chain is worked out once."""
        path: list[str] = []
        current = by_id[unit_id].parent_id if unit_id in by_id else ""
        while current and current not in memo and current not in path:
            path.append(current)
            current = by_id[current].parent_id if current in by_id else ""
        tail = memo.get(current, [])
        for node_id in reversed(path):  # fill the memo from the top down
            found = by_id.get(node_id)
            is_node = found is not None and found.kind in AGGREGATE_KINDS
            tail = ([node_id] + tail if is_node else tail) if tail else []
            memo[node_id] = tail
        return tail

    for u in roster_units:
        if u.kind in AGGREGATE_KINDS and u.unit_id != root_id:
            above = up_from(u.unit_id)
            if above:
                nodes[u.unit_id] = Node(u.unit_id, u.unit_name, u.kind, above[0], len(above))
    for node in nodes.values():
        if node.parent_id:
            nodes[node.parent_id].children.append(node.node_id)
    for unit in units:
        above = up_from(unit.unit_id) or [root_id]
        nodes[above[0]].units.append(unit)
        findings = sum(1 for f in unit.findings if not f.info)
        for node_id in above:
            nodes[node_id].counts[unit.status] += 1
            nodes[node_id].findings += findings
    return nodes


def blocked_nodes(checkpoint: Sequence[dict[str, Any]], nodes: dict[str, Node]) -> list[Blocked]:
    """The nodes named by the failing rows of the checkpoint's expectations, in tree order (the roster's)."""
    rules: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    names: dict[str, str] = {}
    for check in checkpoint:
        if check["success"]:
            continue
        for row in check["unexpected"]:
            node_id = str(row.get("node_id") or "")
            if not node_id:
                continue
            if check["rule"] not in rules.setdefault(node_id, []):
                rules[node_id].append(check["rule"])
            rows[node_id] = rows.get(node_id, 0) + 1
            names.setdefault(node_id, str(row.get("node_name") or ""))
    order = {node_id: i for i, node_id in enumerate(nodes)}
    return [
        Blocked(
            node_id, nodes[node_id].node_name if node_id in nodes else names[node_id], rules[node_id], rows[node_id]
        )
        for node_id in sorted(rules, key=lambda n: (order.get(n, len(order)), n))
    ]
