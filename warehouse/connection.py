"""The warehouse file and its connection: opening (one writer at a time), creating and migrating its tables,
transactions, and the small query helpers every other part of the warehouse uses. SQL lives in ``sql/*.sql``
beside this package, one statement per file, loaded by name with :func:`sql`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Self

import duckdb
import pandas as pd
import pyarrow as pa

from schemas.cells import CELL_KEYS, FEE_KEY
from warehouse import chain
from warehouse.migrate import retire_district_tables
from warehouse.opening import WarehouseBusy, WarehouseError, connect

__all__ = ["Connection", "WarehouseBusy", "WarehouseError", "now", "sql"]

FEW_UNITS = 64  # Warehouse.units_filter: up to this many units, a status query reads only their rows


@cache
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return resources.files("warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def now() -> datetime:
    return datetime.now(UTC)


_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}


class Connection:
    """A connection to the warehouse file. Use as a context manager; one writer at a time."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.path, read_only=read_only)  # WarehouseBusy when another process holds the file
        if not read_only:
            self._create()
        # a file last written before receipts (create_tables.sql), opened read-only, cannot be given them: the
        # queries that pick a unit's current return then fall back to the highest version (nianbao audit still works)
        self.has_receipts = self._has_table("receipts")
        if read_only and self.has_receipts and not self._has_table("keeps"):
            self._keeps_stand_in()
        if read_only and self.has_receipts and self._has_table("waivers") and not self._has_status_views():
            self._status_views_stand_in()

    def _has_table(self, name: str) -> bool:
        return bool(self.scalar(sql("table_exists"), [name]))

    def _has_status_views(self) -> bool:
        return bool(self.scalar(sql("status_views_exist")))

    def _status_views_stand_in(self) -> None:
        """A file last written before the status macros (create_status_views.sql), opened read-only: the macros
        and their views as TEMP objects of this connection only (the file itself is not touched)."""
        text = sql("create_status_views")
        for plain, temp in (
            ("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"),
            ("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW"),
        ):
            text = text.replace(plain, temp)
        self.con.execute(text)

    def _keeps_stand_in(self) -> None:
        """A file last written before keeps, opened read-only (nothing can be added to it): the keeps table as a
        TEMP object of this connection only (its views then come from :meth:`_status_views_stand_in`), so every
        query reads the same views (an empty keeps table: nothing is kept). The file itself is not touched."""
        text = sql("create_keep_tables")
        for plain, temp in (
            ("CREATE SEQUENCE IF NOT EXISTS", "CREATE TEMP SEQUENCE IF NOT EXISTS"),
            ("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE IF NOT EXISTS"),
            ("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW"),
        ):
            text = text.replace(plain, temp)
        self.con.execute(text)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _create(self) -> None:
        with self.transaction():
            self.con.execute(sql("create_tables"))
            self.con.execute(sql("create_evidence_tables"))  # waivers + submission_status view
            self.con.execute(sql("create_node_tables"))  # every node of a tree run: node_cells, node_publications
            self.con.execute(sql("create_source_tables"))  # where a published report's cells were read
            self.con.execute(sql("create_deviation_tables"))  # a single (六) row (S6): also added to old files
            self.con.execute(sql("create_keep_tables"))  # older versions kept by the office: also added to old files
            self.con.execute(sql("create_status_views"))  # statuses and returns in force: macros of the units, views
            retire_district_tables(self.con)  # a file from before the tree: its district-era tables moved over
            chained = chain.exists(self.con)
            fresh_receipts = not self.scalar(sql("count_rows").format(table="receipts"))
            self.con.execute(sql("backfill_receipts"))  # a file from before receipts: each submission's first one
            if chained and fresh_receipts:  # a chained file from before receipts: its backfilled receipts linked now
                chain.seal(self.con, {"receipts": None}, None)
            keys = pa.table(
                {
                    "cell_key": list(CELL_KEYS),
                    "position": list(range(1, len(CELL_KEYS) + 1)),
                    "is_fee": [k == FEE_KEY for k in CELL_KEYS],
                }
            )
            with self._registered(new_keys=keys):
                self.con.execute(sql("insert_cell_keys"))
            chain.ensure(self.con)  # the evidence chain (warehouse/chain.py); an older file's rows sealed as they are

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: commit at the end of the block, roll back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def scalar(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        rows = self.con.execute(query, params or []).fetchall()  # fetch all: DuckDB 2 refuses new work otherwise
        return rows[0][0] if rows else None

    def frame(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Query result as pandas through Arrow: DECIMAL stays Python Decimal (never float), integers stay Int64."""
        table = self.con.sql(query, params=params or None).to_arrow_table()
        return table.to_pandas(types_mapper=_PANDAS_TYPES.get)

    def counts(self) -> dict[str, int]:
        """Rows per table: what tests compare before and after a rerun."""
        tables = [r[0] for r in self.con.execute(sql("table_names")).fetchall()]
        return {t: self.scalar(sql("count_rows").format(table=t)) for t in tables}

    @contextmanager
    def _registered(self, **tables: pa.Table) -> Iterator[None]:
        """Register Arrow tables under the given names for the duration of a query."""
        for name, table in tables.items():
            self.con.register(name, table)
        try:
            yield
        finally:
            for name in tables:
                self.con.unregister(name)

    @staticmethod
    def units_filter(unit_ids: Sequence[str]) -> list[str] | None:
        """The ``$units`` of a query reading the status macros (create_status_views.sql): the unit ids themselves
        for a few units (the macros then read only their rows), None (every unit, then joined to the scope) for
        more, where one pass over everything is cheaper than a long list tested on every row."""
        return list(unit_ids) if len(unit_ids) <= FEW_UNITS else None

    @contextmanager
    def _scope(self, unit_ids: Sequence[str]) -> Iterator[None]:
        """Register the units a query is about as the table ``scope`` (position keeps the roster order)."""
        scope = pa.table({"position": list(range(1, len(unit_ids) + 1)), "unit_id": list(unit_ids)})
        with self._registered(scope=scope):
            yield
