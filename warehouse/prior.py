"""Last year's accepted returns, as the cross-year rules read them (schemas.crossyear, schemas.judge.judge_batch)."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from schemas.crossyear import PRIOR_KEYS, wide_from_long
from warehouse.store import Warehouse, WarehouseError


def prior_cells(warehouse: Warehouse, unit_ids: Iterable[str], year: int) -> pd.DataFrame:
    """One row per unit that has an accepted return for ``year - 1``: its unit_id and the cells the cross-year
    rules read (PRIOR_KEYS; the other cell columns are empty). Works on a warehouse opened read-only."""
    ids = sorted({u for u in unit_ids if u})
    try:
        prior = warehouse.latest_accepted(ids, year - 1)
    except duckdb.CatalogException as exc:  # a DuckDB file, but not one nianbao made (read-only: never created)
        raise WarehouseError(f"{warehouse.path} is not a nianbao warehouse ({exc})") from exc
    prior = prior[prior["sha256"].notna()]
    # only the cells the rules read, with their unit: not all 200 cells of 150,000 returns
    long = warehouse.cells_of(prior["sha256"].tolist(), PRIOR_KEYS, unit_ids=prior["unit_id"].tolist())
    return wide_from_long(long)
