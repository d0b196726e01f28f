"""The dependency direction is one way: schemas ← I/O rooms (intake, warehouse, checkpoint, publish) ← audit ←
pipeline ← flows. audit/, the auditor's desk, is a layer of its own above the rooms it reads; the rooms never
import it, and the packages' import graph has no cycle.

Checked on the source with the AST, so a forbidden import fails CI the day it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IO_ROOMS = ("intake", "warehouse", "checkpoint", "publish")
PACKAGES = ("schemas", *IO_ROOMS, "audit", "pipeline", "flows", "sampledata")
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
