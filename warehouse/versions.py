"""Versions of a unit's return, and what changed between two of them (``nianbao diff``).

A unit that sends a corrected return sends a new file: new bytes, a new sha256, so a new row in ``submissions``
with the next ``version`` for its unit and year (see ``Warehouse._next_versions``). Nothing is overwritten: every
version keeps its cells, its original bytes and the validation results of the run that first received it.

This module only reads. :func:`diff_versions` answers "what did the unit change, and did it fix what failed?":

* the cells whose value differs, in the official order, with the old and new value (counts as integers, the fee
  as an exact decimal in 万元, text that was not a clean number as the text read, a blank as ``None``);
* for each of the two versions, the rules it failed (``validation_results`` of the submission's ``first_run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from schemas.cells import FEE_KEY
from schemas.crossyear import INFO_RULES
from schemas.grid import cell_label
from schemas.grid import cell_location as grid_cell_location
from schemas.rules import RULE_BY_ID
from schemas.values import fee_text
from warehouse.evidence import has_evidence_tables
from warehouse.store import Warehouse, WarehouseError, sql

Value = int | Decimal | str | None


class VersionNotFound(WarehouseError):
    """The unit, year or version asked for is not in the warehouse; the message says what is there instead."""


@dataclass(frozen=True)
class Finding:
    """One validation result recorded for a version, as ``nianbao diff`` and the audit read it (the audit adds the
    waiver or acknowledgement that covers it, ``covered_by``)."""

    rule: str
    severity: str
    cell: str
    expected: str
    actual: str
    message: str
    unit_id: str = ""
    detail: str = ""
    file: str = ""
    covered_by: dict[str, Any] | None = None  # the waiver/acknowledgement in force, if any (the audit's)

    @property
    def info(self) -> bool:
        """A note (N1), listed but never counted as a failure."""
        return self.rule in INFO_RULES

    @property
    def formula(self) -> str:
        found = RULE_BY_ID.get(self.rule)
        return found.formula if found else ""

    @property
    def title(self) -> str:
        found = RULE_BY_ID.get(self.rule)
        return found.title if found else ""

    @property
    def difference(self) -> str:
        """actual − expected when both are numbers, else ""."""
        try:
            diff = Decimal(self.actual) - Decimal(self.expected)
        except Exception:  # noqa: BLE001 - text on either side: no difference to show
            return ""
        return f"{diff:+}" if diff else "0"

    @property
    def cell_label(self) -> str:
        return cell_label(self.cell)

    def to_dict(self) -> dict[str, Any]:
        """The whole record (``nianbao audit --format json``)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "unit_id": self.unit_id,
            "cell": self.cell,
            "expected": self.expected,
            "actual": self.actual,
            "difference": self.difference,
            "formula": self.formula,
            "message": self.message,
            "detail": self.detail,
            "file": self.file,
            "info": self.info,
            "covered_by": self.covered_by,
        }

    def brief_dict(self) -> dict[str, str]:
        """What ``nianbao diff --json`` lists of a failure."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "cell": self.cell,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
        }


@dataclass(frozen=True)
class Version:
    """One received version of a unit's return for a year."""

    version: int
    sha256: str
    file: str  # the name it was received under
    reader: str  # which reader produced the return (a value of intake.read.READERS: xlsx-form, published-docx, …)
    received_at: str  # ISO 8601, UTC
    status: str  # now: accepted | rejected (a waived return counts as accepted)
    status_at_receipt: str
    waived: bool
    findings: tuple[Finding, ...] = ()

    def with_findings(self, findings: tuple[Finding, ...]) -> Version:
        """This version with ``findings`` (the constructor directly: dataclasses.replace costs 3x more, and the
        audit attaches findings to every version of a run)."""
        return Version(
            self.version,
            self.sha256,
            self.file,
            self.reader,
            self.received_at,
            self.status,
            self.status_at_receipt,
            self.waived,
            findings,
        )

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity != "SOFT")

    def _record(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "sha256": self.sha256,
            "file": self.file,
            "reader": self.reader,
            "received_at": self.received_at,
            "status": self.status,
            "status_at_receipt": self.status_at_receipt,
            "waived": self.waived,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole record with its findings (``nianbao audit --format json``)."""
        return self._record() | {"findings": [f.to_dict() for f in self.findings]}

    def diff_dict(self) -> dict[str, Any]:
        """What ``nianbao diff --json`` shows of a version: its failures in brief."""
        return self._record() | {"failures": [f.brief_dict() for f in self.findings]}


@dataclass(frozen=True)
class CellChange:
    """One cell whose value differs between the two versions."""

    cell: str
    old: Value
    new: Value

    @property
    def location(self) -> str:
        """Where the cell sits in the official table: section · (group) · row · column."""
        return cell_location(self.cell)

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "location": self.location, "old": json_value(self.old), "new": json_value(self.new)}


@dataclass
class VersionDiff:
    """What changed from version ``old`` to version ``new`` of one unit's return for one year."""

    unit_id: str
    year: int
    versions: list[Version]  # every version, oldest first (without findings)
    old: Version | None  # None when there is no earlier version to compare with
    new: Version
    changes: list[CellChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "year": self.year,
            "versions": [{k: v for k, v in ver.diff_dict().items() if k != "failures"} for ver in self.versions],
            "from": self.old.diff_dict() if self.old else None,
            "to": self.new.diff_dict(),
            "changes": [c.to_dict() for c in self.changes],
        }


def cell_location(key: str) -> str:
    """Where a cell sits, every group named: section · (group) · row · column (schemas.grid.cell_location)."""
    return grid_cell_location(key, every_group=True)


def json_value(value: Value) -> int | str | None:
    """Counts stay integers; the fee becomes its exact decimal text (never a float); text stays text."""
    if isinstance(value, Decimal):
        return fee_text(value)
    return value


def display_value(value: Value) -> str:
    """For a terminal: a blank is shown as such, text that is not a number is quoted."""
    if value is None:
        return "(blank)"
    if isinstance(value, Decimal):
        return fee_text(value)
    if isinstance(value, str):
        return repr(value)
    return str(value)


# --- queries ----------------------------------------------------------------------------------------------------


def versions_of(warehouse: Warehouse, unit_id: str, year: int) -> list[Version]:
    """Every version of ``unit_id``'s return for ``year``, oldest first (empty when there is none)."""
    return versions_of_units(warehouse, [unit_id], year).get(unit_id, [])


def versions_of_units(warehouse: Warehouse, unit_ids: Sequence[str], year: int) -> dict[str, list[Version]]:
    """unit_id -> every version of its return for ``year``, oldest first (units without one are left out); one
    statement for all the units (sql/versions_of_units.sql)."""
    # a warehouse written before waivers existed, opened read-only: the status on receipt is the status
    query = "versions_of_units" if has_evidence_tables(warehouse) else "versions_of_units_plain"
    params: dict[str, Any] = {"year": year}
    if query == "versions_of_units":
        params["units"] = warehouse.units_filter(unit_ids)
    with warehouse._scope(list(unit_ids)):
        frame = warehouse.frame(sql(query), params)
    out: dict[str, list[Version]] = {}
    columns = ("unit_id", "version", "sha256", "original_name", "reader", "received_at", "status")
    unit, version, sha, name, reader, received, status = (frame[c].tolist() for c in columns)
    at_receipt, waived = frame["status_at_receipt"].tolist(), frame["waived"].tolist()  # columns as lists: fast
    for i, unit_id in enumerate(unit):
        out.setdefault(unit_id, []).append(
            Version(
                version=int(version[i]),
                sha256=sha[i],
                file=name[i],
                reader=reader[i],
                received_at=pd.Timestamp(received[i]).isoformat(),
                status=status[i],
                status_at_receipt=at_receipt[i],
                waived=bool(waived[i]),
            )
        )
    return out


def findings_of(warehouse: Warehouse, sha256: str) -> tuple[Finding, ...]:
    """The validation results recorded for one submission by the run that first received it."""
    return findings_of_submissions(warehouse, [sha256]).get(sha256, ())


def findings_of_submissions(warehouse: Warehouse, sha256s: Sequence[str]) -> dict[str, tuple[Finding, ...]]:
    """sha256 -> the validation results recorded for it by the run that first received it (the verdict it got);
    one statement for all the submissions, those without a result left out."""
    if not sha256s:
        return {}
    out: dict[str, list[Finding]] = {}
    frame = warehouse.failures_of_submissions(sha256s)
    for sha, found in zip(frame["sha256"].tolist(), findings_of_frame(frame)):
        out.setdefault(sha, []).append(found)
    return {sha: tuple(found) for sha, found in out.items()}


FINDING_COLUMNS = ("rule", "severity", "cell", "expected", "actual", "message", "unit_id", "detail", "file")


def findings_of_frame(frame: pd.DataFrame) -> list[Finding]:
    """Every row of a ``validation_results`` frame as a :class:`Finding`, as :func:`finding_of` reads one; the
    columns are read as Python lists first (iterating Arrow-backed rows one by one costs a second per 20,000)."""
    rule, severity, *texts = ([_text(v) for v in frame[c].tolist()] for c in FINDING_COLUMNS)
    return [
        Finding(rule=r, severity=sev, cell=c, expected=e, actual=a, message=m, unit_id=u, detail=d, file=f)
        for r, sev, c, e, a, m, u, d, f in zip(rule, severity, *texts)
    ]


def finding_of(row: Any) -> Finding:
    """A row of ``validation_results`` as a :class:`Finding` (a missing text as "")."""
    return Finding(
        rule=row.rule,
        severity=row.severity,
        cell=_text(row.cell),
        expected=_text(row.expected),
        actual=_text(row.actual),
        message=_text(row.message),
        unit_id=_text(row.unit_id),
        detail=_text(row.detail),
        file=_text(row.file),
    )


def _text(value: Any) -> str:
    return str(value) if _present(value) else ""


def cell_changes(warehouse: Warehouse, old_sha256: str, new_sha256: str) -> list[CellChange]:
    """The cells that differ between two submissions, in the official order (one SQL statement)."""
    frame = warehouse.frame(sql("cell_changes"), {"old": old_sha256, "new": new_sha256})
    return [
        CellChange(
            cell=r.cell_key,
            old=_value(r.cell_key, r.old_int, r.old_dec, r.old_text),
            new=_value(r.cell_key, r.new_int, r.new_dec, r.new_text),
        )
        for r in frame.itertuples(index=False)
    ]


def _value(key: str, value_int: Any, value_dec: Any, text: Any) -> Value:
    if key == FEE_KEY and _present(value_dec):
        return Decimal(str(value_dec))
    if _present(value_int):
        return int(value_int)
    if _present(text):
        return str(text)
    return None


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and value != value)


def diff_versions(
    warehouse: Warehouse,
    unit_id: str,
    year: int,
    from_version: int | None = None,
    to_version: int | None = None,
) -> VersionDiff:
    """Compare two versions of a unit's return for a year. By default ``to`` is the latest version and ``from`` the
    one before ``to`` (None when ``to`` is version 1: nothing to compare, only its findings).

    Raises :class:`VersionNotFound` naming what exists when the unit, the year or a version is not there.
    """
    versions = versions_of(warehouse, unit_id, year)
    if not versions:
        raise VersionNotFound(_nothing_for(warehouse, unit_id, year))
    by_number = {v.version: v for v in versions}
    known = ", ".join(str(v) for v in by_number)
    for label, asked in (("--to", to_version), ("--from", from_version)):
        if asked is not None and asked not in by_number:
            raise VersionNotFound(
                f"Unit {unit_id} has no version {asked} for {year} ({label}); its versions for {year} are: {known}."
            )
    new = by_number[to_version] if to_version is not None else versions[-1]
    if from_version is not None:
        old: Version | None = by_number[from_version]
    else:
        old = by_number.get(new.version - 1)
    new = _with_findings(warehouse, new)
    changes: list[CellChange] = []
    if old is not None:
        old = _with_findings(warehouse, old)
        changes = cell_changes(warehouse, old.sha256, new.sha256)
    return VersionDiff(unit_id=unit_id, year=year, versions=versions, old=old, new=new, changes=changes)


def _with_findings(warehouse: Warehouse, version: Version) -> Version:
    return replace(version, findings=findings_of(warehouse, version.sha256))


def _nothing_for(warehouse: Warehouse, unit_id: str, year: int) -> str:
    """Why there is no version: an unknown unit, or a unit without a return for that year (and which it has)."""
    years = [int(r[0]) for r in warehouse.con.execute(sql("years_of_unit"), [unit_id]).fetchall()]
    if years:
        return (
            f"Unit {unit_id} has no return for {year} in the warehouse {warehouse.path}; "
            f"it has returns for {', '.join(map(str, years))}."
        )
    on_roster = warehouse.scalar(sql("unit_on_roster"), [unit_id])
    where = "it is on a roster but has sent nothing" if on_roster else "no roster loaded there lists it either"
    return (
        f"No return from unit {unit_id} in the warehouse {warehouse.path} ({where}). "
        "Check the unit id, or pass --warehouse for another warehouse file."
    )
