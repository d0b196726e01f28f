"""The audit report of a tree run: a top page linking one page per node, the units on their home node's page, and
``nianbao audit --unit`` reading one unit's rows with the same answer as the whole node's audit. Real DuckDB, real
Great Expectations, through pipeline.run (hierarchy_support's hand-made tree; one township sends nothing)."""

from __future__ import annotations

import re

import pytest
from hierarchy_support import C1101, CITY_OFFICE, COUNTRY, D1, D2, D3, MISSING_TOWNSHIP, P11, P12, YEAR, tree_units

from audit.lineage import audit_district
from audit.report import node_page
from pipeline.audit_report import write_audit_report
from pipeline.run import Run, run
from sampledata.roster import write_roster_csv
from sampledata.synthetic import returns_for, write_returns_json
from warehouse.store import Warehouse

NODES = [COUNTRY, P11, C1101, D1, D2, P12, D3]  # and C1201


@pytest.fixture(scope="module")
def blocked(tmp_path_factory):
    """The country's run with the township MISSING_TOWNSHIP of D1 sending nothing: blocked from D1 up."""
    tmp = tmp_path_factory.mktemp("audit-pages")
    roster = write_roster_csv(tree_units(), tmp / "roster.csv")
    returns = [r for r in returns_for(tree_units(), YEAR, seed=11) if r.unit_id != MISSING_TOWNSHIP]
    write_returns_json(returns, tmp / "subs")
    result = run(Run(COUNTRY, YEAR, roster, tmp / "subs", tmp / "w.duckdb", tmp / "out", data_docs=False))
    assert result.status == "blocked" and result.audit is not None
    return {"tmp": tmp, "result": result, "folder": result.audit.parent}


def page_of(blocked, node_id: str) -> str:
    return node_page(blocked["folder"], node_id).read_text(encoding="utf-8")


def test_the_top_page_links_a_page_for_every_node_of_the_tree(blocked) -> None:
    top = blocked["result"].audit.read_text(encoding="utf-8")
    linked = re.findall(r'<tr data-node="(\w+)" data-kind="(\w+)" data-blocked="(\d)"', top)
    nodes = [n for n, _, _ in linked]
    assert set(nodes) >= set(NODES) and nodes[0] == COUNTRY
    assert sorted(p.stem for p in (blocked["folder"] / "nodes").glob("*.html")) == sorted(nodes)
    assert {n for n, _, b in linked if b == "1"} == {COUNTRY, P11, C1101, D1}  # the blocked ones, from G1
    assert "<details" not in top  # no unit's tables on the top page
    missing = re.search(r'<tr data-unit="(\w+)" data-status="(\w+)"><td><a href="nodes/(\w+)\.html#u-\w+">', top)
    assert missing is not None and missing.groups() == (MISSING_TOWNSHIP, "missing", D1)


def test_a_node_page_lists_its_child_nodes_and_the_units_it_is_the_home_of(blocked) -> None:
    country = page_of(blocked, COUNTRY)
    assert re.findall(r'<tr data-node="(\w+)" data-problems="(\d+)">', country) == [(P11, "1"), (P12, "0")]
    city = page_of(blocked, C1101)
    assert re.findall(r'<tr data-node="(\w+)"', city) == [D1, D2]
    assert re.findall(r'<tr data-unit="(\w+)"', city) == [CITY_OFFICE]  # a unit reporting straight to the city
    district = page_of(blocked, D1)
    below = [u.unit_id for u in tree_units() if u.parent_id == D1]
    assert re.findall(r'<tr data-unit="(\w+)"', district) == below  # every unit a compact row, roster order
    assert re.findall(r'<details class="unit" id="u-(\w+)"', district) == [MISSING_TOWNSHIP]  # only it in full
    assert f"No return received for {YEAR}" in district and 'id="node-blocked"' in district
    assert 'href="../audit.html"' in district and f'href="{C1101}.html"' in district  # up the tree


def test_a_rewrite_gives_the_same_bytes(blocked) -> None:
    folder = blocked["folder"]
    before = {p.name: p.read_bytes() for p in [*folder.glob("*.html"), *(folder / "nodes").glob("*.html")]}
    with Warehouse(blocked["tmp"] / "w.duckdb", read_only=True) as wh:
        write_audit_report(wh, blocked["result"].run_key, blocked["tmp"] / "out")
    after = {p.name: p.read_bytes() for p in [*folder.glob("*.html"), *(folder / "nodes").glob("*.html")]}
    assert after == before
    assert not [p for p in folder.rglob(".audit-*")]  # no temporary file left behind


def test_one_unit_audit_is_the_same_as_that_unit_in_the_whole_nodes_audit(blocked) -> None:
    with Warehouse(blocked["tmp"] / "w.duckdb", read_only=True) as wh:
        whole = {u["unit_id"]: u for u in audit_district(wh, D1, YEAR).to_dict()["units"]}
        assert set(whole) == {u.unit_id for u in tree_units() if u.parent_id == D1}
        for unit_id, expected in whole.items():
            for node in (D1, C1101, COUNTRY):  # a district consolidated by its country's run is found too
                one = audit_district(wh, node, YEAR, unit_id).to_dict()
                assert one["units"] == [expected], (node, unit_id)
        assert whole[MISSING_TOWNSHIP]["status"] == "missing"
        with pytest.raises(Exception, match=f"Unit {CITY_OFFICE} is not on district {D1}"):
            audit_district(wh, D1, YEAR, CITY_OFFICE)


def test_the_status_macros_for_a_few_units_agree_with_the_views(blocked) -> None:
    units = [u.unit_id for u in tree_units() if u.kind not in ("district", "city", "province", "country")]
    with Warehouse(blocked["tmp"] / "w.duckdb", read_only=True) as wh:
        for view in ("submission_status", "returns_in_force"):
            every = wh.con.execute(f"SELECT * FROM {view} ORDER BY ALL").fetchall()
            assert every  # something to compare
            parts = []
            for unit_id in units:
                parts += wh.con.execute(f"SELECT * FROM {view}_of([$u]) ORDER BY ALL", {"u": unit_id}).fetchall()
            assert sorted(parts, key=repr) == sorted(every, key=repr), view
