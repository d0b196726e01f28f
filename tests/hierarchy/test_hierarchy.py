"""Consolidation at every level of the roster tree (unit → district → city → province → country), through
pipeline.run with a real DuckDB file and real Great Expectations (no Prefect: the flow test is test_hierarchy_flow.py).

The tree is hand-made and small (hierarchy_support.py): two provinces, three cities' worth of districts, and a
unit reporting straight to a city. Figures are checked against sums computed independently of pipeline.hierarchy."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hierarchy_support import (
    C1101,
    C1201,
    CITY_OFFICE,
    COUNTRY,
    D1,
    D2,
    D3,
    MISSING_TOWNSHIP,
    P11,
    P12,
    YEAR,
    expected_sums,
    leaves_below,
    tree_units,
)

from checkpoint.nodes import build_node_checks
from checkpoint.suite import run_node_checkpoint
from intake.roster import Roster, read_roster
from pipeline.check import blocked_nodes
from pipeline.consolidate import Consolidation
from pipeline.hierarchy import NotANode, build_tree
from pipeline.publish import PublicationRefused, publish_all
from pipeline.run import Run, trace
from sampledata.roster import write_roster_csv
from sampledata.synthetic import returns_for, write_returns_json
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.returns import CanonicalReturn
from warehouse.store import Warehouse


@dataclass
class Outcome:
    consolidation: Consolidation
    result: object
    published: dict
    out: Path
    warehouse: Path


def run_steps(tmp: Path, root: str, returns: list[CanonicalReturn]) -> Outcome:
    """The run of ``root`` (pipeline.run, the sequence the flow wraps), without Prefect."""
    roster_path = write_roster_csv(tree_units(), tmp / "roster.csv")
    subs = tmp / "subs"
    write_returns_json(returns, subs)
    out, warehouse = tmp / "out", tmp / "w.duckdb"
    done = trace(Run(root, YEAR, roster_path, subs, warehouse, out, data_docs=False))
    assert done.consolidation is not None and done.result is not None
    return Outcome(done.consolidation, done.result.checkpoint, done.result.published_nodes, out, warehouse)


@pytest.fixture(scope="module")
def returns() -> list[CanonicalReturn]:
    return returns_for(tree_units(), YEAR, seed=11)


@pytest.fixture(scope="module")
def country(tmp_path_factory, returns) -> Outcome:
    return run_steps(tmp_path_factory.mktemp("country"), COUNTRY, returns)


# --- the tree itself (pure) -----------------------------------------------------------------------------------


def test_the_tree_pairs_every_unit_with_every_node_above_it() -> None:
    units = tree_units()
    tree = build_tree(Roster(Path("roster.csv"), "x", tuple(units)), COUNTRY)
    assert [n.unit_id for n in tree.nodes] == [COUNTRY, P11, C1101, D1, D2, P12, C1201, D3]
    assert tree.ancestors(MISSING_TOWNSHIP) == [D1, C1101, P11, COUNTRY]
    assert tree.ancestors(CITY_OFFICE) == [C1101, P11, COUNTRY]
    nodes, unit_ids = tree.unit_closure()
    for node in tree.nodes:
        assert sorted(u for n, u in zip(nodes, unit_ids) if n == node.unit_id) == sorted(
            leaves_below(units, node.unit_id)
        )
    assert [c.unit_id for c in tree.children(C1101)] == [CITY_OFFICE, D1, D2]
    assert [n.unit_id for n in tree.bottom_up()][-1] == COUNTRY
    with pytest.raises(NotANode, match="files its own return"):
        build_tree(Roster(Path("roster.csv"), "x", tuple(units)), CITY_OFFICE)


# --- consolidation and checkpoint at every level ----------------------------------------------------------------


def test_every_node_equals_the_sum_over_its_units(country, returns) -> None:
    c = country.consolidation
    assert country.result.success, [f.message_en for f in country.result.failures]
    assert c.nodes["node_id"].tolist() == [COUNTRY, P11, C1101, D1, D2, P12, C1201, D3]
    for node_id in c.nodes["node_id"]:
        assert c.cells(node_id) == expected_sums(returns, leaves_below(tree_units(), node_id)), node_id
    assert c.cells() == expected_sums(returns, [r.unit_id for r in returns])  # the run's own node: the country
    assert len(c.node_cells) == 8 * len(CELL_KEYS)
    with Warehouse(country.warehouse, read_only=True) as wh:  # every node recorded, fee exact
        stored = wh.frame("SELECT node_id, value_dec FROM node_cells WHERE cell_key = ?", [FEE_KEY])
    assert dict(zip(stored["node_id"], stored["value_dec"])) == {
        n: expected_sums(returns, leaves_below(tree_units(), n))[FEE_KEY] for n in c.nodes["node_id"]
    }


def test_every_node_is_published_and_a_city_annex_lists_its_districts(country, returns) -> None:
    assert set(country.published) == {COUNTRY, P11, C1101, D1, D2, P12, C1201, D3}
    city = json.loads((country.out / C1101 / str(YEAR) / "report.json").read_text(encoding="utf-8"))
    assert city["scope"] == "全市"
    assert [(u["unit_id"], u["kind"], u["status"]) for u in city["units"]] == [
        (CITY_OFFICE, "office", "accepted"),
        (D1, "district", "consolidated"),
        (D2, "district", "consolidated"),
    ]
    # the city = its office + its two districts' published figures
    districts = [
        json.loads((country.out / d / str(YEAR) / "report.json").read_text(encoding="utf-8")) for d in (D1, D2)
    ]
    office = next(r for r in returns if r.unit_id == CITY_OFFICE)
    for key in ("s3.new_received.total", "s2.admin_license.decisions", "s4.review.total"):
        assert city["cells"][key] == office.cells[key] + sum(d["cells"][key] for d in districts)
    assert Decimal(city["cells"][FEE_KEY]) == office.cells[FEE_KEY] + sum(
        Decimal(d["cells"][FEE_KEY]) for d in districts
    )
    html = (country.out / C1101 / str(YEAR) / "report.html").read_text(encoding="utf-8")
    assert "城东区人民政府" in html and "已汇总" in html and "全市合计" in html
    district = json.loads((country.out / D1 / str(YEAR) / "report.json").read_text(encoding="utf-8"))
    assert [u["unit_id"] for u in district["units"]] == leaves_below(tree_units(), D1)  # a district: its units
    manifest = json.loads((country.out / COUNTRY / str(YEAR) / "manifest.json").read_text(encoding="utf-8"))
    assert [c["node_id"] for c in manifest["children"]] == [P11, P12]
    assert len(manifest["units"]) == len(returns) and all(u["sha256"] for u in manifest["units"])
    with Warehouse(country.warehouse, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM node_publications") == 8
        assert wh.scalar("SELECT district_id FROM runs") == COUNTRY


def test_the_country_run_switches_all_its_nodes_in_one_generation(country) -> None:
    """All or nothing across nodes (publish/generations.py): every node's OUT/<node>/<year> is the link through
    OUT/.published/current, and the one generation `current` names lists all 8 nodes of the run."""
    from publish.generations import Store

    store = Store(country.out)
    nodes = {COUNTRY, P11, C1101, D1, D2, P12, C1201, D3}
    assert set(store.entries()) == {(n, YEAR) for n in nodes}
    assert [p.name for p in store.root.iterdir() if p.name.startswith("gen-")] == [store.current()]
    runs = set()
    for node in nodes:
        link = country.out / node / str(YEAR)
        assert link.is_symlink() and os.readlink(link) == f"../.published/current/{node}/{YEAR}"
        manifest = json.loads((link / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["district_id"] == node
        runs.add(manifest["run"])
    assert len(runs) == 1  # one run's publication, every node


def test_one_missing_township_blocks_its_district_city_province_and_country(tmp_path, returns) -> None:
    run = run_steps(tmp_path, COUNTRY, [r for r in returns if r.unit_id != MISSING_TOWNSHIP])
    assert not run.result.success
    assert blocked_nodes(run.result) == {n: [MISSING_TOWNSHIP] for n in (COUNTRY, P11, C1101, D1)}
    details = sorted(f.detail for f in run.result.failures if f.rule == "G1")
    assert all(f.unit_id == MISSING_TOWNSHIP for f in run.result.failures)
    assert "110101 城东区人民政府 blocked: unit 110101501 城东街道 has no accepted return" in details
    assert any(d.startswith("110100 南湖市 blocked: unit 110101501") for d in details)
    assert {o.rule for o in run.result.outcomes if not o.success} == {"G1"}  # the sums still add up
    assert run.published == {}  # all or nothing: D2, D3 pass but nothing is published (only the audit report)
    assert sorted(p.name for p in run.out.iterdir()) == ["runs"]
    roster = read_roster(tmp_path / "roster.csv", COUNTRY)
    with (
        pytest.raises(PublicationRefused, match="000000, 110000, 110100, 110101"),
        Warehouse(run.warehouse) as wh,
    ):
        publish_all(run.consolidation, roster, wh, run.out, "k", run.result)


def test_a_city_run_consolidates_only_its_subtree(tmp_path, returns) -> None:
    run = run_steps(tmp_path, C1101, returns)
    c = run.consolidation
    assert run.result.success
    assert c.nodes["node_id"].tolist() == [C1101, D1, D2]
    assert c.units["unit_id"].tolist() == leaves_below(tree_units(), C1101)
    assert c.cells() == expected_sums(returns, leaves_below(tree_units(), C1101))
    assert set(run.published) == {C1101, D1, D2}
    # OUT/.published is the store every OUT/<node>/<year> is read through (publish/generations.py)
    assert sorted(p.name for p in run.out.iterdir() if p.name not in (".published", "runs")) == sorted([C1101, D1, D2])


def test_the_gx_frame_has_one_g1_row_per_unit_on_its_home_node(country) -> None:
    """G1 is checked once per unit (not once per node above it): its row sits on the node it reports to."""
    c = country.consolidation
    checks = build_node_checks(c.nodes, c.unit_homes(), c.node_cells, c.direct_sums)
    g1 = checks[checks["rule"] == "G1"]
    units = leaves_below(tree_units(), COUNTRY)
    assert g1["unit_id"].tolist() == units  # each unit once, roster order
    homes = dict(zip(g1["unit_id"], g1["node_id"]))
    assert (homes[MISSING_TOWNSHIP], homes[CITY_OFFICE]) == (D1, C1101)
    assert g1.loc[g1["unit_id"] == MISSING_TOWNSHIP, "check_id"].tolist() == [f"{D1}|G1:{MISSING_TOWNSHIP}"]
    with_return = int(checks.loc[checks["rule"] == "G1", "accepted_submission_id"].notna().sum())
    # G1 + G3 + G4 rows, then a G5 row per unit with an accepted version (on the same home node as its G1 row)
    assert len(checks) == len(units) + len(c.nodes) * (len(CELL_KEYS) + 42) + with_return
    g5 = checks[checks["rule"] == "G5"]
    with_ids = set(checks.loc[(checks["rule"] == "G1") & checks["accepted_submission_id"].notna(), "unit_id"])
    assert with_return and dict(zip(g5["unit_id"], g5["node_id"])) == {u: homes[u] for u in units if u in with_ids}
    assert checks["check_id"].is_unique


def test_a_missing_unit_at_depth_four_names_each_blocked_node_once(country) -> None:
    """GX finds the township once; the result names it with each of its four nodes, in the order the closure gives
    (the run's node order, then roster order), and the office reporting straight to the city blocks no district."""
    c = country.consolidation
    units = c.unit_homes()
    missing = [MISSING_TOWNSHIP, CITY_OFFICE]
    units.loc[units["unit_id"].isin(missing), "accepted_submission_id"] = None
    result = run_node_checkpoint(
        build_node_checks(c.nodes, units, c.node_cells, c.direct_sums), YEAR, "missing", nodes=c.nodes
    )
    g1 = next(o for o in result.outcomes if o.rule == "G1")
    names = dict(zip(c.nodes["node_id"], c.nodes["node_name"]))
    # the closure, written out independently (hierarchy_support.leaves_below), in the run's node order
    expected = [
        (node, unit) for node in c.nodes["node_id"] for unit in leaves_below(tree_units(), node) if unit in missing
    ]
    assert expected == [
        (COUNTRY, CITY_OFFICE),
        (COUNTRY, MISSING_TOWNSHIP),
        (P11, CITY_OFFICE),
        (P11, MISSING_TOWNSHIP),
        (C1101, CITY_OFFICE),
        (C1101, MISSING_TOWNSHIP),
        (D1, MISSING_TOWNSHIP),
    ]
    assert [(r["node_id"], r["unit_id"]) for r in g1.unexpected] == expected
    assert g1.unexpected[-1] == {
        "unit_id": MISSING_TOWNSHIP,
        "unit_name": "城东街道",
        "node_id": D1,
        "node_name": "城东区人民政府",
    }
    assert all(r["node_name"] == names[r["node_id"]] for r in g1.unexpected)
    township = [f.detail for f in result.failures if f.rule == "G1" and f.unit_id == MISSING_TOWNSHIP]
    assert township == [
        f"{node} {names[node]} blocked: unit {MISSING_TOWNSHIP} 城东街道 has no accepted return"
        for node in (COUNTRY, P11, C1101, D1)
    ]
    assert blocked_nodes(result) == {
        COUNTRY: [CITY_OFFICE, MISSING_TOWNSHIP],
        P11: [CITY_OFFICE, MISSING_TOWNSHIP],
        C1101: [CITY_OFFICE, MISSING_TOWNSHIP],
        D1: [MISSING_TOWNSHIP],
    }
    assert result.statistics["unsuccessful_expectations"] == 1  # G1 only: the figures still add up


def test_g3_names_the_node_whose_figures_do_not_add_up(country) -> None:
    """A node report that disagrees with its children (here the city, one cell off) fails G3 at that node only."""
    c = country.consolidation
    cells = c.node_cells.copy()
    wrong = (cells["node_id"] == C1101) & (cells["cell_key"] == "s3.granted.natural_person")
    cells.loc[wrong, "value_int"] = cells.loc[wrong, "value_int"] + 1
    result = run_node_checkpoint(
        build_node_checks(c.nodes, c.unit_homes(), cells, c.direct_sums), YEAR, "tampered", nodes=c.nodes
    )
    g3 = [f for f in result.failures if f.rule == "G3"]
    # the city is one off against its children, and the province one off against the (true) city it adds
    assert [(f.unit_id, f.cell) for f in g3] == [
        (P11, "s3.granted.natural_person"),
        (C1101, "s3.granted.natural_person"),
    ]
    city = next(f for f in g3 if f.unit_id == C1101)
    assert int(city.actual) == int(city.expected) + 1
    g3_rows = next(o for o in result.outcomes if o.rule == "G3").unexpected
    assert {r["node_id"] for r in g3_rows} == {P11, C1101}


def test_a_blank_in_a_units_return_makes_its_node_sum_unknown(country) -> None:
    c = country.consolidation
    direct = c.direct_sums.copy()
    direct.loc[(direct["node_id"] == D3) & (direct["cell_key"] == "s4.review.total"), "blanks"] = 1
    checks = build_node_checks(c.nodes, c.unit_homes(), c.node_cells, direct)
    row = checks[checks["check_id"] == f"{D3}|G3:s4.review.total"].iloc[0]
    assert row["expected"] is None and isinstance(row["actual"], int)
    assert pd.api.types.is_object_dtype(checks["expected"])


def test_nianbao_audit_finds_a_district_published_by_its_countrys_run(country) -> None:
    """Lineage covers every node a run published, not only the run's own node."""
    from audit.lineage import publications

    with Warehouse(country.warehouse, read_only=True) as wh:
        (pub,) = publications(wh, D1, YEAR)
    assert Path(pub.folder) == country.out / D1 / str(YEAR)
    assert pub.ok and {f.name for f in pub.files} == {"report.html", "report.xlsx", "report.json", "manifest.json"}
