"""Fast start, fast failure (issue 13): what a command imports, seen from a real process.

Each command runs as ``nianbao`` does, in a subprocess whose exit hook writes the top-level packages it ended up
importing; the tests assert on those names, never on time. ``--help`` imports no pandas; ``validate`` and ``parse``
never import Prefect or Great Expectations; ``consolidate`` with a wrong input stops with its one-line error and
exit 1 before Prefect is imported, and writes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.demo import write_returns
from sampledata.roster import district_roster, write_roster_csv
from sampledata.synthetic import break_a3, returns_for
from warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = "320799"
WATCHED = ("prefect", "great_expectations", "pandas", "pandera", "duckdb", "hypothesis")
# the CLI's own entry point, with an exit hook that records which watched packages the command imported
PROBE = """
import atexit, json, os, sys

def loaded():
    watched = set(os.environ["NIANBAO_TEST_WATCHED"].split(","))
    with open(os.environ["NIANBAO_TEST_MODULES"], "w", encoding="utf-8") as out:
        imported = {name.split(".")[0] for name, module in sys.modules.items() if module is not None}
        json.dump(sorted(imported & watched), out)

atexit.register(loaded)
sys.argv[0] = "nianbao"
from flows.cli import main
main()
"""


def nianbao(tmp: Path, *args: str, **env: str) -> tuple[int, str, str, set[str]]:
    """Run ``nianbao ARGS`` in a fresh interpreter: (exit code, stdout, stderr, watched packages it imported)."""
    modules = tmp / f"modules-{len(list(tmp.glob('modules-*')))}.json"
    environ = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NIANBAO_ALLOWED_ROOTS")}
    environ.update(
        NIANBAO_TEST_MODULES=str(modules),
        NIANBAO_TEST_WATCHED=",".join(WATCHED),
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        check=False,
        env=environ,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout, done.stderr, set(json.loads(modules.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("district")
    units = district_roster(DISTRICT, "示范区", n_departments=3, n_townships=1)
    roster = write_roster_csv(units, root / "roster.csv")
    write_returns(returns_for(units[1:], 2024, 7), root / "submissions")
    form = next((root / "submissions").glob("*.xlsx"))
    unit = next(u.unit_id for u in units if u.kind == "department")
    write_returns([break_a3(returns_for(units[1:2], 2024, 7)[0])], root / "broken")
    broken = next((root / "broken").iterdir())
    return {
        "root": root,
        "roster": roster,
        "submissions": root / "submissions",
        "form": form,
        "broken": broken,
        "unit": unit,
    }


def test_help_imports_neither_pandas_nor_prefect(tmp_path: Path) -> None:
    code, out, _, loaded = nianbao(tmp_path, "--help")
    assert code == 0 and "consolidate" in out and "server" in out
    assert loaded == set()


def test_validate_reads_with_pandas_and_pandera_but_never_prefect_or_gx(tmp_path: Path, district) -> None:
    code, out, err, loaded = nianbao(tmp_path, "validate", str(district["form"]))
    assert code == 0, out + err
    assert "OK: 1 file(s), 0 blocking failure(s)" in out
    assert {"pandas", "pandera"} <= loaded  # the probe sees what was imported: the check can fail
    assert not loaded & {"prefect", "great_expectations", "hypothesis"}  # hypothesis: pandera's unused strategies


def test_validate_without_pandera_strategies_still_finds_a_broken_column(tmp_path: Path, district) -> None:
    code, out, _, loaded = nianbao(tmp_path, "validate", "--json", str(district["broken"]))
    assert code == 1 and "hypothesis" not in loaded
    assert "A3" in {f["rule"] for f in json.loads(out)}


def test_validate_against_the_roster_and_a_warehouse_never_imports_prefect_or_gx(tmp_path: Path, district) -> None:
    warehouse = tmp_path / "w.duckdb"
    with Warehouse(warehouse):  # an empty warehouse: no return of 2023 to compare with
        pass
    code, out, err, loaded = nianbao(
        tmp_path,
        "validate",
        str(district["form"]),
        "--roster",
        str(district["roster"]),
        "--district",
        DISTRICT,
        "--year",
        "2024",
        "--warehouse",
        str(warehouse),
    )
    assert code == 0 and "OK: 1 file(s)" in out, out + err
    assert "duckdb" in loaded and not loaded & {"prefect", "great_expectations"}


@pytest.mark.parametrize("which", ["form", "report"])
def test_parse_never_imports_prefect_or_gx(tmp_path: Path, district, which: str) -> None:
    path = district["form"] if which == "form" else ROOT / "tests/published/real/2023_shuyang_fagaiju.txt"
    code, out, err, loaded = nianbao(tmp_path, "parse", str(path))
    assert code == 0, err
    assert json.loads(out)["format"] == "nianbao.return/1"
    assert not loaded & {"prefect", "great_expectations"}


def consolidate_args(data, **given: str | Path) -> list[str]:
    values = {
        "district": DISTRICT,
        "year": "2024",
        "submissions": data["submissions"],
        "roster": data["roster"],
        "warehouse": data["root"] / "run" / "w.duckdb",
        "out": data["root"] / "run" / "out",
    }
    values.update(given)
    return ["consolidate", *[part for name, value in values.items() for part in (f"--{name}", str(value))]]


WRONG = {
    "missing folder": (
        {"submissions": "no-such-folder"},
        "ERROR: FileNotFoundError: Submissions folder no-such-folder does not exist or is not a folder.",
    ),
    "district not on the roster": (
        {"district": "999999"},
        "ERROR: RosterError: Roster {roster}: the district 999999 is not a row of the roster.",
    ),
    "missing roster": ({"roster": "nope.csv"}, "ERROR: RosterError: Roster nope.csv: cannot be read"),
    "unsafe district id": ({"district": "../x"}, "ERROR: The district id (--district) '../x' is not a safe id"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_consolidate_refuses_a_wrong_input_before_prefect_is_imported(tmp_path: Path, district, case: str) -> None:
    given, expected = WRONG[case]
    code, out, err, loaded = nianbao(tmp_path, *consolidate_args(district, **given))
    assert code == 1, out + err
    assert err.strip().splitlines()[0].startswith(expected.format(roster=district["roster"])), err
    assert len(err.strip().splitlines()) == 1  # one line, not wrapped
    assert "prefect" not in loaded and "great_expectations" not in loaded
    assert not (district["root"] / "run").exists()  # no warehouse, nothing published


def test_consolidate_refuses_a_reporting_unit_as_the_node(tmp_path: Path, district) -> None:
    code, _, err, loaded = nianbao(tmp_path, *consolidate_args(district, district=district["unit"]))
    assert code == 1
    assert f"no reporting unit (office, department, township) lists {district['unit']} as its parent" in err
    assert "prefect" not in loaded


def test_consolidate_refuses_paths_outside_the_allowed_roots(tmp_path: Path, district) -> None:
    inside = tmp_path / "allowed"
    inside.mkdir()
    code, _, err, loaded = nianbao(tmp_path, *consolidate_args(district), NIANBAO_ALLOWED_ROOTS=str(inside))
    assert code == 1
    assert err.startswith("ERROR: PathNotAllowed: The submissions folder ('submissions')")
    assert "The roster file ('roster')" in err and "outside the folders this nianbao installation may use" in err
    assert "prefect" not in loaded


def test_consolidate_refuses_a_warehouse_another_process_holds(tmp_path: Path, district) -> None:
    warehouse = tmp_path / "held.duckdb"
    holder = duckdb.connect(str(warehouse))  # this process holds the file's lock, as a running consolidation does
    try:
        code, _, err, loaded = nianbao(tmp_path, *consolidate_args(district, warehouse=warehouse))
    finally:
        holder.close()
    assert code == 1
    assert err.strip() == (
        f"ERROR: WarehouseBusy: The warehouse {warehouse} is in use by another nianbao run (DuckDB holds a lock on "
        "it). Wait for that run to finish, then start again; nothing was written."
    )
    assert "prefect" not in loaded
