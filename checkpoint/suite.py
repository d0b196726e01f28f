"""The Great Expectations checkpoint that decides whether the reports of a run's nodes may be published.

``run_node_checkpoint`` hands the ``checks`` frame (checkpoint.nodes) to a GX 1.x checkpoint with one
expectation per rule (G1; G3; G4 as A1, A2, A3, L1; G5), and turns GX's failing rows into ``Failure`` records.

Why pandas and not DuckDB: GX 1.24 fails against DuckDB through SQLAlchemy ("list index out of range"), so the
caller reads the frames out of DuckDB and GX runs on pandas. ``UnexpectedRowsExpectation`` does not run on pandas,
hence the pair/not-null expectations on a prepared frame.

Each call makes its own ephemeral context (~0.1-0.2 s), so runs never share state. With ``data_docs_dir`` the
checkpoint also builds GX Data Docs into that folder (the HTML loads Bootstrap/jQuery from CDNs: readable
offline, but unstyled). The GX run is dated by the year checked (schemas.instants), so its page's path is the same
on every run of the same checks.
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no phoning home, before GX is imported

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.row_conditions import Column

from checkpoint.frames import INDEX_COLUMNS, value_text
from checkpoint.nodes import g1_blocked
from schemas.errors import NianbaoError
from schemas.failures import Failure, make
from schemas.instants import year_instant

SUITE_NAME = "district_report"
# COMPLETE: every failing row's check_id (unexpected_index_list), which the CheckpointResult names one by one. What
# the Data Docs page shows stays bounded whatever the tree: a sample of 20 failing rows with the counts, and no
# unexpected_index_query (for pandas a df.filter(items=[...]) listing every failing row, ~7 bytes each).
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": INDEX_COLUMNS,
    "partial_unexpected_count": 20,
    "return_unexpected_index_query": False,
}
ASSET_NAME = "checks"
DOCS_SITE = "nianbao"


class CheckpointEvaluationError(NianbaoError, RuntimeError):
    """GX could not evaluate an expectation (as opposed to: the data failed it). Nothing may be published."""


@dataclass
class ExpectationOutcome:
    """What one expectation of the suite found."""

    name: str  # e.g. "G1 every roster unit has an accepted return"
    rule: str  # G1 | G3 | G4 | G5
    success: bool
    unexpected: list[dict] = field(default_factory=list)  # failing rows: unit_id / cell / expected / actual / detail
    detail: str = ""  # for G4: the identity (A1 | A2 | A3 | L1)


@dataclass
class CheckpointResult:
    success: bool
    outcomes: list[ExpectationOutcome]
    failures: list[Failure]  # one per failing row, rule G1/G3/G4/G5
    statistics: dict  # evaluated / successful / unsuccessful expectation counts, as GX reports them
    # Data Docs, when a folder was given: the site's index and this run's validation page. Offline, the index's
    # list of runs stays empty (it is filled in by JavaScript from a CDN); the validation page reads fine.
    data_docs_index: Path | None = None
    data_docs_page: Path | None = None


@dataclass(frozen=True)
class Check:
    """One expectation of the suite: which rows of ``checks`` it reads and what it asserts."""

    name: str
    rule: str
    detail: str = ""

    @property
    def rows(self) -> Any:
        condition = Column("rule") == self.rule
        return condition & (Column("detail") == self.detail) if self.detail else condition

    def expectation(self) -> gx.expectations.Expectation:
        meta = {"rule": self.rule, "detail": self.detail}
        if self.rule in ("G1", "G5"):  # G5: the version counted is the latest (None when it was rejected)
            return gx.expectations.ExpectColumnValuesToNotBeNull(
                column="accepted_submission_id", row_condition=self.rows, description=self.name, meta=meta
            )
        # "neither": a row with a blank on one side or both is compared, and fails (blank is not zero)
        return gx.expectations.ExpectColumnPairValuesToBeEqual(
            column_A="expected",
            column_B="actual",
            ignore_row_if="neither",
            row_condition=self.rows,
            description=self.name,
            meta=meta,
        )


CHECKS: tuple[Check, ...] = (
    Check("G1 every roster unit has an accepted return", "G1"),
    Check("G3 every district cell equals the sum over units", "G3"),
    Check("G4 A1 district row totals equal the six applicant columns", "G4", "A1"),
    Check("G4 A2 district (七) totals equal the 21 outcome rows", "G4", "A2"),
    Check("G4 A3 district columns balance (new + carried-in = processed + carried-out)", "G4", "A3"),
    Check("G4 L1 district review/litigation totals equal their four results", "G4", "L1"),
    Check("G5 every unit's latest return is accepted, or an older version is kept", "G5"),
)


def _context(data_docs_dir: Path | None) -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if data_docs_dir is not None:
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,  # type: ignore[typeddict-unknown-key]  # GX reads it; its TypedDict lacks it
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return context


def _gx_checkpoint(context: Any, year: int, with_docs: bool) -> Any:
    batch = (
        context.data_sources.add_pandas("nianbao")
        .add_dataframe_asset(ASSET_NAME)
        .add_batch_definition_whole_dataframe(f"district_{year}")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    for check in CHECKS:
        suite.add_expectation(check.expectation())
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{SUITE_NAME}_{year}", data=batch, suite=suite)
    )
    actions: list[Any] = [UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])] if with_docs else []
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"publish_district_report_{year}",
            validation_definitions=[validation],
            actions=actions,
            result_format=RESULT_FORMAT,
        )
    )


def _node(row: dict[str, Any]) -> str:
    """The node a stacked row is about."""
    return str(row["node_id"])


def g1_line(unit_id: str, unit_name: str, node_id: str, node_name: str) -> str:
    """How a blocked node is named with the unit that blocks it."""
    return f"{node_id} {node_name} blocked: unit {unit_id} {unit_name} has no accepted return"


def g5_line(unit_id: str, unit_name: str, node_id: str, node_name: str, rules: str, latest: Any, counted: Any) -> str:
    """How a node blocked by a unit's rejected latest return is named (rules: those the return failed)."""
    where = f"{node_id} {node_name} blocked: " if node_id else ""
    return (
        f"{where}unit {unit_id} {unit_name}: latest return v{latest} rejected ({rules or 'blocking rules'}); "
        f"older accepted v{counted} not used without `nianbao keep`"
    )


def _failure(row: dict[str, Any], year: int) -> Failure:
    if row["rule"] == "G5":
        detail = g5_line(
            row["unit_id"],
            row["unit_name"],
            _node(row),
            row["node_name"],
            row["detail"],
            row["expected"],
            row["actual"],
        )
        return make("G5", row["unit_id"], expected=row["expected"], actual=row["actual"], detail=detail)
    if row["rule"] == "G1":
        # the detail names the blocked node (unit_id stays the unit that has no return)
        detail = g1_line(row["unit_id"], row["unit_name"], _node(row), row["node_name"])
        return make("G1", row["unit_id"], expected=year, actual="", detail=detail)
    return make(
        row["rule"],
        row["unit_id"],
        row["cell"],
        value_text(row["cell"], row["expected"]),
        value_text(row["cell"], row["actual"]),
        detail=row["detail"],
        cells=tuple(row["formula_cells"].split(",")),
    )


def _unexpected(row: dict[str, Any]) -> dict[str, Any]:
    node = {"node_id": _node(row), "node_name": row["node_name"]}
    if row["rule"] == "G1":
        return {"unit_id": row["unit_id"], "unit_name": row["unit_name"], **node}
    if row["rule"] == "G5":
        return {
            "unit_id": row["unit_id"],
            "unit_name": row["unit_name"],
            "rules": row["detail"],
            "latest_version": row["expected"],
            "version_counted": row["actual"],
            **node,
        }
    return {
        "unit_id": row["unit_id"],
        "cell": row["cell"],
        "expected": value_text(row["cell"], row["expected"]),
        "actual": value_text(row["cell"], row["actual"]),
        "detail": row["detail"],
        **node,
    }


def _failing_rows(checks: pd.DataFrame, hits: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows of ``checks`` GX reported as failing, in GX's order (one vectorised look-up, not one per row)."""
    if not hits:
        return checks.iloc[0:0]
    ids = [hit["check_id"] for hit in hits]
    found = checks[checks["check_id"].isin(ids)].set_index("check_id")
    return found.loc[ids].reset_index()


def run_node_checkpoint(
    checks: pd.DataFrame, year: int, run_name: str, data_docs_dir: Path | None = None, *, nodes: pd.DataFrame
) -> CheckpointResult:
    """The same checkpoint on the stacked frame of every node of a tree (checkpoint.nodes.build_node_checks), in
    ONE GX run whatever the number of nodes. Each failure and unexpected row names its node: for G1 the failure's
    ``unit_id`` is the unit without an accepted return and its ``detail`` reads "<node_id> <node_name> blocked:
    unit <unit_id> <unit_name> has no accepted return"; for G3/G4 ``unit_id`` is the node. Unexpected rows carry
    ``node_id`` and ``node_name``.

    ``nodes`` (node_id, node_name, home) are the frame's nodes: GX finds each unit without a return once (the
    frame has one G1 row per unit), and the result names it once for every node it blocks — its home node and
    each node above it (checkpoint.nodes.g1_blocked), node by node in ``nodes`` order."""
    return evaluate(checks, year, run_name, data_docs_dir, nodes=nodes)


def evaluate(
    checks: pd.DataFrame,
    year: int,
    run_name: str,
    data_docs_dir: Path | None = None,
    nodes: pd.DataFrame | None = None,
) -> CheckpointResult:
    """Run the suite once on a prepared ``checks`` frame and turn GX's answer into a CheckpointResult.

    With ``nodes``, each failing G1 row is spread over every node the unit blocks (checkpoint.nodes.g1_blocked)."""
    data_docs_dir = data_docs_dir.resolve() if data_docs_dir is not None else None
    context = _context(data_docs_dir)
    checkpoint = _gx_checkpoint(context, year, with_docs=data_docs_dir is not None)
    # names the Data Docs folder of the run. Dated by the year checked, not the clock: the same checks give the same
    # folder, so a rerun replaces its page instead of adding one, and audit.html's link to it does not change (GX
    # still records the real time on the page, as ge_load_time)
    run_id = RunIdentifier(run_name=run_name, run_time=year_instant(year).replace(tzinfo=UTC))
    run = checkpoint.run(batch_parameters={"dataframe": checks}, run_id=run_id)
    ((validation_id, validation),) = run.run_results.items()

    results = {(r.expectation_config.meta["rule"], r.expectation_config.meta["detail"]): r for r in validation.results}
    outcomes: list[ExpectationOutcome] = []
    failures: list[Failure] = []
    for check in CHECKS:  # in suite order, whatever order GX reports in
        result = results[(check.rule, check.detail)]
        if result.exception_info.get("raised_exception"):
            raise CheckpointEvaluationError(
                f"GX could not evaluate '{check.name}': {result.exception_info['exception_message']}"
            )
        failing_rows = _failing_rows(checks, result.result.get("unexpected_index_list") or [])
        if not result.success and failing_rows.empty:
            raise CheckpointEvaluationError(f"GX failed '{check.name}' without naming a failing row: {result.result}")
        if check.rule in ("G1", "G5") and nodes is not None:
            failing_rows = g1_blocked(failing_rows, nodes)
        failing = failing_rows.to_dict("records")
        outcomes.append(
            ExpectationOutcome(
                name=check.name,
                rule=check.rule,
                success=bool(result.success),
                unexpected=[_unexpected(row) for row in failing],
                detail=check.detail,
            )
        )
        failures.extend(_failure(row, year) for row in failing)

    return CheckpointResult(
        success=bool(run.success),
        outcomes=outcomes,
        failures=failures,
        statistics=dict(validation.statistics),
        **(_docs_paths(context, validation_id, data_docs_dir) if data_docs_dir is not None else {}),
    )


def _docs_paths(context: Any, validation_id: Any, data_docs_dir: Path) -> dict[str, Path | None]:
    index = data_docs_dir / "index.html"
    (site,) = context.get_docs_sites_urls(resource_identifier=validation_id, site_name=DOCS_SITE)
    url = site.get("site_url") or ""
    page = Path(url.removeprefix("file://")) if url.startswith("file://") else None
    return {
        "data_docs_index": index if index.exists() else None,
        "data_docs_page": page if page is not None and page.exists() else None,
    }
