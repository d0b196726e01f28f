"""The fixed instants nianbao writes into files where a library would write the clock.

A form, a report or the record of a check is about one reported year; dating it by the year (not by when it was
written) makes the same content give the same bytes, so rewriting a form or rerunning a consolidation on the same
inputs produces no new version and no new publication. When a run really happened is recorded where it belongs:
the warehouse's run rows, the Prefect flow run and the run's own evidence folder (``OUT/runs/<run key>/``).
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["year_instant"]


def year_instant(year: int) -> datetime:
    """1 January after ``year``, 00:00 (naive, read as UTC): the time a workbook or check about ``year`` carries.
    Zip dates start in 1980, so earlier years give 1980-01-01."""
    return datetime(max(int(year) + 1, 1980), 1, 1)
