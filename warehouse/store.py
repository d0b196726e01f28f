"""The DuckDB warehouse: one file holds the rosters, every submission and its cells, every validation result,
each run's consolidated reports (one per node of its tree), checkpoint outcome and publications.

``Warehouse`` is put together from four rooms: the connection (opening, creating and migrating the file,
transactions: warehouse/connection.py), loading a run (warehouse/load.py), the queries (warehouse/queries.py) and a
run's outcome (warehouse/outcomes.py). Writes happen in transactions: a crash mid-load leaves the file as it was.
Evidence tables are append-only (sql/create_tables.sql). Every SQL statement is in ``sql/*.sql``, one per file.
"""

from __future__ import annotations

from warehouse.connection import WarehouseBusy, WarehouseError, now, sql
from warehouse.load import Loading, LoadSummary, Submission, cells_table
from warehouse.outcomes import Outcomes
from warehouse.queries import Queries

__all__ = ["LoadSummary", "Submission", "Warehouse", "WarehouseBusy", "WarehouseError", "cells_table", "now", "sql"]


class Warehouse(Outcomes, Queries, Loading):
    """A connection to the warehouse file with everything the run, the audit and the CLI do with it. Use as a
    context manager; one writer at a time."""
