"""The read/validate batches on a Dask cluster (prefect-dask DaskTaskRunner), here a LocalCluster in-process."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

pytest.importorskip("prefect_dask")
from distributed import LocalCluster

from flows import consolidate as flow_module
from flows.consolidate import consolidate_district
from flows.scaleout import DASK_ENV, dask_choice, task_runner, with_task_runner
from intake.parquet import write_returns_parquet
from sampledata.synthetic import build_district, write_returns_json, write_roster_csv
from warehouse.archive import read_kept
from warehouse.store import Warehouse

DISTRICT = "320799"


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
        yield c


def test_choice_comes_from_the_option_then_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(DASK_ENV, raising=False)
    assert dask_choice(None) is None and task_runner(None) is None
    monkeypatch.setenv(DASK_ENV, "tcp://10.0.0.5:8786")
    assert dask_choice(None) == "tcp://10.0.0.5:8786"
    assert task_runner(None).address == "tcp://10.0.0.5:8786"
    assert dask_choice("") is None  # the option given empty: no Dask, whatever the environment says
    with pytest.raises(ValueError, match="scheduler address"):
        task_runner("10.0.0.5")


def test_a_district_read_on_dask_is_published_with_every_batch_as_one_task(
    tmp_path, cluster, monkeypatch, prefect_harness
) -> None:
    roster, returns = build_district(DISTRICT, "示范区", 2024, seed=3)
    roster_path = write_roster_csv(roster, tmp_path / "roster.csv")
    subs = tmp_path / "subs"
    write_returns_json(returns[:20], subs / "json")
    write_returns_parquet(returns[20:], subs / "rest.parquet")  # many returns in one file, read by one task
    monkeypatch.setattr(flow_module.collecting, "READ_BATCH", 8)  # 20 JSON files + 1 Parquet file → 3 batches

    seen: list[int] = []
    original = flow_module.read_all

    def counting_read_all(paths, archive=None, root=None):
        seen.append(len(flow_module.collecting.batches(paths, flow_module.collecting.READ_BATCH)))
        return original(paths, archive, root)

    monkeypatch.setattr(flow_module, "FLOW_STEPS", replace(flow_module.FLOW_STEPS, read=counting_read_all))
    flow = with_task_runner(consolidate_district, cluster.scheduler_address)
    result = flow(
        district=DISTRICT,
        year=2024,
        submissions=str(subs),
        roster=str(roster_path),
        warehouse=str(tmp_path / "w.duckdb"),
        out=str(tmp_path / "out"),
    )
    assert type(flow.task_runner).__name__ == "DaskTaskRunner"
    assert "read_task" in cluster.scheduler.task_prefixes  # the read batches ran on the Dask cluster
    assert result.published and len(result.accepted) == len(returns)
    assert seen == [3]
    manifest = json.loads((tmp_path / "out" / DISTRICT / "2024" / "manifest.json").read_text(encoding="utf-8"))
    readers = {u["reader"] for u in manifest["units"]}
    assert readers == {"json", "parquet"}
    assert any(u["file"] == "rest.parquet#1" for u in manifest["units"])
    # the Dask workers archived every original as they read it: the JSON files of each batch as one pack, the
    # Parquet file once for all its rows; every stored path gives back the bytes of its file
    kept = list((tmp_path / "w.files" / "originals").rglob("*"))
    assert len([p for p in kept if p.is_file() and p.suffix == ".zip"]) == 3  # 20 JSON files in batches of 8
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        stored = wh.con.execute("SELECT original_name, stored_path FROM submissions").fetchall()
    assert len(stored) == len(returns)
    for name, path in stored:
        source = subs / "json" / name.removeprefix("json/") if name.startswith("json/") else subs / "rest.parquet"
        assert read_kept(path) == source.read_bytes(), name
