"""The dependency direction is one way: schemas ← I/O rooms (intake, warehouse, checkpoint, publish) ← audit ←
pipeline ← flows. audit/, the auditor's desk, is a layer of its own above the rooms it reads; the rooms never
import it, and the packages' import graph has no cycle. SQL text lives in warehouse/ only (warehouse/sql/*.sql,
loaded by name): every other module asks the warehouse's query functions.

Checked on the source with the AST, so a forbidden import fails CI the day it is written.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IO_ROOMS = ("intake", "warehouse", "checkpoint", "publish")
PACKAGES = ("schemas", *IO_ROOMS, "audit", "pipeline", "flows", "sampledata")
SOURCE_PACKAGES = (*PACKAGES, "benchmarks", "deployments")  # every package of the product (tests/ aside)
# what each layer may NOT import
FORBIDDEN = {
    "schemas": {
        "prefect",
        "duckdb",
        "great_expectations",
        "openpyxl",
        "python_calamine",
        *IO_ROOMS,
        "audit",
        "pipeline",
        "flows",
    },
    **{room: {"prefect", "audit", "pipeline", "flows"} for room in IO_ROOMS},
    "audit": {"prefect", "pipeline", "flows"},
    "pipeline": {"prefect", "flows"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports_only_downwards(package: str) -> None:
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_modules(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def package_graph() -> dict[str, set[str]]:
    """Which of nianbao's packages each package imports (itself aside)."""
    graph = {}
    for package in PACKAGES:
        imported: set[str] = set()
        for path in (ROOT / package).rglob("*.py"):
            imported |= imported_modules(path)
        graph[package] = (imported & set(PACKAGES)) - {package}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, path = [], []

    def walk(node: str) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            walk(nxt)
        path.pop()

    for start in sorted(graph):
        walk(start)
    return found


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph = package_graph()
    assert cycles(graph) == []
    assert "audit" in graph["pipeline"] and not any("audit" in graph[room] for room in IO_ROOMS)
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"], ["b", "a", "b"]]  # the check can fail


# case-sensitive, as the house writes SQL: a statement keyword first AND an upper-case clause, so prose such as
# "Select the unit from the roster" or "update as needed" is not taken for SQL
SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|COPY|ATTACH)\s")
SQL_CLAUSE = re.compile(r"\b(FROM|INTO|TABLE|SET|VALUES|AS)\b")


def _literal_text(node: ast.AST) -> str | None:
    """The text of a string constant, or of an f-string with its placeholders as ``{}``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def sql_strings(path: Path) -> list[int]:
    """Line numbers of the string constants (f-strings included) that read as SQL statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        text = None if id(node) in inside_fstrings else _literal_text(node)
        if text is not None and SQL_START.match(text) and SQL_CLAUSE.search(text):
            found.append(node.lineno)
    return sorted(found)


def test_no_sql_outside_the_warehouse() -> None:
    offenders = {}
    for package in SOURCE_PACKAGES:
        if package == "warehouse":
            continue
        for path in sorted((ROOT / package).rglob("*.py")):
            if lines := sql_strings(path):
                offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}


def test_the_warehouse_keeps_its_statements_in_sql_files() -> None:
    """Inside warehouse/ too, every statement is a file of warehouse/sql/ loaded by name; the only SQL-looking
    strings left are the TEMP rewrites of the keeps tables for a read-only file (connection.py)."""
    found = {str(p.relative_to(ROOT)): sql_strings(p) for p in sorted((ROOT / "warehouse").rglob("*.py"))}
    assert {path: lines for path, lines in found.items() if lines} == {
        "warehouse/connection.py": found["warehouse/connection.py"]
    }
    text = (ROOT / "warehouse" / "connection.py").read_text(encoding="utf-8")
    assert "CREATE TEMP TABLE IF NOT EXISTS" in text and len(found["warehouse/connection.py"]) == 2


def test_the_sql_detector_sees_sql(tmp_path: Path) -> None:  # the test above can fail
    module = tmp_path / "module.py"
    module.write_text(
        """first = "SELECT roster_sha256 FROM runs WHERE run_key = ?"
second = (
    f"SELECT unit_id, version "
    f"FROM {'submissions'} WHERE year = ?"
)
third = "INSERT INTO cells SELECT * FROM new_cells"
prose = "Select the unit from the roster, then update as needed."
label = "SELECT"
""",
        encoding="utf-8",
    )
    assert sql_strings(module) == [1, 3, 6]  # first, second (an f-string), third


def test_deployments_name_flows_by_entrypoint_only() -> None:
    """deployments/ holds configuration, not code that imports the flows."""
    for path in (ROOT / "deployments").rglob("*.py"):
        assert not (imported_modules(path) & {"flows", "pipeline"}), path


def test_nothing_reads_the_shared_folder_at_run_time() -> None:
    for package in (
        "schemas",
        "intake",
        "warehouse",
        "checkpoint",
        "publish",
        "pipeline",
        "flows",
        "sampledata",
        "tests",
    ):
        for path in (ROOT / package).rglob("*.py"):
            if path == Path(__file__):
                continue
            assert "shared/domain" not in path.read_text(encoding="utf-8"), path
