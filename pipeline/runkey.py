"""A run's identity: a hash of its inputs — files, roster, and the evidence its verdicts depend on — so that
rerunning the same inputs is the same run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from warehouse.evidence import waivers_for_year
from warehouse.keeps import keeps_for_year
from warehouse.store import Warehouse


def run_evidence(warehouse: Warehouse, year: int, unit_ids: Sequence[str], sha256s: Sequence[str] = ()) -> list[str]:
    """What a run's verdicts depend on besides its files: the waivers and keeps recorded for ``year`` (revocations
    too) and last year's accepted returns (cross-year rules). Part of the run key, so a new waiver or keep makes a
    new run.
    ``sha256s`` (the batch's files): a file received before whose unit has sent another since is re-sent — it
    becomes current again, so the batch is a new run, not a rerun of the one that first received it."""
    waivers = waivers_for_year(warehouse, year)
    ids = [f"waiver:{int(i)}" for i in waivers["waiver_id"]] + [
        f"revoked:{int(i)}" for i in waivers["revoked_by_id"].dropna()
    ]
    keeps = keeps_for_year(warehouse, year)  # a keep (or its revocation) decides which version is counted
    ids += [f"keep:{int(i)}" for i in keeps["keep_id"]] + [
        f"revoked-keep:{int(i)}" for i in keeps["revoked_by_id"].dropna()
    ]
    prior = warehouse.latest_accepted(list(unit_ids), year - 1)
    resent = warehouse.resent([s for s in sha256s if s]) if sha256s else []
    return sorted(ids) + sorted(f"prior:{sha}" for sha in prior["sha256"].dropna()) + resent


def run_key(
    district_id: str, year: int, roster_sha256: str, sha256s: Sequence[str], evidence: Sequence[str] = ()
) -> str:
    """The run's identity: a hash of its inputs, so rerunning the same inputs is the same run. ``evidence``
    (see :func:`run_evidence`) adds waivers and last year's returns when there are any."""
    inputs: list[Any] = [district_id, year, roster_sha256, sorted(set(sha256s))]
    if evidence:
        inputs.append(sorted(evidence))
    payload = json.dumps(inputs)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
