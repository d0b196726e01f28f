"""What every node's report, annex and manifest are built from, gathered once per run in a few bulk queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from audit.keeps import keep_note, keep_records
from audit.waivers import deviation_notes, waiver_records
from checkpoint.suite import CheckpointResult
from intake.roster import Roster
from pipeline.consolidate import Consolidation
from pipeline.hierarchy import SCOPE_BY_KIND, Tree, build_tree
from publish.model import DistrictReport, UnitFigures
from schemas.cells import FEE_KEY
from schemas.roster import AGGREGATE_KINDS
from warehouse import chain
from warehouse.store import Warehouse


@dataclass
class AnnexData:
    """What every node's annex and manifest read, gathered once per run in a few bulk queries (not per node)."""

    accepted: dict[str, tuple[str, int]]  # unit_id -> (sha256, version) of its latest accepted return
    any_status: dict[str, str]  # unit_id -> status of its latest submission, whatever it is
    waived: set[str]  # sha256 of returns accepted through a waiver
    info: dict[str, tuple[int, str, str]]  # sha256 -> (version, original_name, reader)
    waivers: list[dict[str, Any]]  # waiver records in force on the accepted returns
    unit_cells: dict[str, dict[str, int | Decimal | None]]  # the annex cells of each unit
    node_cells: dict[str, dict[str, int | Decimal]]  # every node's 200 cells
    notes: dict[str, str] = field(default_factory=dict)  # sha256 -> how a deviating return was counted (S6)
    verdicts: dict[str, str] = field(default_factory=dict)  # unit_id -> its verdict (Warehouse.unit_verdicts)
    keeps: dict[str, dict[str, Any]] = field(default_factory=dict)  # unit_id -> the keep in force (audit.keeps)
    # the run's evidence chain heads (chain.heads_of_run), asked once for every node's manifest
    run_key: str | None = None
    chain_heads: dict[str, dict[str, Any]] = field(default_factory=dict)

    _positions: dict[str, dict[str, list[int]]] = field(default_factory=dict, repr=False)

    def waivers_of(self, unit_ids: list[str]) -> list[dict[str, Any]]:
        """The waiver records on these units, in ``waivers`` order."""
        return self._records_of("waivers", self.waivers, unit_ids)

    def keeps_of(self, unit_ids: list[str]) -> list[dict[str, Any]]:
        """The keeps of these units, in ``keeps`` order."""
        return self._records_of("keeps", list(self.keeps.values()), unit_ids)

    def _records_of(self, name: str, records: list[dict[str, Any]], unit_ids: list[str]) -> list[dict[str, Any]]:
        """The records of ``unit_ids`` in their list's order: each unit's positions are looked up (indexed once
        per run), so a node costs its own units, not a scan of every record of the run."""
        if name not in self._positions:
            positions: dict[str, list[int]] = {}
            for i, record in enumerate(records):
                positions.setdefault(str(record["unit_id"]), []).append(i)
            self._positions[name] = positions
        by_unit = self._positions[name]
        return [records[i] for i in sorted(i for u in unit_ids for i in by_unit.get(u, ()))]

    @classmethod
    def gather(cls, consolidation: Consolidation, warehouse: Warehouse, run_key: str | None = None) -> AnnexData:
        """Everything the annexes and manifests read; with ``run_key``, that run's chain heads too."""
        units = consolidation.units
        accepted = units[units["sha256"].notna()]
        shas = accepted["sha256"].tolist()
        latest_any = warehouse.latest_submissions(units["unit_id"].tolist(), consolidation.year)
        info = warehouse.submission_info(shas)
        node_cells: dict[str, dict[str, int | Decimal]] = {}
        frame = consolidation.node_cells
        for node_id, key, vi, vd in frame[["node_id", "cell_key", "value_int", "value_dec"]].itertuples(index=False):
            node_cells.setdefault(node_id, {})[key] = Decimal(str(vd)) if key == FEE_KEY else int(vi)
        waivers = waiver_records(warehouse, consolidation.year, shas)
        verdicts = consolidation.verdicts()
        kept = {u for u, v in verdicts.items() if v == "kept"}
        keeps = {k["unit_id"]: k for k in keep_records(warehouse, consolidation.year) if k["unit_id"] in kept}
        return cls(
            accepted={
                u: (sha, int(v)) for u, sha, v in accepted[["unit_id", "sha256", "version"]].itertuples(index=False)
            },
            any_status=dict(zip(latest_any["unit_id"], latest_any["status"])),
            waived=warehouse.waived_among(shas),
            info={sha: (int(v), name, reader) for sha, v, name, reader in info.itertuples(index=False)},
            waivers=waivers,
            unit_cells=consolidation.cells_by_unit(),
            node_cells=node_cells,
            notes=deviation_notes(waivers),
            verdicts=verdicts,
            keeps=keeps,
            run_key=run_key,
            chain_heads=chain.heads_of_run(warehouse.con, run_key) if run_key is not None else {},
        )


def tree_of(consolidation: Consolidation, roster: Roster) -> Tree:
    return consolidation.tree if consolidation.tree is not None else build_tree(roster, consolidation.node_id)


def unit_figures(
    consolidation: Consolidation,
    roster: Roster,
    warehouse: Warehouse,
    node_id: str | None = None,
    data: AnnexData | None = None,
) -> list[UnitFigures]:
    """The annex of a node (the run's own by default): what reports to it directly, in roster order — for a
    district its units; for a city its districts (and any unit of its own), each with its consolidated figures
    and status ``consolidated``; and so on up to the country."""
    data = data or AnnexData.gather(consolidation, warehouse)
    tree = tree_of(consolidation, roster)
    figures = []
    for child in tree.children(node_id or consolidation.node_id):
        if child.kind in AGGREGATE_KINDS:  # a child node: published by the same run, so it passed the checkpoint
            figures.append(
                UnitFigures(
                    child.unit_id,
                    child.unit_name,
                    child.kind,
                    "consolidated",
                    None,
                    None,
                    dict(data.node_cells.get(child.unit_id, {})),
                )
            )
            continue
        sha, version = data.accepted.get(child.unit_id, (None, None))
        note = data.notes.get(sha, "") if sha else ""
        if child.unit_id in data.keeps:  # an older version counted by the office's decision (`nianbao keep`)
            status, note = "kept", "；".join(n for n in (keep_note(data.keeps[child.unit_id]), note) if n)
        elif sha is not None:
            status = "waived" if sha in data.waived else "accepted"
        else:
            status = "rejected" if child.unit_id in data.any_status else "missing"
        figures.append(
            UnitFigures(
                unit_id=child.unit_id,
                unit_name=child.unit_name,
                kind=child.kind,
                status=status,
                version=version,
                sha256=sha,
                cells=data.unit_cells.get(child.unit_id, {}),
                note=note,
            )
        )
    return figures


def manifest(
    key: str,
    district_id: str,
    year: int,
    roster: Roster,
    consolidation: Consolidation,
    warehouse: Warehouse,
    result: CheckpointResult,
    data: AnnexData | None = None,
) -> dict[str, Any]:
    """What a node's report was built from: every unit below it (at any depth) with its submission version and
    sha256, the roster's hash, the checkpoint, and — for a node above districts — its child nodes. No wall-clock
    time in it, so a rerun publishes identical bytes."""
    data = data or AnnexData.gather(consolidation, warehouse, key)
    tree = tree_of(consolidation, roster)
    units = []
    counted: list[str] = []  # the units whose accepted return the report counts
    shas: set[str] = set()
    for u in tree.units_below(district_id):
        sha = data.accepted.get(u.unit_id, (None, None))[0]
        version, file, reader = data.info[sha] if sha else (None, None, None)
        if sha:
            counted.append(u.unit_id)
            shas.add(sha)
        units.append(
            {
                "unit_id": u.unit_id,
                "unit_name": u.unit_name,
                "kind": u.kind,
                "version": version,
                "sha256": sha,
                "file": file,
                "reader": reader,
            }
        )
    out: dict[str, Any] = {
        "format": "nianbao.manifest/1",
        "district_id": district_id,
        "year": year,
        "run": key,
        "roster": {"file": roster.path.name, "sha256": roster.sha256, "units": len(roster.units)},
        "units": units,
        # every waiver / acknowledgement in force on the returns the report was built from: who, when, why
        "waivers": [w for w in data.waivers_of(counted) if w["sha256"] in shas],
        # every keep in force: an older accepted version counted instead of the rejected latest one (G5)
        "keeps": [k for k in data.keeps_of(counted) if k["sha256"] in shas],
        "checkpoint": {
            "success": result.success,
            "statistics": result.statistics,
            "expectations": [{"name": o.name, "rule": o.rule, "success": o.success} for o in result.outcomes],
        },
        # the evidence chain's heads when the run's evidence was recorded: `nianbao audit --verify` checks them
        chain.MANIFEST_KEY: data.chain_heads if data.run_key == key else chain.heads_of_run(warehouse.con, key),
    }
    child_nodes = [c for c in tree.children(district_id) if c.kind in AGGREGATE_KINDS]
    if child_nodes:  # a city, province or country: the nodes whose reports this one adds up (same run)
        out["children"] = [{"node_id": c.unit_id, "node_name": c.unit_name, "kind": c.kind} for c in child_nodes]
    return out


def node_report(
    consolidation: Consolidation, roster: Roster, node_id: str, warehouse: Warehouse, data: AnnexData | None = None
) -> DistrictReport:
    """The report of one node of the run: its 200 cells, its scope (全区/全市/全省/全国) and its annex."""
    data = data or AnnexData.gather(consolidation, warehouse)
    tree = tree_of(consolidation, roster)
    node = tree.node(node_id)
    below = [u.unit_id for u in tree.units_below(node_id)]
    return DistrictReport(
        district_id=node_id,
        district_name=node.unit_name,
        year=consolidation.year,
        cells=dict(data.node_cells[node_id]),
        units=unit_figures(consolidation, roster, warehouse, node_id, data),
        scope=SCOPE_BY_KIND.get(node.kind, "全区"),
        kind=node.kind,
        waivers=data.waivers_of(below),
        keeps=data.keeps_of(below),
    )
