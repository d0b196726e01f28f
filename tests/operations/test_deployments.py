"""The deployments: the serve script's three deployments, deployments/prefect.yaml, the annual year rule, and the
path confinement of deployment runs (the runs a UI user starts). test_production.py deploys prefect.yaml to a
server on PostgreSQL and has nianbao's worker run it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from ops_support import DISTRICT, ROOT, make_district

from flows.annual import fill_year, previous_year
from flows.serve import ANNUAL_CRON, build_deployments

ENTRYPOINTS = {
    "annual": "flows/annual.py:annual_consolidation",
    "on-demand": "flows/consolidate.py:consolidate_district",
    "validate-only": "flows/consolidate.py:validate_submissions",
}


def test_previous_year_is_taken_on_the_office_clock() -> None:
    # 31 Dec 2025 17:30 UTC is already 1 Jan 2026 01:30 in Asia/Shanghai
    assert previous_year(datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == 2025
    assert previous_year(datetime(2025, 12, 31, 15, 30, tzinfo=UTC)) == 2024
    assert previous_year(datetime(2026, 2, 1, 1, 0, tzinfo=UTC)) == 2025  # the 09:00 schedule


def test_year_placeholder_in_folders() -> None:
    assert fill_year("/srv/nianbao/returns/{year}", 2025) == "/srv/nianbao/returns/2025"
    assert fill_year("/srv/nianbao/roster.csv", 2025) == "/srv/nianbao/roster.csv"


def test_the_serve_script_defines_three_deployments_with_typed_forms(tmp_path: Path) -> None:
    deployments = {d.name: d for d in build_deployments(DISTRICT, tmp_path, year=2025)}
    assert {name: d.entrypoint for name, d in deployments.items()} == ENTRYPOINTS
    [schedule] = deployments["annual"].schedules
    assert (
        (schedule.schedule.cron, schedule.schedule.timezone)
        == (ANNUAL_CRON, "Asia/Shanghai")
        == ("0 9 1 2 *", "Asia/Shanghai")
    )
    assert "year" not in deployments["annual"].parameters  # empty: previous year, computed when the run starts
    assert deployments["annual"].parameters["submissions"] == str(tmp_path.resolve() / "returns" / "{year}")
    on_demand = deployments["on-demand"].parameters
    assert on_demand == {
        "district": DISTRICT,
        "year": 2025,
        "submissions": str(tmp_path.resolve() / "returns" / "2025"),
        "roster": str(tmp_path.resolve() / "roster.csv"),
        "warehouse": str(tmp_path.resolve() / "warehouse.duckdb"),
        "out": str(tmp_path.resolve() / "published"),
    }
    for d in deployments.values():
        props = d._parameter_openapi_schema.properties
        assert {"district", "year", "submissions", "roster"} <= set(props)
        year = props["year"] if "type" in props["year"] else props["year"]["anyOf"][0]
        assert (year["type"], year["minimum"], year["maximum"]) == ("integer", 2021, 2100)
    assert not deployments["on-demand"].schedules and not deployments["validate-only"].schedules


def test_prefect_yaml_names_the_same_flows_by_entrypoint_with_the_annual_schedule() -> None:
    config = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text(encoding="utf-8"))
    by_name = {d["name"]: d for d in config["deployments"]}
    assert {name: d["entrypoint"] for name, d in by_name.items()} == ENTRYPOINTS
    assert by_name["annual"]["schedules"] == [{"cron": "0 9 1 2 *", "timezone": "Asia/Shanghai", "active": True}]
    assert all(d["work_pool"]["name"] == "nianbao" for d in by_name.values())
    assert "{year}" in by_name["annual"]["parameters"]["submissions"]
    from prefect.flows import load_flow_from_entrypoint

    for entrypoint in ENTRYPOINTS.values():  # every entrypoint loads from the repository root
        assert load_flow_from_entrypoint(str(ROOT / entrypoint)).name


@pytest.mark.slow
def test_with_allowed_roots_set_a_path_outside_is_refused_before_any_work(
    prefect_server, tmp_path: Path, monkeypatch
) -> None:
    """Deployment runs are always confined; so is any run when NIANBAO_ALLOWED_ROOTS is set (here, in process)."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from flows.consolidate import consolidate_district
    from flows.guards import PathNotAllowed

    data = tmp_path / "data"
    district = make_district(data, 2025)
    monkeypatch.setenv("NIANBAO_ALLOWED_ROOTS", str(data))
    (tmp_path / "elsewhere").mkdir()
    (data / "escape").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with temporary_settings({PREFECT_API_URL: prefect_server.api_url, PREFECT_API_AUTH_STRING: prefect_server.auth}):
        state = consolidate_district(
            district=DISTRICT,
            year=2025,
            submissions=str(district.submissions(2025)),
            roster=str(district.roster),
            warehouse=str(district.warehouse),
            out=str(data / "escape" / "published"),
            return_state=True,
        )
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, PathNotAllowed)
    assert "publish folder ('out')" in str(error) and "elsewhere" in str(error)
    assert not district.warehouse.exists() and not list((tmp_path / "elsewhere").iterdir())
