"""The audit report of one run: ``OUT/runs/<run key>/audit.html`` and one page per node of the run's tree,
``OUT/runs/<run key>/nodes/<node id>.html`` (audit.node_pages), opened by a link from the top page.

The top page is bounded whatever the tree: the run summary (the count line), the summary by rule, the
checkpoint's expectations, the blocked nodes, the rejected units (each list capped, saying how many more and where
they are) and a table of the run's nodes, filterable and searchable by a small inline script. A node page lists
its child nodes with their counts, and for a district its units: every unit as one compact row, and the three
official tables (``publish.layout`` grids, as the published report) with every failing cell highlighted and
explained only for the units that have findings or are not plainly accepted.

Self-contained: inline CSS and the one inline script of the top page, no fonts or external resources (it opens
from a USB stick on a machine without network). Autoescaped; control characters are shown as visible ``\\x..``
escapes, so unit names, file names and reasons are always text, never markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.html import environment, visible, write_page
from audit.lineage import UnitAudit, _ts, audit_units, roster_of
from audit.node_pages import NODES_DIR, node_page, write_node_pages
from audit.tree import Blocked, Node, blocked_nodes, run_nodes
from schemas.roster import RosterUnit
from schemas.rules import RULE_BY_ID, RULES
from schemas.verdicts import count_line, verdict_counts
from warehouse import audit_queries
from warehouse.store import Warehouse
from warehouse.versions import Finding, findings_of_frame

TEMPLATE = "audit.html.j2"
AUDIT_FILE = "audit.html"
# what the top page lists at most, whatever the tree (the rest: each node's page, and `nianbao audit`)
SHOWN_UNEXPECTED = 50  # failing rows of one expectation
SHOWN_UNITS = 200  # rejected units and units without a return
SHOWN_BLOCKED = 500  # blocked nodes
SHOWN_NODES = 5000  # rows of the table of nodes (~2,700 at 150,000 units); deeper nodes: their parent's page
SHOWN_UNATTRIBUTED = 200  # files that name no unit of the roster


@dataclass
class RuleSummary:
    rule: str
    severity: str
    title: str
    formula: str
    findings: int = 0
    units: set[str] = field(default_factory=set)
    covered: int = 0  # waived or acknowledged


@dataclass
class RunAudit:
    run_key: str
    district_id: str  # the run's root node (a district is a tree of one node)
    district_name: str
    year: int
    roster_sha256: str
    started_at: str
    outcome: str  # published | blocked | checked
    units: list[UnitAudit]  # without their cells: audit.node_pages reads those of the units it shows in full
    checkpoint: list[dict[str, Any]]  # name, rule, success, unexpected rows
    unattributed: list[Finding]  # this run's findings on files that named no roster unit
    publication_folder: str | None = None
    data_docs: str | None = None  # link to the run's Data Docs page, relative to audit.html
    roster_units: tuple[RosterUnit, ...] = ()  # the whole roster (the tree is read from it)
    _nodes: dict[str, Node] | None = field(default=None, repr=False)

    @property
    def nodes(self) -> dict[str, Node]:
        """node id -> the run's nodes, the root first, in roster order (audit.tree.run_nodes)."""
        if self._nodes is None:
            self._nodes = run_nodes(self.roster_units, self.district_id, self.units)
        return self._nodes

    def blocked(self) -> list[Blocked]:
        return blocked_nodes(self.checkpoint, self.nodes)

    def by_rule(self) -> list[RuleSummary]:
        order = {r.id: i for i, r in enumerate(RULES)}
        table: dict[str, RuleSummary] = {}
        for unit in self.units:
            for f in unit.findings:
                if f.info:  # N1 notes are listed per unit, never counted as failures
                    continue
                entry = table.get(f.rule)
                if entry is None:
                    found = RULE_BY_ID.get(f.rule)
                    entry = table[f.rule] = RuleSummary(
                        f.rule, f.severity, found.title if found else "", found.formula if found else ""
                    )
                entry.findings += 1
                entry.units.add(unit.unit_id)
                entry.covered += f.covered_by is not None
        for row in self.checkpoint:
            if not row["success"]:
                entry = table.setdefault(
                    row["rule"],
                    RuleSummary(row["rule"], "HARD", RULE_BY_ID[row["rule"]].title, RULE_BY_ID[row["rule"]].formula),
                )
                entry.findings += len(row["unexpected"])
                entry.units.update(str(u.get("unit_id") or "") for u in row["unexpected"])
        return sorted(table.values(), key=lambda e: order.get(e.rule, 999))

    def status_counts(self) -> dict[str, int]:
        """accepted / waived / kept / rejected / missing, from the verdicts the run counts too (unit_verdicts.sql)."""
        return verdict_counts(unit.status for unit in self.units)

    def count_line(self) -> str:
        """The line the CLI summary and the run's artifacts print too (schemas.verdicts.count_line)."""
        return count_line(self.status_counts())

    def not_counted(self) -> list[UnitAudit]:
        """The units whose return is not in the report: latest return rejected, or none received."""
        return [u for u in self.units if u.status in ("rejected", "missing")]

    def home_of(self) -> dict[str, str]:
        """unit id -> the node whose page shows it."""
        return {u.unit_id: node.node_id for node in self.nodes.values() for u in node.units}


def run_audit(
    warehouse: Warehouse, run_key: str, data_docs: str | None = None, publication_folder: str | None = None
) -> RunAudit:
    """Collect the audit of run ``run_key`` from the warehouse (statuses as they stand now, waivers included), in
    bulk queries whatever the number of units; the cells are read later, and only for the units shown in full
    (audit.node_pages). ``publication_folder``: the folder the run has just written and will record once this
    page is written too (pipeline.publish.publish_all: a publication is recorded only after every output of the
    run is on disk)."""
    row = audit_queries.run_row(warehouse, run_key)
    if row is None:
        raise KeyError(f"run {run_key} is not in the warehouse {warehouse.path}")
    district_id, year, roster_sha, started = row
    roster = roster_of(warehouse, roster_sha)
    units = roster.below(district_id)
    district = roster.unit(district_id)
    checks = [
        {"name": name, "rule": rule_id, "success": bool(ok), "unexpected": json.loads(unexpected)}
        for name, rule_id, ok, unexpected in audit_queries.checkpoint_results(warehouse, run_key)
    ]
    folder = publication_folder or audit_queries.publication_folder(warehouse, run_key, district_id)
    outcome = "published" if folder else ("blocked" if any(not c["success"] for c in checks) else "checked")
    ids = [u.unit_id for u in units]
    failures = warehouse.failures_of_run(run_key)
    unattributed = findings_of_frame(failures[~failures["unit_id"].isin(ids)])
    return RunAudit(
        run_key=run_key,
        district_id=district_id,
        district_name=district.unit_name if district else district_id,
        year=int(year),
        roster_sha256=roster_sha,
        started_at=_ts(started),
        outcome=outcome,
        units=audit_units(warehouse, units, int(year)),
        checkpoint=checks,
        unattributed=unattributed,
        publication_folder=folder,
        data_docs=data_docs,
        roster_units=roster.units,
    )


__all__ = ["AUDIT_FILE", "RunAudit", "node_page", "render_audit", "run_audit", "visible", "write_audit"]


# --- rendering ----------------------------------------------------------------------------------------------


def render_audit(audit: RunAudit) -> str:
    """The top page (``audit.html``) as a string: bounded by the SHOWN_* caps, whatever the number of units."""
    nodes = list(audit.nodes.values())
    not_counted = audit.not_counted()
    blocked = audit.blocked()
    blocked_ids = {b.node_id for b in blocked}
    home = audit.home_of()
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            a=audit,
            by_rule=audit.by_rule(),
            counts=audit.status_counts(),
            blocked=blocked[:SHOWN_BLOCKED],
            blocked_more=max(0, len(blocked) - SHOWN_BLOCKED),
            not_counted=[(u, home.get(u.unit_id, audit.district_id)) for u in not_counted[:SHOWN_UNITS]],
            not_counted_more=max(0, len(not_counted) - SHOWN_UNITS),
            unattributed=audit.unattributed[:SHOWN_UNATTRIBUTED],
            unattributed_more=max(0, len(audit.unattributed) - SHOWN_UNATTRIBUTED),
            nodes=nodes[:SHOWN_NODES],
            nodes_more=max(0, len(nodes) - SHOWN_NODES),
            blocked_ids=blocked_ids,
            kinds=sorted({n.kind for n in nodes}, key=["country", "province", "city", "district"].index),
            shown_unexpected=SHOWN_UNEXPECTED,
            nodes_dir=NODES_DIR,
        )
    )


def write_audit(audit: RunAudit, folder: Path, warehouse: Warehouse) -> Path:
    """Write every node's page (audit.node_pages, reading the cells of the units it shows in full from
    ``warehouse``), then ``folder/audit.html`` that links them; each file atomically."""
    target = folder / AUDIT_FILE
    write_node_pages(audit, folder, warehouse, what=f"the audit report {target}")
    return write_page(target, render_audit(audit).encode("utf-8"), f"the audit report {target}")
