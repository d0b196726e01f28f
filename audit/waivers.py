"""Waivers and acknowledgements: who may set aside which finding, for which version of a return.

Policy (SPEC §0 severities):

* HARD failures cannot be waived: the unit must resubmit. Asking is refused with :class:`WaiverRefused`.
* HARD-W failures can be **waived** by a named auditor with a reason; the return then counts as accepted (see the
  ``submission_status`` view) from the next run on.
* SOFT findings can be **acknowledged** the same way (they never block; the acknowledgement is the sign-off).

A waiver is tied to the unit's latest submission for the year (its sha256): a new version of the return is not
covered and needs its own decision. Revoking is a new record pointing at the old one; nothing is edited.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from schemas.errors import NianbaoError
from schemas.rules import RULE_BY_ID, Severity
from schemas.single_row import WAIVED_NOTE
from warehouse import audit_queries
from warehouse.evidence import Waiver, active, insert_waiver, waiver_by_id, waivers_for_year
from warehouse.store import Warehouse


class WaiverRefused(NianbaoError):
    """The waiver cannot be recorded; the message says why and what to do instead."""


def latest_submission(warehouse: Warehouse, unit_id: str, year: int) -> dict[str, Any] | None:
    """The unit's latest submission for ``year`` whatever its status: sha256, version, status, original_name."""
    found = audit_queries.latest_submission(warehouse, unit_id, year)
    if found is None:
        return None
    sha, version, status, name = found
    return {"sha256": sha, "version": version, "status": status, "original_name": name}


def waive(warehouse: Warehouse, rule_id: str, unit_id: str, year: int, reason: str, by: str) -> Waiver:
    """Record a waiver (HARD-W) or an acknowledgement (SOFT) of ``rule_id`` on the unit's latest return.

    Refused (:class:`WaiverRefused`) for an unknown or HARD rule, a unit with no return for the year, a rule that
    did not fail on that return, an empty reason or name.
    """
    rule_id = rule_id.strip().upper()
    found = RULE_BY_ID.get(rule_id)
    if found is None:
        raise WaiverRefused(f"Unknown rule {rule_id!r}. Known rules: {', '.join(sorted(RULE_BY_ID))}.")
    if found.severity is Severity.HARD:
        raise WaiverRefused(
            f"Rule {rule_id} ({found.title}) is HARD and cannot be waived: unit {unit_id} must send a corrected "
            "return. Only HARD-W rules can be waived, and SOFT findings acknowledged."
        )
    if not reason.strip():
        raise WaiverRefused("A waiver needs a reason (--reason): say why the finding is acceptable.")
    if not by.strip():
        raise WaiverRefused("A waiver needs the name of the auditor who decides it (--by).")
    latest = latest_submission(warehouse, unit_id, year)
    if latest is None:
        raise WaiverRefused(
            f"Unit {unit_id} has no return for {year} in the warehouse {warehouse.path}; nothing to waive."
        )
    if not audit_queries.rule_failures(warehouse, latest["sha256"], rule_id):
        raise WaiverRefused(
            f"Rule {rule_id} did not fail on unit {unit_id}'s latest {year} return (version {latest['version']}, "
            f"{latest['original_name']}, sha256 {latest['sha256'][:12]}…); nothing to waive. "
            f"`nianbao audit --unit {unit_id} --year {year}` lists its findings."
        )
    kind = "waiver" if found.severity is Severity.HARD_W else "acknowledgement"
    return insert_waiver(
        warehouse,
        kind,
        rule_id,
        found.severity.value,
        unit_id,
        year,
        latest["sha256"],
        latest["version"],
        reason.strip(),
        by.strip(),
    )


def revoke(warehouse: Warehouse, waiver_id: int, reason: str, by: str) -> Waiver:
    """Revoke a waiver or acknowledgement: a new record pointing at it (the old one stays as it was)."""
    old = waiver_by_id(warehouse, waiver_id)
    if old is None or old.kind == "revocation":
        raise WaiverRefused(f"There is no waiver or acknowledgement with id {waiver_id} to revoke.")
    if audit_queries.revocations(warehouse, waiver_id):
        raise WaiverRefused(f"Waiver {waiver_id} has already been revoked.")
    if not reason.strip() or not by.strip():
        raise WaiverRefused("A revocation needs a reason (--reason) and who decides it (--by).")
    return insert_waiver(
        warehouse,
        "revocation",
        old.rule,
        old.severity,
        old.unit_id,
        old.year,
        old.sha256,
        old.version,
        reason.strip(),
        by.strip(),
        refers_to=waiver_id,
    )


def revocation(row: Any) -> dict[str, Any] | None:
    """The revocation of a waiver's or a keep's row (its ``revoked_*`` columns), or None when it stands."""
    if pd.isna(row.revoked_by_id):
        return None
    return {
        "id": int(row.revoked_by_id),
        "by": row.revoked_by,
        "at": pd.Timestamp(row.revoked_at).isoformat(),
        "reason": row.revoke_reason,
    }


def waiver_records(
    warehouse: Warehouse, year: int, sha256s: list[str] | None = None, in_force_only: bool = True
) -> list[dict[str, Any]]:
    """Waivers and acknowledgements as plain dicts (manifest, annex, audit report): who, when, why, which return.
    ``sha256s`` limits them to those submissions (e.g. the ones a report was built from)."""
    frame = waivers_for_year(warehouse, year)
    if in_force_only:
        frame = active(frame)
    if sha256s is not None:
        frame = frame[frame["sha256"].isin(list(sha256s))]
    out = []
    for row in frame.itertuples(index=False):
        out.append(
            {
                "id": int(row.waiver_id),
                "kind": row.kind,
                "rule": row.rule,
                "severity": row.severity,
                "unit_id": row.unit_id,
                "year": int(row.year),
                "version": None if pd.isna(row.version) else int(row.version),
                "sha256": row.sha256,
                "reason": row.reason,
                "by": row.recorded_by,
                "at": pd.Timestamp(row.recorded_at).isoformat(),
                "void_by_version": None if pd.isna(row.superseded_by_version) else int(row.superseded_by_version),
                "revoked": revocation(row),
            }
        )
    return out


def deviation_notes(waivers: list[dict[str, Any]]) -> dict[str, str]:
    """sha256 -> what the annex and the audit say of a return accepted through an S6 waiver in force (its single
    (六) row counted under 3.其他), naming the waiver. ``waivers``: :func:`waiver_records`; a revoked waiver, or
    one voided by a newer version, says nothing."""
    out: dict[str, str] = {}
    for w in waivers:
        if w["rule"] == "S6" and w["kind"] == "waiver" and not w["revoked"] and not w["void_by_version"]:
            out.setdefault(w["sha256"], f"{WAIVED_NOTE}（豁免编号 {w['id']}）")
    return out
