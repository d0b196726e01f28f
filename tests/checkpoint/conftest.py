"""Frames shaped like the ones the run reads from DuckDB, built from the 连云区 figures with variations.

The district is a tree of one node (checkpoint.nodes): its units all report to it directly, so the direct sums
(sql/direct_sums.sql) are the sums over its units, computed here in plain Python."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from checkpoint import CheckpointResult, build_node_checks, run_node_checkpoint
from sampledata.lianyun import lianyun_cells
from schemas.cells import CELL_KEYS, FEE_KEY, S3_COL_KEYS, s3, s4

YEAR = 2022
DISTRICT_ID = "320703"

Cells = dict[str, int | Decimal]


def doubled() -> Cells:
    """Every count ×2 (identities still hold) and a fee of one millionth of a 万元."""
    cells = {k: (v * 2 if k != FEE_KEY else v) for k, v in lianyun_cells().items()}
    cells[FEE_KEY] = Decimal("0.000001")
    return cells


def with_review_and_carry_in() -> Cells:
    """Some review cases and carried-in requests, kept consistent (A1-A3, L1 hold)."""
    cells = lianyun_cells()
    cells.update({s4("review", "upheld"): 2, s4("review", "pending"): 1, s4("review", "total"): 3})
    for col, n in zip(S3_COL_KEYS, (2, 0, 0, 0, 0, 0, 2)):  # 2 more carried in, all granted
        cells[s3("carried_in", col)] += n
        cells[s3("granted", col)] += n
        cells[s3("total_processed", col)] += n
    cells[FEE_KEY] = Decimal("12.5")
    return cells


def three_units() -> dict[str, Cells]:
    return {"320703001": lianyun_cells(), "320703002": doubled(), "320703003": with_review_and_carry_in()}


def nodes_frame() -> pd.DataFrame:
    """The tree of one node: the district, root of the run."""
    return pd.DataFrame({"node_id": [DISTRICT_ID], "node_name": ["连云区"], "home": [""]})


def units_frame(
    units: dict[str, Cells], without_return: tuple[str, ...] = (), homes: dict[str, str] | None = None
) -> pd.DataFrame:
    """The reporting units (the district itself is the node, not one of them), each at home in the district
    unless ``homes`` says otherwise."""
    rows = []
    for n, unit_id in enumerate(list(units) + list(without_return)):
        rows.append(
            {
                "unit_id": unit_id,
                "unit_name": f"单位{n + 1}",
                "home": (homes or {}).get(unit_id, DISTRICT_ID),
                "accepted_submission_id": None if unit_id in without_return else f"sha-{unit_id}",
            }
        )
    return pd.DataFrame(rows, columns=["unit_id", "unit_name", "home", "accepted_submission_id"])


def _long(cells: Cells) -> list[dict]:
    return [
        {
            "cell_key": key,
            "value_int": None if key == FEE_KEY else cells[key],
            "value_dec": cells[key] if key == FEE_KEY else None,  # a Python Decimal, as DuckDB hands it over
        }
        for key in CELL_KEYS
    ]


def unit_cells_frame(units: dict[str, Cells]) -> pd.DataFrame:
    rows = [{"unit_id": unit_id, **row} for unit_id, cells in units.items() for row in _long(cells)]
    frame = pd.DataFrame(rows, columns=["unit_id", "cell_key", "value_int", "value_dec"])
    frame["value_int"] = frame["value_int"].astype("Int64")
    return frame


def exact_sums(units: dict[str, Cells]) -> Cells:
    zero = {FEE_KEY: Decimal(0)}
    return {key: sum((cells[key] for cells in units.values()), zero.get(key, 0)) for key in CELL_KEYS}


def direct_frame(unit_cells: pd.DataFrame) -> pd.DataFrame:
    """Σ over the units of each cell, in plain Python, with the number of blanks in each sum (a blank adds nothing
    and makes the sum unknown): node_id, cell_key, value_int, value_dec, blanks, as sql/direct_sums.sql gives them."""
    sums: dict[str, list] = {}
    for key, v_int, v_dec in unit_cells[["cell_key", "value_int", "value_dec"]].itertuples(index=False):
        value = v_dec if key == FEE_KEY else v_int
        total = sums.setdefault(key, [None, 0])
        if value is None or value is pd.NA:
            total[1] += 1
        else:
            total[0] = value if total[0] is None else total[0] + value
    rows = [
        {
            "node_id": DISTRICT_ID,
            "cell_key": key,
            "value_int": None if key == FEE_KEY else total,
            "value_dec": total if key == FEE_KEY else None,
            "blanks": blanks,
        }
        for key, (total, blanks) in sums.items()
    ]
    frame = pd.DataFrame(rows, columns=["node_id", "cell_key", "value_int", "value_dec", "blanks"])
    frame["value_int"] = frame["value_int"].astype("Int64")
    return frame


def district_frame(cells: Cells) -> pd.DataFrame:
    """The district's consolidated report, as node_cells (node_id, cell_key, value_int, value_dec)."""
    frame = pd.DataFrame(_long(cells), columns=["cell_key", "value_int", "value_dec"])
    frame["value_int"] = frame["value_int"].astype("Int64")
    frame.insert(0, "node_id", DISTRICT_ID)
    return frame


def check(
    roster: pd.DataFrame, unit_cells: pd.DataFrame, district: pd.DataFrame, year: int, data_docs_dir=None
) -> CheckpointResult:
    """The run's checkpoint on the district as a tree of one node, named as the run names it."""
    nodes = nodes_frame()
    checks = build_node_checks(nodes, roster, district, direct_frame(unit_cells))
    return run_node_checkpoint(checks, year, f"{DISTRICT_ID}_{year}", data_docs_dir, nodes=nodes)


@pytest.fixture
def units() -> dict[str, Cells]:
    return three_units()


@pytest.fixture
def frames():
    """The frame builders, for tests that vary one input."""
    from types import SimpleNamespace

    return SimpleNamespace(
        nodes=nodes_frame,
        roster=units_frame,
        direct=direct_frame,
        check=check,
        unit_cells=unit_cells_frame,
        district=district_frame,
        sums=exact_sums,
        year=YEAR,
        district_id=DISTRICT_ID,
    )
