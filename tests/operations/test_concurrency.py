"""One run at a time per district and year: `nianbao consolidate` processes started at once against the same
warehouse and a real Prefect server never interleave.

A holds the slot (paused inside its load until the test releases it, via NIANBAO_TEST_PAUSE_AT/_UNTIL). Meanwhile,
one after the other:
- B, same district and year, may wait only 1 s: refused with the "in progress" message, nothing done;
- C, same district and year, may wait: it waits for A, then runs (same inputs: nothing new, identical bytes);
- D, another year on the same warehouse: not covered by A's limit, refused by the warehouse lock (WarehouseBusy).
Afterwards the warehouse holds exactly one run's rows.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from ops_support import DISTRICT, consolidate_cmd, make_district, start, wait_for_file

from warehouse.store import Warehouse

pytestmark = pytest.mark.slow
YEAR = 2025


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, float]:
    proc.wait(timeout)
    return proc.returncode, time.monotonic()


def test_two_consolidations_of_the_same_district_and_year_never_interleave(prefect_server, tmp_path: Path) -> None:
    district = make_district(tmp_path / "data", YEAR)
    mark, release = tmp_path / "a-holds-the-slot", tmp_path / "a-may-go-on"
    logs = {name: tmp_path / f"{name}.log" for name in "ABCD"}
    # A holds the slot and the warehouse until the test releases it: a barrier, so no step below races a timer
    a = start(
        consolidate_cmd(district, YEAR),
        prefect_server.env(
            NIANBAO_TEST_PAUSE_AT="load",
            NIANBAO_TEST_PAUSE_MARK=str(mark),
            NIANBAO_TEST_PAUSE_UNTIL=str(release),
            NIANBAO_TEST_PAUSE_SECONDS="600",
        ),
        logs["A"],
    )
    wait_for_file(mark, timeout=180, proc=a)
    b = start(consolidate_cmd(district, YEAR), prefect_server.env(NIANBAO_RUN_LOCK_WAIT_SECONDS="1"), logs["B"])
    b_code, b_end = finish(b)
    d = start(consolidate_cmd(district, YEAR - 1, district.submissions(YEAR)), prefect_server.env(), logs["D"])
    d_code, d_end = finish(d)
    c = start(consolidate_cmd(district, YEAR), prefect_server.env(), logs["C"])
    time.sleep(3)  # C is started and waiting for the slot (it waits up to 900 s, so any delay here is harmless)
    release.write_text("go\n", encoding="utf-8")
    (a_code, a_end), (c_code, c_end) = finish(a), finish(c)
    text = {name: log.read_text(encoding="utf-8", errors="replace") for name, log in logs.items()}

    assert a_code == 0, text["A"]
    assert b_code == 1, text["B"]
    assert f"Another run of {DISTRICT} {YEAR} is in progress" in text["B"]
    assert "nothing was read or written" in text["B"]
    assert d_code == 1, text["D"]
    assert "in use by another nianbao run" in text["D"]
    assert b_end < a_end and d_end < a_end  # refused while A still held the slot and the warehouse
    assert c_code == 0, text["C"]
    assert c_end > a_end and "in use by another nianbao run" not in text["C"]  # C waited for the slot
    assert "0 new submission(s)" in text["C"]  # and found A's work done

    with Warehouse(district.warehouse, read_only=True) as wh:
        rows = wh.counts()
        assert rows["runs"] == 1 and rows["submissions"] == district.units
        assert wh.scalar("SELECT count(DISTINCT year) FROM submissions") == 1
    published = district.publication(YEAR)
    assert sorted(p.name for p in published.iterdir()) == ["manifest.json", "report.html", "report.json", "report.xlsx"]
    assert not district.publication(YEAR - 1).exists()
