"""The office's keeps in the warehouse: an older accepted version of a unit's return kept while the latest one it
received is rejected (``nianbao keep``), and their revocations. Append-only and chained, like the waivers.

The table and the views that decide which return is in force are in ``sql/create_keep_tables.sql``; the policy
(what may be kept) is in ``audit.keeps``. This module only stores and reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from warehouse import chain
from warehouse.store import Warehouse, WarehouseError, now, sql

KINDS = ("keep", "revocation")
LIST_COLUMNS = [
    "keep_id",
    "unit_id",
    "year",
    "sha256",
    "version",
    "instead_of",
    "instead_of_version",
    "reason",
    "recorded_by",
    "recorded_at",
    "revoked_by_id",
    "revoked_by",
    "revoked_at",
    "revoke_reason",
    "void_by_version",
    "in_force",
]


@dataclass(frozen=True)
class Keep:
    """One stored row of ``keeps``."""

    keep_id: int
    kind: str  # keep | revocation
    unit_id: str
    year: int
    sha256: str  # the kept submission
    version: int | None
    instead_of: str  # the rejected current submission it was recorded against
    instead_of_version: int | None
    reason: str
    recorded_by: str
    recorded_at: datetime
    refers_to: int | None = None


def insert_keep(
    warehouse: Warehouse,
    kind: str,
    unit_id: str,
    year: int,
    sha256: str,
    version: int | None,
    instead_of: str,
    instead_of_version: int | None,
    reason: str,
    recorded_by: str,
    refers_to: int | None = None,
) -> Keep:
    """Append one row and its chain link in one transaction; returns it as stored (with its id and time)."""
    if kind not in KINDS:
        raise WarehouseError(f"Unknown keep record kind {kind!r}; use one of {', '.join(KINDS)}.")
    if not reason.strip() or not recorded_by.strip():
        raise WarehouseError("A keep needs a reason and the name of who records it.")
    at = now()
    with warehouse.transaction():
        inserted = warehouse.con.execute(
            sql("insert_keep"),
            {
                "kind": kind,
                "unit_id": unit_id,
                "year": year,
                "sha256": sha256,
                "version": version,
                "instead_of": instead_of,
                "instead_of_version": instead_of_version,
                "reason": reason,
                "recorded_by": recorded_by,
                "recorded_at": at,
                "refers_to": refers_to,
            },
        ).fetchone()
        assert inserted is not None  # INSERT … RETURNING gives the row it inserted
        (keep_id,) = inserted
        chain.seal(warehouse.con, {"keeps": [str(keep_id)]}, None)
    return Keep(
        keep_id,
        kind,
        unit_id,
        year,
        sha256,
        version,
        instead_of,
        instead_of_version,
        reason,
        recorded_by,
        at,
        refers_to,
    )


def keep_by_id(warehouse: Warehouse, keep_id: int) -> tuple[Keep, int] | None:
    """The row with that id and the number of revocations recorded against it; None when there is none."""
    rows = warehouse.con.execute(sql("keep_by_id"), {"keep_id": keep_id}).fetchall()
    return (Keep(*rows[0][:-1]), int(rows[0][-1])) if rows else None


def version_status(warehouse: Warehouse, unit_id: str, year: int, version: int) -> dict[str, str] | None:
    """sha256, status (waivers applied) and original_name of one version of a unit's return; None when unknown."""
    rows = warehouse.con.execute(
        sql("version_status"), {"unit_id": unit_id, "year": year, "version": version}
    ).fetchall()
    return {"sha256": rows[0][0], "status": rows[0][1], "original_name": rows[0][2]} if rows else None


def keeps_for_year(warehouse: Warehouse, year: int) -> pd.DataFrame:
    """Every keep for ``year`` (sql/keeps_list.sql): revocation columns (``revoked_by_id`` NULL when not revoked),
    ``void_by_version`` (the unit's current version once another file was received) and ``in_force``. Empty (same
    columns) for an old file without receipts opened read-only: it has no keeps."""
    if not warehouse.has_receipts:
        return pd.DataFrame(columns=LIST_COLUMNS)
    return warehouse.frame(sql("keeps_list"), {"year": year})
