"""The auditor's evidence in the warehouse: waivers, acknowledgements and their revocations (append-only).

Tables and the ``submission_status`` view are in ``sql/create_evidence_tables.sql``. Rows are only ever inserted:
revoking a waiver is a new row (kind ``revocation``) whose ``refers_to`` is the waiver's id. The policy (which
rules may be waived, which submission a waiver is tied to) lives in ``audit.waivers``; this module only stores
and reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from warehouse import chain
from warehouse.store import Warehouse, WarehouseError, now, sql

KINDS = ("waiver", "acknowledgement", "revocation")


class EvidenceError(WarehouseError):
    """An evidence record could not be stored as asked."""


@dataclass(frozen=True)
class Waiver:
    """One stored row of ``waivers``."""

    waiver_id: int
    kind: str  # waiver | acknowledgement | revocation
    rule: str
    severity: str
    unit_id: str
    year: int
    sha256: str
    version: int | None
    reason: str
    recorded_by: str
    recorded_at: datetime
    refers_to: int | None = None


def ensure_evidence_tables(warehouse: Warehouse) -> None:
    """Create the evidence tables and the status view if they are not there yet (idempotent)."""
    with warehouse.transaction():
        warehouse.con.execute(sql("create_evidence_tables"))


def insert_waiver(
    warehouse: Warehouse,
    kind: str,
    rule: str,
    severity: str,
    unit_id: str,
    year: int,
    sha256: str,
    version: int | None,
    reason: str,
    recorded_by: str,
    refers_to: int | None = None,
) -> Waiver:
    """Append one row; returns it as stored (with its id and time)."""
    if kind not in KINDS:
        raise EvidenceError(f"Unknown evidence kind {kind!r}; use one of {', '.join(KINDS)}.")
    if not reason.strip() or not recorded_by.strip():
        raise EvidenceError("A waiver needs a reason and the name of who records it; both were not given.")
    if kind == "revocation" and refers_to is None:
        raise EvidenceError("A revocation must name the waiver it revokes (refers_to).")
    ensure_evidence_tables(warehouse)
    at = now()
    with warehouse.transaction():
        inserted = warehouse.con.execute(
            sql("insert_waiver"),
            [kind, rule, severity, unit_id, year, sha256, version, reason, recorded_by, at, refers_to],
        ).fetchone()
        assert inserted is not None  # INSERT … RETURNING gives the row it inserted
        (waiver_id,) = inserted
        chain.seal(warehouse.con, {"waivers": [str(waiver_id)]}, None)
    return Waiver(waiver_id, kind, rule, severity, unit_id, year, sha256, version, reason, recorded_by, at, refers_to)


def waiver_by_id(warehouse: Warehouse, waiver_id: int) -> Waiver | None:
    rows = warehouse.con.execute(sql("waiver_by_id"), [waiver_id]).fetchall()
    return Waiver(*rows[0]) if rows else None


def has_evidence_tables(warehouse: Warehouse) -> bool:
    return bool(warehouse.scalar(sql("table_exists"), ["waivers"]))


def waivers_for_year(warehouse: Warehouse, year: int) -> pd.DataFrame:
    """Every waiver and acknowledgement for ``year`` with its revocation columns (``revoked_by_id`` NULL when not
    revoked) and ``superseded_by_version`` (NULL while the waived return is still the latest version). Empty frame (same columns) when the warehouse has no evidence tables yet."""
    if not has_evidence_tables(warehouse):
        return pd.DataFrame(
            columns=[
                "waiver_id",
                "kind",
                "rule",
                "severity",
                "unit_id",
                "year",
                "sha256",
                "version",
                "reason",
                "recorded_by",
                "recorded_at",
                "revoked_by_id",
                "revoked_by",
                "revoked_at",
                "revoke_reason",
                "superseded_by_version",
            ]
        )
    query = "waivers_list" if warehouse.has_receipts else "waivers_list_by_version"  # an old file, read-only
    return warehouse.frame(sql(query), {"year": year})


def active(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`waivers_for_year` frame in force: not revoked, and not voided by a newer version."""
    return frame[frame["revoked_by_id"].isna() & frame["superseded_by_version"].isna()]


def status_of(warehouse: Warehouse, sha256s: list[str]) -> dict[str, dict[str, Any]]:
    """sha256 -> {status, waived, status_at_receipt} from the ``submission_status`` view."""
    if not sha256s or not has_evidence_tables(warehouse):
        return {}
    rows = warehouse.con.execute(sql("status_of"), [list(sha256s)]).fetchall()
    return {r[0]: {"status": r[1], "waived": bool(r[2]), "status_at_receipt": r[3]} for r in rows}
