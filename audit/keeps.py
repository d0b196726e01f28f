"""Keeping an older version: the office's explicit decision to count an older accepted version of a unit's return
while the latest one it received is rejected (``nianbao keep``).

Policy:

* Without a keep, a unit whose latest received return is rejected blocks its node (rule G5), naming the rules the
  return failed: an older accepted version is never used silently.
* A keep names the version to count, a reason and who decides. It is tied to the rejected return it was recorded
  against: any other file received from the unit voids it (a new version needs its own verdict), as it does a
  waiver. Revoking is a new record pointing at the keep; nothing is edited.
* Refused (:class:`KeepRefused`): a unit with no return for the year, a latest return that is accepted (nothing to
  keep it against), an unknown version, a version that is not accepted, or the rejected latest version itself.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.waivers import revocation
from schemas.errors import NianbaoError
from warehouse.keeps import Keep, insert_keep, keep_by_id, keeps_for_year, version_status
from warehouse.store import Warehouse


class KeepRefused(NianbaoError):
    """The keep cannot be recorded; the message says why and what to do instead."""


def _verdict(warehouse: Warehouse, unit_id: str, year: int) -> dict[str, Any] | None:
    frame = warehouse.unit_verdicts([unit_id], year)
    row = frame.iloc[0]
    return None if row["verdict"] == "missing" else {k: row[k] for k in frame.columns}


def keep(warehouse: Warehouse, unit_id: str, year: int, version: int, reason: str, by: str) -> Keep:
    """Record that version ``version`` of the unit's ``year`` return is counted while its latest is rejected."""
    if not reason.strip():
        raise KeepRefused("A keep needs a reason (--reason): say why the older version may be published.")
    if not by.strip():
        raise KeepRefused("A keep needs the name of who decides it (--by).")
    current = _verdict(warehouse, unit_id, year)
    if current is None:
        raise KeepRefused(
            f"Unit {unit_id} has no return for {year} in the warehouse {warehouse.path}; nothing to keep."
        )
    latest = int(current["current_version"])
    if current["verdict"] in ("accepted", "waived"):
        raise KeepRefused(
            f"Unit {unit_id}'s latest {year} return (version {latest}) is accepted and is the one counted; "
            "a keep is only for an older version while the latest is rejected."
        )
    chosen = version_status(warehouse, unit_id, year, version)
    if chosen is None:
        raise KeepRefused(
            f"Unit {unit_id} has no version {version} for {year}; `nianbao audit --unit {unit_id} --year {year}` "
            "lists its versions."
        )
    if chosen["sha256"] == current["current_sha256"]:
        raise KeepRefused(
            f"Version {version} is unit {unit_id}'s latest {year} return and it is rejected "
            f"({current['current_rules'] or 'blocking rules'}): keep an older accepted version, or send a corrected one."
        )
    if chosen["status"] != "accepted":
        raise KeepRefused(
            f"Version {version} of unit {unit_id}'s {year} return ({chosen['original_name']}) is not accepted; only "
            "an accepted version can be kept."
        )
    return insert_keep(
        warehouse,
        "keep",
        unit_id,
        year,
        chosen["sha256"],
        version,
        current["current_sha256"],
        latest,
        reason.strip(),
        by.strip(),
    )


def revoke(warehouse: Warehouse, keep_id: int, reason: str, by: str) -> Keep:
    """Revoke a keep: a new record pointing at it (the old one stays as it was)."""
    found = keep_by_id(warehouse, keep_id)
    if found is None or found[0].kind != "keep":
        raise KeepRefused(f"There is no keep with id {keep_id} to revoke.")
    old, revocations = found
    if revocations:
        raise KeepRefused(f"Keep {keep_id} has already been revoked.")
    if not reason.strip() or not by.strip():
        raise KeepRefused("A revocation needs a reason (--reason) and who decides it (--by).")
    return insert_keep(
        warehouse,
        "revocation",
        old.unit_id,
        old.year,
        old.sha256,
        old.version,
        old.instead_of,
        old.instead_of_version,
        reason.strip(),
        by.strip(),
        refers_to=keep_id,
    )


def _int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def keep_records(warehouse: Warehouse, year: int, in_force_only: bool = True) -> list[dict[str, Any]]:
    """Keeps as plain dicts (manifest, annex, audit report): which version is counted instead of which, who, when,
    why, and whether it is revoked or void."""
    frame = keeps_for_year(warehouse, year)
    if in_force_only:
        frame = frame[frame["in_force"].astype(bool)]
    out = []
    for row in frame.itertuples(index=False):
        out.append(
            {
                "id": int(row.keep_id),
                "unit_id": row.unit_id,
                "year": int(row.year),
                "version": _int(row.version),
                "sha256": row.sha256,
                "instead_of_version": _int(row.instead_of_version),
                "instead_of": row.instead_of,
                "reason": row.reason,
                "by": row.recorded_by,
                "at": pd.Timestamp(row.recorded_at).isoformat(),
                "in_force": bool(row.in_force),
                "void_by_version": _int(row.void_by_version),
                "revoked": revocation(row),
            }
        )
    return out


def keep_note(record: dict[str, Any]) -> str:
    """What the annex says of a unit counted through a keep."""
    return (
        f"保留第{record['version']}版（第{record['instead_of_version']}版未通过校验）；保留记录 {record['id']}，"
        f"{record['by']}：{record['reason']} / version {record['version']} kept instead of the rejected "
        f"version {record['instead_of_version']} (keep {record['id']})"
    )
