"""One page per node of a run: ``OUT/runs/<run key>/nodes/<node id>.html``, linked from ``audit.html``.

A node's page lists its child nodes with their verdict counts, the checkpoint's failing rows that name it, and the
units it is the home of: every unit as one compact row (plain string building: a district of 2,000 units is
2,000 short lines), and, only for the units shown in full (findings, a verdict other than plainly accepted,
waivers, keeps, a single (六) row, decoded digits), the three official tables with the failing cells highlighted
and explained (Jinja, audit/templates/node.html.j2).

The cells are read only for the units shown in full, in one statement per batch of pages (``CELL_BATCH`` units at
most), never one per unit or per node; so memory stays bounded whatever the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from audit.html import environment, visible, write_page
from audit.lineage import UnitAudit
from audit.tree import Node
from publish.layout import s2_grid, s3_grid, s4_grid
from schemas.verdicts import count_line
from warehouse import audit_queries
from warehouse.store import Warehouse
from warehouse.versions import Finding

if TYPE_CHECKING:
    from audit.report import RunAudit

TEMPLATE = "node.html.j2"
NODES_DIR = "nodes"
CELL_BATCH = 2000  # units shown in full whose cells one statement reads
SHOWN_NODE_ROWS = 200  # failing checkpoint rows listed on one node's page


def node_page(run_folder: Path, node_id: str) -> Path:
    """Where the page of one node of the run is: ``<run folder>/nodes/<node id>.html``."""
    return Path(run_folder) / NODES_DIR / f"{node_id}.html"


def shown_in_full(unit: UnitAudit, decoded: set[str]) -> bool:
    """Whether the unit's page shows its tables and explanations, not only its compact row: anything but a plainly
    accepted return (no findings beyond notes, no waiver or keep, nothing decoded, no single (六) row)."""
    latest = unit.latest
    return (
        unit.status != "accepted"
        or any(not f.info for f in unit.findings)
        or bool(unit.waivers or unit.keeps)
        or unit.single_row is not None
        or (latest is not None and latest.sha256 in decoded)
    )


def cell_class(marks: list[tuple[int, Finding]]) -> str:
    """The highlight of a table cell: a blocking failure outranks a covered one, which outranks a SOFT note."""
    if any(f.severity != "SOFT" and f.covered_by is None for _, f in marks):
        return "fail"
    if any(f.covered_by is not None and f.severity != "SOFT" for _, f in marks):
        return "waived"
    return "soft"


def unit_view(unit: UnitAudit) -> dict[str, Any]:
    """The unit's tables and the numbered explanations of its findings (number = anchor in the tables)."""
    marks: dict[str, list[tuple[int, Finding]]] = {}
    notes = []
    for n, f in enumerate(unit.findings, start=1):
        notes.append((n, f))
        if f.cell:
            marks.setdefault(f.cell, []).append((n, f))
    return {
        "unit": unit,
        "uid": f"u-{unit.unit_id}",
        "grids": [
            ("二、主动公开政府信息情况", s2_grid(unit.cells)),
            ("三、收到和处理政府信息公开申请情况", s3_grid(unit.cells)),
            ("四、政府信息公开行政复议、行政诉讼情况", s4_grid(unit.cells)),
        ]
        if unit.versions
        else [],
        "marks": marks,
        "notes": notes,
    }


def _n(value: int) -> str:
    return str(value) if value else ""


def compact_rows(units: list[UnitAudit], full: set[str]) -> Markup:
    """One ``<tr>`` per unit (id, name, kind, verdict, version used, latest version, sha256 prefix, findings by
    severity, notes, waivers), every value escaped; the id links to the unit's tables when they are shown."""
    out = []
    for u in units:
        uid = visible(u.unit_id)
        latest = u.latest
        link = f'<a href="#u-{uid}">{uid}</a>' if u.unit_id in full else str(uid)
        note = f' <span class="deviation">{visible(u.note)}</span>' if u.note else ""
        info = "".join(f"{f.rule} {visible(f.title)}" for f in u.findings if f.info)
        out.append(
            f'<tr data-unit="{uid}" data-status="{u.status}"><td>{link}</td><td>{visible(u.unit_name)}</td>'
            f'<td>{visible(u.kind)}</td><td><span class="badge {u.status}">{u.status}</span>{note}</td>'
            f'<td class="n">{u.consolidated_version or "—"}</td>'
            f'<td class="n">{latest.version if latest else "—"}</td>'
            f"<td><code>{latest.sha256[:12] if latest else ''}</code></td>"
            f'<td class="n">{_n(u.count("HARD"))}</td><td class="n">{_n(u.count("HARD-W"))}</td>'
            f'<td class="n">{_n(u.count("SOFT"))}</td><td class="info">{info}</td>'
            f'<td class="n">{_n(len(u.waivers))}</td></tr>\n'
        )
    return Markup("".join(out))


def checkpoint_rows(audit: RunAudit) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """node id -> (rule, failing row) of every failing expectation row naming the node (the node's page lists
    them)."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for check in audit.checkpoint:
        if not check["success"]:
            for row in check["unexpected"]:
                out.setdefault(str(row.get("node_id") or audit.district_id), []).append((check["rule"], row))
    return out


def render_node(
    audit: RunAudit, node: Node, full: list[UnitAudit], rows: list[tuple[str, dict[str, Any]]], full_ids: set[str]
) -> str:
    """One node's page; ``full``: its units shown in full, their cells read."""
    nodes = audit.nodes
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            a=audit,
            node=node,
            parent=nodes.get(node.parent_id),
            children=[nodes[c] for c in node.children],
            node_count_line=count_line(node.counts),
            rows=rows[:SHOWN_NODE_ROWS],
            rows_more=max(0, len(rows) - SHOWN_NODE_ROWS),
            compact=compact_rows(node.units, full_ids),
            units=[unit_view(u) for u in full],
            cell_class=cell_class,
        )
    )


def _batches(audit: RunAudit, decoded: set[str]) -> Iterator[list[tuple[Node, list[UnitAudit]]]]:
    """The nodes in tree order, grouped so that each group shows at most CELL_BATCH units in full (a node with
    more is a group of its own)."""
    group: list[tuple[Node, list[UnitAudit]]] = []
    size = 0
    for node in audit.nodes.values():
        full = [u for u in node.units if shown_in_full(u, decoded)]
        if group and size + len(full) > CELL_BATCH:
            yield group
            group, size = [], 0
        group.append((node, full))
        size += len(full)
    if group:
        yield group


def write_node_pages(audit: RunAudit, folder: Path, warehouse: Warehouse, what: str) -> list[Path]:
    """Write the page of every node of the run under ``folder/nodes/`` (each atomically), reading the cells of
    the units shown in full one batch at a time."""
    latest = [u.latest.sha256 for u in audit.units if u.latest is not None]
    decoded = audit_queries.decoded_submissions(warehouse, latest)
    by_node = checkpoint_rows(audit)
    written = []
    for group in _batches(audit, decoded):
        shas = [u.latest.sha256 for _, full in group for u in full if u.latest is not None]
        cells = audit_queries.cells_with_raw(warehouse, shas)
        sources = audit_queries.cell_sources(warehouse, shas)
        for node, full in group:
            shown = [_with_cells(u, cells, sources) for u in full]
            page = render_node(audit, node, shown, by_node.get(node.node_id, []), {u.unit_id for u in full})
            written.append(write_page(node_page(folder, node.node_id), page.encode("utf-8"), what))
    return written


def _with_cells(
    unit: UnitAudit, cells: dict[str, dict[str, Any]], sources: dict[str, dict[str, tuple[str, str | None]]]
) -> UnitAudit:
    """A copy of ``unit`` with the cells (and the places they were read) of its latest version."""
    if unit.latest is None:
        return unit
    sha = unit.latest.sha256
    return replace(unit, cells=cells.get(sha, {}), sources=sources.get(sha, {}))
