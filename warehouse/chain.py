"""The evidence chain: every evidence row of the warehouse proves it is the row nianbao recorded.

Each evidence table has a chain of links in ``evidence_chain`` (sql/create_chain_tables.sql), one per row in the
order rows were recorded — or one per group where rows come by the hundred: a submission's cells (30 million
cells at 150,000 returns), its cell sources and deviations, a node's cells, a roster's units. A link holds the hash of its row's content (sql/chain_rows_<table>.sql) and the hash of the table's
previous link. :func:`seal` adds the links of rows just written, in the transaction that writes them;
:func:`verify` recomputes every row's hash and walks every chain: a row changed, deleted or inserted outside
nianbao, or a link rewritten, is a :class:`Break` naming the table and the row.

Someone who can write the file could recompute a whole chain after tampering; the manifests of the publications,
which are outside the warehouse, record the chain heads (:func:`heads_of_run`), and :func:`verify` checks every
head a manifest recorded is still a link of the chain.

Rows already in a warehouse from before the chain are sealed as they are when it is first opened for writing
(:func:`ensure`): the chain vouches for them from then on only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from schemas.cells import CELL_KEYS
from schemas.errors import NianbaoError

# Every chained table, in the order their links are added within one transaction.
CHAINED = (
    "rosters",
    "roster_units",
    "runs",
    "submissions",
    "receipts",
    "cells",
    "cell_sources",
    "cell_deviations",
    "validation_results",
    "checkpoint_results",
    "node_cells",
    "waivers",
    "keeps",
    "node_publications",
)
# Tables of the district era, retired by warehouse/migrate.py: each row was moved to the node table named here (the
# run's own node), and the table dropped. Nothing links rows to them any more; their links stay in the chain.
RETIRED = {"consolidated_cells": "node_cells", "publications": "node_publications"}
GENESIS = "0" * 64  # the "previous link" of a table's first link
MANIFEST_KEY = "evidence_chain"  # where a manifest records the chain heads


class ChainBroken(NianbaoError, RuntimeError):
    """The warehouse's evidence does not match its chain: nothing may be published from it."""

    def __init__(self, breaks: Sequence[Break]):
        self.breaks = list(breaks)
        first = self.breaks[0]
        more = f" (and {len(self.breaks) - 1} more break(s))" if len(self.breaks) > 1 else ""
        super().__init__(
            f"The warehouse's evidence chain is broken: table {first.table}, row {first.row}: {first.problem}{more}. "
            "Nothing was published. `nianbao audit --verify` lists every break; restore the warehouse from a "
            "backup before publishing again."
        )


@dataclass(frozen=True)
class Break:
    """One place where the evidence differs from what was recorded."""

    table: str  # an evidence table, or "originals" for a kept file
    row: str  # the row's key (its row_ref), or the pack and member
    problem: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.problem}"


@cache
def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def link_hash(prev_hash: str, table: str, row_ref: str, row_hash: str) -> str:
    """A link's hash: its table's previous link, its table, its row and the row's content hash (each
    length-prefixed, so no two links have the same text)."""
    text = "".join(f"{len(part)}:{part}" for part in (prev_hash, table, row_ref, row_hash))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(_sql("chain_exists")).fetchall()[0][0])


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the chain table if missing; a warehouse that had none has its rows sealed as they are now.
    Call inside the transaction that creates the tables."""
    if exists(con):
        return
    con.execute(_sql("create_chain_tables"))
    seal(con, {table: None for table in CHAINED}, None)


# Tables hashed CHUNK keys at a time, with the SQL that lists their keys: the cells' aggregation holds every row of
# its groups in memory (~20 MB per 1,000 returns), so 150,000 returns at once would need ~3 GB more.
CHUNKED = {"cells": "chain_keys_cells"}
CHUNK = 10_000


def _row_hashes(con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str] | None) -> list[tuple[str, str]]:
    """(row_ref, content hash) of the rows of ``table`` whose key is in ``keys`` (every row when None)."""
    if table in CHUNKED:  # row_ref is the key: chunks of sorted keys come back in row_ref order
        if keys is None:
            keys = [k for (k,) in con.execute(_sql(CHUNKED[table])).fetchall()]
        ordered = sorted(set(keys))
        return [row for i in range(0, len(ordered), CHUNK) for row in _hash_scope(con, table, ordered[i : i + CHUNK])]
    return _hash_scope(con, table, keys)


_CELL_POSITIONS = pa.table(
    {"cell_key": list(CELL_KEYS), "position": pa.array(range(1, len(CELL_KEYS) + 1), pa.int32())}
)


def _hash_scope(con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str] | None) -> list[tuple[str, str]]:
    con.execute(_sql("chain_macros"))
    con.register("chain_scope", pa.table({"key": pa.array([] if keys is None else list(keys), pa.string())}))
    con.register("chain_keys", _CELL_POSITIONS)  # the format's key order, from the code (chain_rows_cells.sql)
    try:
        return con.execute(_sql(f"chain_rows_{table}"), {"all": keys is None}).fetchall()
    finally:
        con.unregister("chain_scope")
        con.unregister("chain_keys")


def seal(con: duckdb.DuckDBPyConnection, rows: Mapping[str, Sequence[str] | None], run_key: str | None) -> int:
    """Link the rows just written: ``rows`` maps a chained table to the keys of its new rows (the key its
    chain_rows SQL filters on: a sha256, a run_key, a waiver id; None = every row). Returns the links added.
    Call inside the transaction that wrote the rows, so that rows and links are committed together."""
    tails = {table: (link_id, h) for table, link_id, h in con.execute(_sql("chain_tail")).fetchall()}
    next_id = max((link_id for link_id, _ in tails.values()), default=0) + 1
    ids: list[int] = []
    tables: list[str] = []
    refs: list[str] = []
    hashes: list[str] = []
    prevs: list[str] = []
    links: list[str] = []
    for table in CHAINED:
        if table not in rows or (rows[table] is not None and not rows[table]):
            continue
        prev = tails.get(table, (0, GENESIS))[1]
        for ref, h in _row_hashes(con, table, rows[table]):
            link = link_hash(prev, table, ref, h)
            ids.append(next_id)
            tables.append(table)
            refs.append(ref)
            hashes.append(h)
            prevs.append(prev)
            links.append(link)
            next_id += 1
            prev = link
    if not ids:
        return 0
    new_links = pa.table(
        {
            "link_id": pa.array(ids, pa.int64()),
            "table_name": tables,
            "row_ref": refs,
            "row_hash": hashes,
            "prev_hash": prevs,
            "link_hash": links,
            "run_key": pa.array([run_key] * len(ids), pa.string()),
        }
    )
    con.register("new_links", new_links)
    try:
        con.execute(_sql("chain_insert"))
    finally:
        con.unregister("new_links")
    return len(ids)


def heads_of_run(con: duckdb.DuckDBPyConnection, run_key: str) -> dict[str, dict[str, Any]]:
    """Each table's chain head as it stood when the run's evidence was recorded: table -> {link, hash}. What the
    run's manifests record; the same on every rerun. Empty when the run has no links (recorded before chaining)."""
    if not exists(con):
        return {}
    rows = con.execute(_sql("chain_heads_of_run"), {"run_key": run_key}).fetchall()
    return {table: {"link": int(link_id), "hash": h} for table, link_id, h in rows}


@dataclass(frozen=True)
class Verified:
    """What :func:`verify` looked at, and every break found."""

    links: int
    rows: int
    anchors: int  # chain heads recorded in manifests, checked
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify(con: duckdb.DuckDBPyConnection) -> Verified:
    """Recompute every chained row's hash and walk every table's chain; check the heads the publications'
    manifests recorded. Read-only: works on a connection opened read-only."""
    if not exists(con):
        return Verified(
            0, 0, 0, [Break("evidence_chain", "-", "the warehouse has no evidence chain: no row is proven")]
        )
    links: dict[str, list[tuple[Any, ...]]] = {}
    by_id: dict[int, tuple[str, str]] = {}
    for link_id, table, ref, h, prev, lh in con.execute(_sql("chain_links")).fetchall():
        links.setdefault(table, []).append((link_id, ref, h, prev, lh))
        by_id[link_id] = (table, lh)
    breaks: list[Break] = []
    n_rows = 0
    hashes: dict[str, dict[str, str]] = {}
    for table in CHAINED:
        try:
            hashes[table] = dict(_row_hashes(con, table, None))
        except duckdb.CatalogException:  # a table this (read-only, older) file does not have
            hashes[table] = {}
        n_rows += len(hashes[table])
        breaks += _table_breaks(table, links.get(table, []), hashes[table])
    for table, successor in RETIRED.items():
        if _has_table(con, table):  # not migrated yet (a file opened read-only): checked as it is
            actual = dict(_row_hashes(con, table, None))
            n_rows += len(actual)
            breaks += _table_breaks(table, links.get(table, []), actual)
        else:
            breaks += _retired_breaks(con, table, links.get(table, []), hashes[successor])
    anchors, anchor_breaks = _check_anchors(con, by_id)
    return Verified(sum(len(v) for v in links.values()), n_rows, anchors, breaks + anchor_breaks)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(_sql("table_exists"), [table]).fetchall()[0][0])


def _walk(table: str, links: Sequence[tuple[Any, ...]]) -> list[Break]:
    """A table's links in order: each follows the previous one, hashes as recorded, and names a row once."""
    breaks: list[Break] = []
    prev = GENESIS
    seen: set[str] = set()
    for link_id, ref, h, link_prev, lh in links:
        if link_prev != prev:
            breaks.append(
                Break(
                    table,
                    ref,
                    f"chain link {link_id} does not follow the table's previous link "
                    "(a link was removed, inserted or rewritten before it)",
                )
            )
        if lh != link_hash(link_prev, table, ref, h):
            breaks.append(Break(table, ref, f"chain link {link_id} was rewritten"))
        prev = lh
        if ref in seen:
            breaks.append(Break(table, ref, f"linked twice (chain link {link_id})"))
        seen.add(ref)
    return breaks


def _table_breaks(table: str, links: Sequence[tuple[Any, ...]], actual: Mapping[str, str]) -> list[Break]:
    """The chain of ``table`` walked, and every row compared with its link: changed, deleted or inserted."""
    breaks = _walk(table, links)
    linked: dict[str, str] = {}
    for _, ref, h, _, _ in links:
        linked[ref] = h
    for ref, h in linked.items():
        if ref not in actual:
            breaks.append(Break(table, ref, "deleted: recorded in the chain, no longer in the table"))
        elif actual[ref] != h:
            breaks.append(Break(table, ref, "changed since it was recorded (its content hash differs)"))
    for ref in sorted(set(actual) - set(linked)):
        breaks.append(Break(table, ref, "not in the chain: inserted outside nianbao"))
    return breaks


def verify_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> list[Break]:
    """The breaks of these tables only (warehouse/migrate.py checks the tables it is about to retire)."""
    if not exists(con):
        return []
    links: dict[str, list[tuple[Any, ...]]] = {}
    for link_id, table, ref, h, prev, lh in con.execute(_sql("chain_links")).fetchall():
        links.setdefault(table, []).append((link_id, ref, h, prev, lh))
    return [b for t in tables for b in _table_breaks(t, links.get(t, []), dict(_row_hashes(con, t, None)))]


def _retired_breaks(
    con: duckdb.DuckDBPyConnection, table: str, links: Sequence[tuple[Any, ...]], successors: Mapping[str, str]
) -> list[Break]:
    """A retired table's chain is still walked, and each row it links must be in the node table that took it over
    (the run's own node): a run's consolidated report with the very content hash it was recorded with (the two
    tables hash a report alike); a publication as a row of ``node_publications`` (whose own link vouches for it:
    the two rows of one publication were recorded microseconds apart, so their times differ)."""
    breaks = _walk(table, links)
    node_of = dict(con.execute(_sql("chain_run_nodes")).fetchall())
    for _, ref, h, _, _ in links:
        moved = f"{ref}/{node_of.get(ref, '?')}"
        if moved not in successors:
            breaks.append(Break(table, ref, f"retired: its row is not in {RETIRED[table]} as {moved}"))
        elif table == "consolidated_cells" and successors[moved] != h:
            breaks.append(Break(table, ref, f"retired: {RETIRED[table]} {moved} differs from what was recorded"))
    return breaks


def _check_anchors(con: duckdb.DuckDBPyConnection, by_id: dict[int, tuple[str, str]]) -> tuple[int, list[Break]]:
    """Every chain head a publication's manifest recorded must still be that link of the chain: a chain rebuilt
    after tampering has other link hashes. A manifest that is gone, or that a later run rewrote, is not checked
    here (``nianbao audit`` re-hashes the published files)."""
    checked = 0
    breaks: list[Break] = []
    try:
        rows = con.execute(_sql("chain_manifests")).fetchall()
    except duckdb.CatalogException:  # an older file without node publications
        rows = []
    if _has_table(con, "publications"):  # an older file not migrated yet (opened read-only)
        rows += con.execute(_sql("chain_manifests_legacy")).fetchall()
    for table, ref, run_key, folder in rows:
        try:
            manifest = json.loads((Path(folder) / "manifest.json").read_bytes())
        except (OSError, ValueError):
            continue
        if not isinstance(manifest, dict) or manifest.get("run") != run_key:
            continue
        for head_table, head in sorted((manifest.get(MANIFEST_KEY) or {}).items()):
            checked += 1
            link_id, h = head.get("link"), head.get("hash")
            if by_id.get(link_id) != (head_table, h):
                breaks.append(
                    Break(
                        head_table,
                        f"chain link {link_id}",
                        f"the manifest of {table} {ref} "
                        f"({folder}/manifest.json) recorded this link as the table's head with hash "
                        f"{str(h)[:16]}…; the chain no longer has it: the chain was rewritten",
                    )
                )
    return checked, breaks


def require_intact(con: duckdb.DuckDBPyConnection) -> Verified:
    """:func:`verify`, raising :class:`ChainBroken` (naming the first table and row) on any break."""
    result = verify(con)
    if result.breaks:
        raise ChainBroken(result.breaks)
    return result


def seal_load(con: duckdb.DuckDBPyConnection, run_key: str, sha256s: Sequence[str]) -> int:
    """Link what ``Warehouse.load_run`` just wrote: the run, its new submissions with their cells, cell sources
    and deviations (one link per submission each), and its validation results."""
    fresh = list(sha256s)
    per_submission = ("submissions", "cells", "cell_sources", "cell_deviations")
    return seal(
        con,
        {
            "runs": [run_key],
            "receipts": [run_key],
            **{t: fresh for t in per_submission},
            "validation_results": [run_key],
        },
        run_key,
    )
