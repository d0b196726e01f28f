"""The dependency direction is one way: schemas ← I/O packages ← pipeline ← flows.

Checked on the source with the AST, so a forbidden import fails CI the day it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IO_PACKAGES = ("intake", "warehouse", "checkpoint", "publish", "audit")
# what each layer may NOT import
FORBIDDEN = {
    "schemas": {"prefect", "duckdb", "great_expectations", "openpyxl", "python_calamine", "intake", "warehouse",
                "checkpoint", "publish", "pipeline", "flows"},
    **{pkg: {"prefect", "pipeline", "flows"} for pkg in IO_PACKAGES},
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


def test_deployments_name_flows_by_entrypoint_only() -> None:
    """deployments/ holds configuration, not code that imports the flows."""
    for path in (ROOT / "deployments").rglob("*.py"):
        assert not (imported_modules(path) & {"flows", "pipeline"}), path


def test_nothing_reads_the_shared_folder_at_run_time() -> None:
    for package in ("schemas", "intake", "warehouse", "checkpoint", "publish", "pipeline", "flows", "sampledata", "tests"):
        for path in (ROOT / package).rglob("*.py"):
            if path == Path(__file__):
                continue
            assert "shared/domain" not in path.read_text(encoding="utf-8"), path
