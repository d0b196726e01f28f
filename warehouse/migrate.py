"""Moving a warehouse of the district era to the tree model: ``consolidated_cells`` and ``publications`` retired.

A district is a tree of one node, so a run's reports live in ``node_cells`` and its publications in
``node_publications``, one row set per node, the run's own node included. Warehouses written before kept the
run's own node twice: in those tables and — for runs since the tree — in the node tables too.

Decision: the old tables are DROPPED, once every row of theirs is in the node tables, by
:func:`retire_district_tables`, run when the file is opened for writing (inside the transaction that creates the
tables, so it is all or nothing):

1. The old tables' rows are first checked against their evidence chain (``chain.verify_tables``). A table that
   does not match is left as it is: dropping it would hide the tampering, and ``nianbao audit --verify`` keeps
   naming the row (publishing from that warehouse is refused anyway).
2. Rows without a twin are copied: a district-era run's report into ``node_cells`` under the run's own node
   (``runs.district_id``), a publication into ``node_publications``; the copies are linked into the node tables'
   chains at once. Where a twin exists the old row is the same report (the same content hash) or the same
   publication recorded microseconds apart (only ``published_at`` differs; the node row's time is kept).
3. Only when no old row is left without a twin are both tables dropped.

The chain stays verifiable: the retired tables' links stay in ``evidence_chain`` (it is append-only), and
``chain.verify`` still walks them and requires each linked row in the node table that took it over — a report
with the very content hash it was recorded with (warehouse/chain.py, ``RETIRED``). The heads that published
manifests recorded are links of that chain, so they are still found.

A file opened read-only is never changed: its old tables are verified as they are, and its district-era
manifests are still checked (chain_manifests_legacy.sql). It is migrated the next time a run opens it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import duckdb

from warehouse import chain


@cache
def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(_sql("table_exists"), [table]).fetchall()[0][0])


def retire_district_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Move the district-era rows into the node tables and drop the old tables (see the module's note). True
    when they were dropped; False when there were none, or when they must stay (a break, or a row with no twin).
    Call inside the transaction that creates the tables, after the node tables exist."""
    retired = list(chain.RETIRED)
    if not all(_has_table(con, t) for t in retired):
        return False
    if chain.verify_tables(con, retired):  # tampered: keep the evidence of it where verify finds it
        return False
    runs = sorted({run_key for (run_key,) in con.execute(_sql("migrate_node_cells")).fetchall()})
    publications = sorted(ref for (ref,) in con.execute(_sql("migrate_node_publications")).fetchall())
    if chain.exists(con):  # a file without a chain gets every row sealed by chain.ensure, copies included
        chain.seal(con, {"node_cells": runs, "node_publications": publications}, None)
    if con.execute(_sql("migrate_unmatched")).fetchall()[0][0]:
        return False
    con.execute(_sql("retire_district_tables"))
    return True
