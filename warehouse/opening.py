"""Opening the warehouse file with DuckDB, and what a refusal means: another process holding the file is
:class:`WarehouseBusy`, anything else :class:`WarehouseError`. DuckDB and the standard library only, so that
``nianbao consolidate`` can ask whether the warehouse is free before Prefect starts (flows/preflight.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas.errors import NianbaoError


class WarehouseError(NianbaoError):
    """Base of warehouse errors."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse file for writing."""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to ``path``; raises WarehouseBusy when another process holds its lock."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"The warehouse {path} is in use by another nianbao run (DuckDB holds a lock on it). "
                "Wait for that run to finish, then start again; nothing was written."
            ) from exc
        raise WarehouseError(f"Cannot open the warehouse {path}: {exc}") from exc


def check_free(path: Path) -> None:
    """Raise WarehouseBusy when another process holds the warehouse file (a missing file is free: the run
    creates it). A read-only connection is refused while a writer holds the file, and changes nothing; any other
    problem with the file is left to the run, which reports it when it opens the warehouse."""
    if not Path(path).is_file():
        return
    try:
        connect(Path(path), read_only=True).close()
    except WarehouseBusy:
        raise
    except WarehouseError:
        pass
