"""What the warehouse says about a district and year, for the auditor: units, versions, findings, waivers, and
what each publication was built from (lineage), with every published file re-hashed on disk.

Everything here is read from the warehouse (and, for lineage, from the published files), so an audit can be
redone at any time without the original run. Nothing is written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from audit.keeps import keep_note, keep_records
from audit.waivers import deviation_notes, waiver_records
from intake.roster import Roster
from schemas.cells import S3_COL_KEYS
from schemas.errors import NianbaoError
from schemas.roster import AGGREGATE_KINDS, RosterUnit
from schemas.verdicts import COUNTED, VERDICTS
from warehouse import audit_queries
from warehouse.archive import sha256_of
from warehouse.store import Warehouse
from warehouse.versions import Finding, Version, findings_of_submissions, versions_of_units

UNIT_STATUSES = VERDICTS  # accepted | waived | kept | rejected | missing (warehouse/sql/unit_verdicts.sql)


class AuditQueryError(NianbaoError):
    """The warehouse does not hold what the audit asks about (unknown run, district or year)."""


# --- records ------------------------------------------------------------------------------------------------


@dataclass
class UnitAudit:
    unit_id: str
    unit_name: str
    kind: str
    status: str  # accepted | waived | kept | rejected | missing (the one verdict query: Warehouse.unit_verdicts)
    consolidated_version: int | None
    versions: list[Version]  # oldest first
    waivers: list[dict[str, Any]]  # every waiver/acknowledgement for the unit and year (revoked ones too)
    cells: dict[str, Any] = field(default_factory=dict)  # of the latest version (what the tables show)
    # (六)其他处理 printed as one row (schemas.single_row): the latest version's single row, and — when the version
    # used was accepted through an S6 waiver — how it was counted (audit.waivers.deviation_notes)
    single_row: dict[str, Any] | None = None
    note: str = ""
    # a published report's latest version: where each cell was read, and the identities that decoded it (or None)
    sources: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # every keep recorded for the unit and year (audit.keeps records; revoked and void ones too)
    keeps: list[dict[str, Any]] = field(default_factory=list)
    current_rules: str = ""  # the blocking rules its latest return failed, when that return is rejected

    @property
    def not_independently_checked(self) -> list[str]:
        """Identities used to cut glued digits apart: they held by construction, so they vouch for nothing."""
        return sorted({name for _, decoded in self.sources.values() if decoded for name in decoded.split(",")})

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    @property
    def findings(self) -> list[Finding]:
        return list(self.latest.findings) if self.latest else []

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity and not f.info)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "kind": self.kind,
            "status": self.status,
            "consolidated_version": self.consolidated_version,
            "versions": [v.to_dict() for v in self.versions],
            "waivers": self.waivers,
            "keeps": self.keeps,
        }


@dataclass
class PublishedFile:
    name: str
    recorded_sha256: str
    actual_sha256: str | None  # None when the file is gone

    @property
    def ok(self) -> bool:
        return self.actual_sha256 == self.recorded_sha256

    @property
    def problem(self) -> str:
        if self.actual_sha256 is None:
            return "missing"
        return "" if self.ok else "hash mismatch"


@dataclass
class Publication:
    run_key: str
    folder: str
    published_at: str
    manifest_sha256: str
    roster_sha256: str | None
    checkpoint_success: bool | None
    expectations: list[dict[str, Any]]
    units: list[dict[str, Any]]  # unit_id, version, sha256 the report was built from (from the manifest)
    waivers: list[dict[str, Any]]  # as listed in the manifest
    files: list[PublishedFile]
    manifest_problem: str = ""  # why the manifest's unit list could not be read, if so

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and not self.manifest_problem

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_key": self.run_key,
            "folder": self.folder,
            "published_at": self.published_at,
            "manifest_sha256": self.manifest_sha256,
            "roster_sha256": self.roster_sha256,
            "checkpoint": {"success": self.checkpoint_success, "expectations": self.expectations},
            "units": self.units,
            "waivers": self.waivers,
            "files": [
                {
                    "name": f.name,
                    "recorded_sha256": f.recorded_sha256,
                    "actual_sha256": f.actual_sha256,
                    "ok": f.ok,
                    "problem": f.problem,
                }
                for f in self.files
            ],
            "manifest_problem": self.manifest_problem,
            "ok": self.ok,
        }


@dataclass
class DistrictAudit:
    district_id: str
    district_name: str
    year: int
    roster_sha256: str
    units: list[UnitAudit]
    publications: list[Publication]
    unattributed: list[Finding] = field(default_factory=list)  # files that named no roster unit

    @property
    def integrity_ok(self) -> bool:
        return all(p.ok for p in self.publications)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "nianbao.audit/1",
            "district_id": self.district_id,
            "district_name": self.district_name,
            "year": self.year,
            "roster_sha256": self.roster_sha256,
            "integrity_ok": self.integrity_ok,
            "units": [u.to_dict() for u in self.units],
            "publications": [p.to_dict() for p in self.publications],
            "unattributed": [f.to_dict() for f in self.unattributed],
        }


# --- queries ------------------------------------------------------------------------------------------------


def roster_of(warehouse: Warehouse, roster_sha256: str) -> Roster:
    """The roster as recorded in the warehouse (same order as the file)."""
    rows = audit_queries.roster_rows(warehouse, roster_sha256)
    if not rows:
        raise AuditQueryError(f"The warehouse {warehouse.path} holds no roster with sha256 {roster_sha256}.")
    units = tuple(RosterUnit(r[0], r[1], r[2], r[3]) for r in rows)
    return Roster(path=Path(rows[0][4]), sha256=roster_sha256, units=units)


def latest_roster_sha(warehouse: Warehouse, district_id: str, year: int) -> str:
    sha = audit_queries.latest_roster_sha256(warehouse, district_id, year)
    if sha is None:
        raise AuditQueryError(
            f"The warehouse {warehouse.path} has no run for district {district_id} and year {year}; "
            "run `nianbao consolidate` first, or check --warehouse."
        )
    return sha


def _ts(value: Any) -> str:
    return "" if value is None or value is pd.NaT else pd.Timestamp(value).isoformat()


def _cover(findings: tuple[Finding, ...], in_force: dict[str, dict[str, Any]]) -> tuple[Finding, ...]:
    """The findings, each with the waiver/acknowledgement in force for its rule (``in_force``: rule -> waiver)."""
    if not in_force:  # most returns: nothing to cover, no copy
        return findings
    return tuple(replace(f, covered_by=in_force.get(f.rule)) for f in findings)


def audit_units(
    warehouse: Warehouse, units: tuple[RosterUnit, ...] | list[RosterUnit], year: int, with_cells: bool = False
) -> list[UnitAudit]:
    """Status, versions, findings and waivers of each unit for ``year`` (roster order). Every question is asked
    once for all the units (bulk queries), then grouped here by unit."""
    ids = [u.unit_id for u in units]
    versions = versions_of_units(warehouse, ids, year)
    # the same query the run counts from (the CLI summary, the artifacts): the verdicts cannot disagree
    verdicts = warehouse.unit_verdicts(ids, year)
    verdict = dict(zip(verdicts["unit_id"], verdicts["verdict"]))
    rules = dict(zip(verdicts["unit_id"], verdicts["current_rules"]))
    used = {
        r.unit_id: (r.sha256, r.version)
        for r in verdicts.itertuples(index=False)
        if isinstance(r.sha256, str) and r.verdict in COUNTED
    }
    keeps_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for k in keep_records(warehouse, year, in_force_only=False):
        keeps_of[k["unit_id"]].append(k)
    findings = findings_of_submissions(warehouse, [v.sha256 for vs in versions.values() for v in vs])
    waivers = waiver_records(warehouse, year, in_force_only=False)
    waivers_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # (unit, sha256) -> rule -> the waiver in force for it (the last recorded, in waiver_id order)
    in_force: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for w in waivers:
        waivers_of[w["unit_id"]].append(w)
        if w["revoked"] is None and w["void_by_version"] is None:
            in_force[(w["unit_id"], w["sha256"])][w["rule"]] = w
    notes = deviation_notes(waivers)
    latest = [vs[-1].sha256 for vs in versions.values() if vs]
    singles = warehouse.single_rows_of(latest)
    cells = audit_queries.cells_with_raw(warehouse, latest) if with_cells else {}
    sources = audit_queries.cell_sources(warehouse, latest) if with_cells else {}
    out = []
    for unit in units:
        mine = [
            v.with_findings(_cover(findings.get(v.sha256, ()), in_force.get((unit.unit_id, v.sha256), {})))
            for v in versions.get(unit.unit_id, [])
        ]
        status = verdict[unit.unit_id]
        consolidated = int(used[unit.unit_id][1]) if unit.unit_id in used else None
        unit_keeps = keeps_of.get(unit.unit_id, [])
        single = singles.get(mine[-1].sha256) if mine else None
        note = notes.get(used[unit.unit_id][0], "") if unit.unit_id in used else ""
        if status == "kept":
            note = "；".join(n for n in [*(keep_note(k) for k in unit_keeps if k["in_force"]), note] if n)
        out.append(
            UnitAudit(
                unit.unit_id,
                unit.unit_name,
                unit.kind,
                status,
                consolidated,
                mine,
                waivers_of.get(unit.unit_id, []),
                cells.get(mine[-1].sha256, {}) if mine else {},
                None if single is None else dict(zip(S3_COL_KEYS, single)),
                note,
                sources.get(mine[-1].sha256, {}) if mine else {},
                unit_keeps,
                ", ".join((rules.get(unit.unit_id) or "").split(",")).strip(", "),
            )
        )
    return out


def publications(warehouse: Warehouse, district_id: str, year: int) -> list[Publication]:
    """Every publication of the district and year, its lineage, and each file re-hashed on disk."""
    # node_publications: every node a run published (a district published by its city's run too)
    rows = audit_queries.node_publications(warehouse, district_id, year)
    out = []
    for run_key, folder, at, manifest_sha, files_json, roster_sha in rows:
        recorded: dict[str, str] = json.loads(files_json)
        recorded.setdefault("manifest.json", manifest_sha)
        files = []
        for name, sha in sorted(recorded.items()):
            path = Path(folder) / name
            files.append(PublishedFile(name, sha, sha256_of(path) if path.is_file() else None))
        checks = audit_queries.checkpoint_results(warehouse, run_key)
        units, waivers, problem = [], [], ""
        manifest_path = Path(folder) / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            units = [{k: u.get(k) for k in ("unit_id", "version", "sha256")} for u in manifest.get("units", [])]
            waivers = manifest.get("waivers", [])
        except (OSError, ValueError) as exc:
            problem = f"manifest.json cannot be read: {exc}"
        out.append(
            Publication(
                run_key=run_key,
                folder=folder,
                published_at=_ts(at),
                manifest_sha256=manifest_sha,
                roster_sha256=roster_sha,
                checkpoint_success=all(c[2] for c in checks) if checks else None,
                expectations=[{"name": c[0], "rule": c[1], "success": bool(c[2])} for c in checks],
                units=units,
                waivers=waivers,
                files=files,
                manifest_problem=problem,
            )
        )
    return out


def audit_district(warehouse: Warehouse, district_id: str, year: int, unit_id: str | None = None) -> DistrictAudit:
    """Everything ``nianbao audit`` shows, for one node (district, or a city, province, country) and year, or for
    one unit of it: then only that unit's rows are read (its place on the roster, its versions, its verdict)."""
    roster_sha = latest_roster_sha(warehouse, district_id, year)
    if unit_id is not None:
        units, district_name = _one_unit(warehouse, roster_sha, district_id, unit_id)
    else:
        roster = roster_of(warehouse, roster_sha)
        units = roster.below(district_id)
        district = roster.unit(district_id)
        district_name = district.unit_name if district else district_id
    return DistrictAudit(
        district_id=district_id,
        district_name=district_name,
        year=year,
        roster_sha256=roster_sha,
        units=audit_units(warehouse, units, year),
        publications=publications(warehouse, district_id, year),
    )


def _one_unit(
    warehouse: Warehouse, roster_sha: str, district_id: str, unit_id: str
) -> tuple[tuple[RosterUnit, ...], str]:
    """The unit, when it is a reporting unit below ``district_id`` on the roster, and the district's name."""
    chain = [RosterUnit(r[0], r[1], r[2], r[3]) for r in audit_queries.roster_chain(warehouse, roster_sha, unit_id)]
    above = {u.unit_id: u for u in chain[1:]}
    if not chain or chain[0].kind in AGGREGATE_KINDS or district_id not in above:
        name = Path(audit_queries.roster_name(warehouse, roster_sha)).name
        raise AuditQueryError(f"Unit {unit_id} is not on district {district_id}'s roster ({name}).")
    return (chain[0],), above[district_id].unit_name
