"""Publishing a run: every node's report, all or nothing.

All or nothing per run. A run publishes only when the checkpoint passes for EVERY node of it: one blocked node
(a district, and so its city, province and country, because one township has no accepted return) blocks the
publication of every node of the run, its passing sibling districts included. Publishing the passing nodes
alone is not safe: a sibling district would be republished with this run's figures while its (blocked) city
keeps an older run's publication, and the published reports would no longer add up. Run the blocked sibling
districts on their own (``--district``) to publish them meanwhile.

Every node's report is built and checked before anything is written; then publish.atomic.publish_many stages
all of them and switches them in with ONE rename (OUT/<node>/<year>/ is read through OUT/.published/current):
a crash at any point leaves every node at the previous run or every node at this one, never a mix, and the
next publication clears what the dead one left. The warehouse records the publications after the switch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from checkpoint.suite import CheckpointResult
from intake.roster import Roster
from pipeline.annex import AnnexData, manifest, node_report, tree_of
from pipeline.check import blocked_nodes
from pipeline.consolidate import Consolidation
from publish.atomic import PublishedFiles, publish_many
from publish.model import check_report
from schemas.errors import NianbaoError
from warehouse import chain
from warehouse.store import Warehouse


def _record_nodes(
    warehouse: Warehouse, consolidation: Consolidation, key: str, published: list[tuple[str, PublishedFiles]]
) -> None:
    """The warehouse's record of the published nodes, in one transaction (after their files are in place, never
    before); the manifest's sha256 is that of the manifest bytes written (publish.atomic)."""
    rows = [(node, str(files.folder), files.files["manifest.json"], files.files) for node, files in published]
    warehouse.record_node_publications(key, consolidation.year, rows)


class PublicationRefused(NianbaoError, RuntimeError):
    """publish_all was called for a run whose checkpoint failed (a programming error: the flow blocks first)."""


def publish_all(
    consolidation: Consolidation,
    roster: Roster,
    warehouse: Warehouse,
    out_root: Path,
    key: str,
    result: CheckpointResult,
    before_record: Callable[[dict[str, PublishedFiles]], Any] | None = None,
) -> dict[str, PublishedFiles]:
    """Publish every node of the run (children first), each into OUT/<node_id>/<year>/ — only when the
    checkpoint passed for every node (see the note above). Returns node_id -> its published files.

    Every node's files are written before any publication is recorded, and ``before_record`` (e.g. writing the
    run's audit report) runs between: a failure writing any output (a full disk) raises naming the path and leaves
    no publication recorded; rerunning publishes and records them."""
    if not result.success:
        raise PublicationRefused(
            f"run {key}: the checkpoint failed for {', '.join(sorted(blocked_nodes(result))) or 'the run'}; "
            "no node of the run may be published"
        )
    chain.require_intact(warehouse.con)  # never publish from tampered evidence (raises ChainBroken, naming the row)
    data = AnnexData.gather(consolidation, warehouse, key)
    tree = tree_of(consolidation, roster)
    reports = [node_report(consolidation, roster, n.unit_id, warehouse, data) for n in tree.bottom_up()]
    for report in reports:  # refuse before writing anything when any report cannot be rendered
        check_report(report)
    items = [
        (r, manifest(key, r.district_id, consolidation.year, roster, consolidation, warehouse, result, data))
        for r in reports
    ]
    published = publish_many(items, out_root)  # every node staged, then ONE switch: all of them or none
    if before_record is not None:  # e.g. the run's audit report: a failure writing it leaves nothing recorded
        before_record(published)
    _record_nodes(warehouse, consolidation, key, [(r.district_id, published[r.district_id]) for r in reports])
    return {report.district_id: published[report.district_id] for report in reports}
