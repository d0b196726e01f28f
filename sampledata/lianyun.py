"""The 连云区 2022 district report's figures (SPEC §6), as published.

``lianyun_2022_report.txt`` beside this file is the published text itself (public data); these are its figures,
written out by hand from the SPEC so that tests can compare a parse or a round trip against them.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

from schemas.cells import CELL_KEYS, S3_COL_KEYS, s3
from schemas.returns import CanonicalReturn

UNIT_ID = "320703"
UNIT_NAME = "连云区人民政府"
YEAR = 2022
SAMPLE_TEXT_FILE = "lianyun_2022_district_report.txt"


def _s3_row(values: tuple[int, ...]) -> tuple[int, ...]:
    assert len(values) == 7
    return values


def lianyun_cells() -> dict[str, int | Decimal]:
    """All 200 cells of the 连云区 2022 report."""
    cells: dict[str, int | Decimal] = {key: 0 for key in CELL_KEYS}
    cells.update(
        {
            "s2.normative_docs.issued": 4,
            "s2.normative_docs.repealed": 0,
            "s2.normative_docs.in_force": 24,
            "s2.admin_license.decisions": 1007,
            "s2.admin_penalty.decisions": 194,
            "s2.admin_coercion.decisions": 0,
            "s2.admin_fees.amount_wan": Decimal("746.844"),
        }
    )
    rows = {
        "new_received": (15, 1, 0, 0, 0, 0, 16),
        "granted": (8, 0, 0, 0, 0, 0, 8),
        "partially_granted": (2, 1, 0, 0, 0, 0, 3),
        "unable_not_held": (3, 0, 0, 0, 0, 0, 3),
        "not_handled_petition": (1, 0, 0, 0, 0, 0, 1),
        "total_processed": (14, 1, 0, 0, 0, 0, 15),
        "carried_out": (1, 0, 0, 0, 0, 0, 1),
    }
    for row, values in rows.items():
        for col, v in zip(S3_COL_KEYS, _s3_row(values)):
            cells[s3(row, col)] = v
    return cells


def lianyun_return(unit_id: str = UNIT_ID, unit_name: str = UNIT_NAME, year: int = YEAR) -> CanonicalReturn:
    return CanonicalReturn(unit_id=unit_id, unit_name=unit_name, year=year, cells=dict(lianyun_cells()))


def sample_report_text() -> str:
    """The published 连云区 2022 report as stored in the package (traditional script, flattened tables)."""
    return resources.files("sampledata").joinpath(SAMPLE_TEXT_FILE).read_text(encoding="utf-8")
