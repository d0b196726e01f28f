"""The annual consolidation: what the 1 February schedule runs.

A schedule's parameters are fixed when the deployment is created, so "last year" cannot be written into them
once and for all. This flow therefore takes ``year=None`` to mean *the previous calendar year, in Asia/Shanghai,
at the moment the run starts*, fills ``{year}`` in the folder parameters (e.g. ``/srv/nianbao/returns/{year}``),
and runs ``consolidate_district`` as a subflow. Staff can still set ``year`` by hand in the run form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from flows.settings import DEFAULT_OUT, DEFAULT_WAREHOUSE, apply_offline_settings

apply_offline_settings()

from prefect import flow, get_run_logger
from pydantic import Field

from flows.consolidate import consolidate_district
from flows.operations import confine_run_paths

OFFICE_TIMEZONE = "Asia/Shanghai"
YEAR_PLACEHOLDER = "{year}"


def previous_year(now: datetime | None = None, timezone: str = OFFICE_TIMEZONE) -> int:
    """The calendar year before ``now`` (default: the current time) as the office's clock reads it."""
    local = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    return local.year - 1


def fill_year(path: str, year: int) -> str:
    """``/srv/returns/{year}`` → ``/srv/returns/2024``; a path without the placeholder is returned unchanged."""
    return path.replace(YEAR_PLACEHOLDER, str(year))


@flow(name="annual-consolidation", log_prints=False, validate_parameters=True)
def annual_consolidation(
    district: str,
    submissions: str,
    roster: str,
    year: Annotated[int | None, Field(ge=2021, le=2100)] = None,
    warehouse: str = str(DEFAULT_WAREHOUSE),
    out: str = str(DEFAULT_OUT),
) -> Any:
    """Consolidate ``year`` (empty: the previous calendar year) for the district; ``{year}`` in a folder parameter
    is replaced by that year. Fails, like the on-demand run, when publication is blocked."""
    year = previous_year() if year is None else year
    paths = {
        name: fill_year(value, year)
        for name, value in {"submissions": submissions, "roster": roster, "warehouse": warehouse, "out": out}.items()
    }
    confine_run_paths(**paths)  # before any work, as in consolidate_district
    get_run_logger().info("Annual consolidation of %s for %s from %s", district, year, paths["submissions"])
    return consolidate_district(district=district, year=year, **paths)
