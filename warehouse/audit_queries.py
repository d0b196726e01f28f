"""The questions the audit (audit/) asks the warehouse, one function each; the statements are in sql/audit_*.sql.

Whatever is asked about many units or submissions is asked once for all of them (a registered table joined in
SQL), never once per unit: a district of 2,000 units is a handful of statements, as is one of three.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from schemas.cells import FEE_KEY
from warehouse.store import Warehouse, sql


def roster_rows(warehouse: Warehouse, roster_sha256: str) -> list[tuple[Any, ...]]:
    """(unit_id, unit_name, kind, parent_id, source_name) of a recorded roster, in the file's order; [] when the
    warehouse holds no such roster."""
    return warehouse.con.execute(sql("audit_roster_units"), [roster_sha256]).fetchall()


def latest_roster_sha256(warehouse: Warehouse, district_id: str, year: int) -> str | None:
    """The roster of the latest run for ``year`` that consolidated the node: its own, or that of a city, province
    or country above it (None when no run did)."""
    found = warehouse.scalar(sql("audit_latest_roster"), [district_id, district_id, year])
    return None if found is None else str(found)


def roster_chain(warehouse: Warehouse, roster_sha256: str, unit_id: str) -> list[tuple[Any, ...]]:
    """(unit_id, unit_name, kind, parent_id, source_name) of the unit and of every unit above it on a recorded
    roster, nearest first ([] when the roster does not list the unit); one statement, the roster not read."""
    return warehouse.con.execute(sql("audit_roster_chain"), {"roster": roster_sha256, "unit": unit_id}).fetchall()


def roster_name(warehouse: Warehouse, roster_sha256: str) -> str:
    """The file name a recorded roster was read from ("" when the warehouse holds no such roster)."""
    found = warehouse.scalar(sql("audit_roster_name"), [roster_sha256])
    return "" if found is None else str(found)


def run_row(warehouse: Warehouse, run_key: str) -> tuple[Any, ...] | None:
    """(district_id, year, roster_sha256, started_at) of a run, or None when the warehouse has no such run."""
    rows = warehouse.con.execute(sql("audit_run"), [run_key]).fetchall()
    return rows[0] if rows else None


def checkpoint_results(warehouse: Warehouse, run_key: str) -> list[tuple[str, str, bool, str]]:
    """(expectation, rule, success, unexpected rows as JSON) of a run's checkpoint, in the order they ran."""
    return warehouse.con.execute(sql("audit_checkpoint_results"), [run_key]).fetchall()


def publication_folder(warehouse: Warehouse, run_key: str, node_id: str) -> str | None:
    """The folder the run published the report of its own node to, or None when it published nothing."""
    found = warehouse.scalar(sql("audit_publication_folder"), [run_key, node_id])
    return None if found is None else str(found)


def node_publications(warehouse: Warehouse, node_id: str, year: int) -> list[tuple[Any, ...]]:
    """(run_key, folder, published_at, manifest_sha256, files JSON, roster_sha256) of every publication of the
    node for ``year``, oldest first."""
    return warehouse.con.execute(sql("audit_node_publications"), [node_id, year]).fetchall()


def cells_with_raw(warehouse: Warehouse, sha256s: Sequence[str]) -> dict[str, dict[str, Any]]:
    """sha256 -> its cells as read: int, Decimal (the fee), the raw text of a value that was not a number, or
    None; one statement for all the submissions."""
    out: dict[str, dict[str, Any]] = {sha: {} for sha in sha256s}
    if not sha256s:
        return out
    with warehouse._registered(wanted=pa.table({"sha256": list(sha256s)})):
        rows = warehouse.con.execute(sql("audit_cells_with_raw")).fetchall()
    for sha, key, vi, vd, raw in rows:
        out[sha][key] = vd if key == FEE_KEY and vd is not None else (vi if vi is not None else raw)
    return out


def cell_sources(warehouse: Warehouse, sha256s: Sequence[str]) -> dict[str, dict[str, tuple[str, str | None]]]:
    """sha256 -> cell key -> (where it was read, the identities that decoded it or None), for every submission
    asked about (an empty dict for one with no recorded places); one statement."""
    out: dict[str, dict[str, tuple[str, str | None]]] = {sha: {} for sha in sha256s}
    if not sha256s:
        return out
    try:
        with warehouse._registered(wanted=pa.table({"sha256": list(sha256s)})):
            rows = warehouse.con.execute(sql("audit_cell_sources")).fetchall()
    except duckdb.CatalogException:  # a warehouse from before cell_sources, opened read-only
        return out
    for sha, key, source, decoded in rows:
        out[sha][key] = (source, decoded)
    return out


def decoded_submissions(warehouse: Warehouse, sha256s: Sequence[str]) -> set[str]:
    """The submissions among ``sha256s`` whose digits were cut apart by an identity (some cell decoded_by); one
    statement, so the audit can tell which units to show in full before it reads any cell."""
    if not sha256s:
        return set()
    try:
        with warehouse._registered(wanted=pa.table({"sha256": list(sha256s)})):
            rows = warehouse.con.execute(sql("audit_decoded_submissions")).fetchall()
    except duckdb.CatalogException:  # a warehouse from before cell_sources, opened read-only
        return set()
    return {sha for (sha,) in rows}


def latest_submission(warehouse: Warehouse, unit_id: str, year: int) -> tuple[str, int | None, str, str] | None:
    """(sha256, version, status, original_name) of the unit's current submission for ``year`` (the latest
    received, then the highest version) whatever its status, or None when it sent nothing."""
    rows = warehouse.con.execute(sql("audit_latest_submission"), [unit_id, year]).fetchall()
    return rows[0] if rows else None


def rule_failures(warehouse: Warehouse, sha256: str, rule_id: str) -> int:
    """How many times ``rule_id`` failed on the submission, in any run."""
    return int(warehouse.scalar(sql("audit_rule_failures"), [sha256, rule_id]))


def revocations(warehouse: Warehouse, waiver_id: int) -> int:
    """How many revocations point at the waiver (0 or 1)."""
    return int(warehouse.scalar(sql("audit_revocations"), [waiver_id]))
