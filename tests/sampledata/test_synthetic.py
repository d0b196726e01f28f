"""Synthetic data: every return obeys the form's identities, rosters are well-formed, output is deterministic.

The identities are recomputed here with plain arithmetic over the cell keys (not via the validation package), so
these tests check the generator independently of the validator.
"""

from __future__ import annotations

import csv
import json
import random
import time
from decimal import Decimal

import pytest

from sampledata.lianyun import lianyun_cells
from sampledata.roster import UNITS_PER_DISTRICT
from sampledata.synthetic import (
    LIANYUN_UNIT_NAME,
    NotAReportingUnit,
    RosterUnit,
    break_a3,
    build_district,
    district_roster,
    hierarchy,
    returns_for,
    synthetic_return,
    unit_return,
    write_returns_json,
    write_roster_csv,
)
from schemas.cells import CELL_KEYS, FEE_KEY, S3_APPLICANT_COLS, S3_COL_KEYS, S3_OUTCOME_ROWS, S3_ROW_KEYS
from schemas.returns import CanonicalReturn

S4_GROUPS = ("review", "litigation_direct", "litigation_after_review")
AGGREGATES = {"district", "city", "province", "country"}


def identity_failures(ret: CanonicalReturn) -> list[tuple[str, str]]:
    """(rule, where) for every failing A1, A2, A3, A4, L1, P1, P4 check, computed by hand."""
    c = ret.cells
    bad: list[tuple[str, str]] = []
    for row in S3_ROW_KEYS:  # A1: row total = sum of the six applicant columns
        if c[f"s3.{row}.total"] != sum(c[f"s3.{row}.{col}"] for col in S3_APPLICANT_COLS):
            bad.append(("A1", row))
    for col in S3_COL_KEYS:
        if c[f"s3.total_processed.{col}"] != sum(c[f"s3.{row}.{col}"] for row in S3_OUTCOME_ROWS):
            bad.append(("A2", col))
        if c[f"s3.new_received.{col}"] + c[f"s3.carried_in.{col}"] != (
            c[f"s3.total_processed.{col}"] + c[f"s3.carried_out.{col}"]
        ):
            bad.append(("A3", col))
        if c[f"s3.carried_out.{col}"] > c[f"s3.new_received.{col}"]:
            bad.append(("A4", col))
    for g in S4_GROUPS:
        parts = sum(c[f"s4.{g}.{r}"] for r in ("upheld", "corrected", "other", "pending"))
        if c[f"s4.{g}.total"] != parts:
            bad.append(("L1", g))
    for field in ("issued", "repealed", "in_force"):
        if c[f"s2.regulations.{field}"] != 0:
            bad.append(("P1", field))
    for item in ("regulations", "normative_docs"):
        if c[f"s2.{item}.in_force"] < c[f"s2.{item}.issued"]:
            bad.append(("P4", item))
    return bad


def assert_well_typed(ret: CanonicalReturn) -> None:
    """S2–S4: all 200 cells, counts are non-negative ints, the fee a non-negative Decimal with ≤ 3 decimals."""
    assert set(ret.cells) == set(CELL_KEYS)
    for key in CELL_KEYS:
        v = ret.cells[key]
        if key == FEE_KEY:
            assert isinstance(v, Decimal) and v >= 0 and v.as_tuple().exponent >= -3, (ret.unit_id, key, v)
        else:
            assert type(v) is int and v >= 0, (ret.unit_id, key, v)


@pytest.fixture(scope="module")
def district():
    return build_district()


def many_returns() -> list[CanonicalReturn]:
    """The default district, a 600-unit hierarchy, and direct synthetic_return calls with one shared RNG."""
    _, rets = build_district(seed=11, lianyun_unit=False)
    rets += returns_for(hierarchy(600, seed=3), 2023, seed=5)
    rng = random.Random(42)
    for unit in district_roster("110101", "东城区", n_departments=30, n_townships=12)[1:]:
        rets.append(synthetic_return(unit, 2022, rng))
    return rets


def test_every_synthetic_return_satisfies_the_identities():
    rets = many_returns()
    assert len(rets) > 650
    for ret in rets:
        assert_well_typed(ret)
        assert identity_failures(ret) == [], ret.unit_id


def test_the_identity_checker_can_fail():
    ret = build_district(lianyun_unit=False)[1][0]
    cells = dict(ret.cells)
    cells["s3.granted.natural_person"] += 1
    cells["s2.regulations.issued"] = 1
    cells["s4.review.upheld"] += 1
    bad = identity_failures(CanonicalReturn(ret.unit_id, ret.unit_name, ret.year, cells))
    assert ("A1", "granted") in bad and ("A2", "natural_person") in bad
    assert ("P1", "issued") in bad and ("P4", "regulations") in bad and ("L1", "review") in bad


def test_figures_are_plausible_and_not_all_zero(district):
    _, rets = build_district(seed=11, lianyun_unit=False)
    roster = {u.unit_id: u for u in district_roster()}
    kinds = {r.unit_id: roster[r.unit_id].kind for r in rets}
    for r in rets:
        limit = {"township": 11, "department": 63, "office": 155}[kinds[r.unit_id]]
        assert r.cells["s3.new_received.total"] <= limit, r.unit_name
    assert sum(r.cells["s3.new_received.total"] for r in rets) > 50
    assert sum(r.cells["s2.admin_license.decisions"] > 0 for r in rets) >= 3
    assert sum(r.cells["s2.admin_license.decisions"] == 0 for r in rets) >= 3  # many units have none
    assert any(r.cells[FEE_KEY] > 0 for r in rets)
    assert any(r.cells[FEE_KEY] == 0 for r in rets)
    # requests are spread over several outcome rows, not one
    used = {row for r in rets for row in S3_OUTCOME_ROWS if r.cells[f"s3.{row}.total"]}
    assert len(used) >= 6


def test_narrative_quotes_the_table(district):
    for ret in district[1]:
        if not ret.narrative:
            continue
        c = ret.cells
        assert f"本年新收政府信息公开申请{c['s3.new_received.total']}件" in ret.narrative["overview"]
        assert f"办结{c['s3.total_processed.total']}件" in ret.narrative["overview"]
        assert f"现行有效{c['s2.normative_docs.in_force']}件" in ret.narrative["overview"]
        assert "信息处理费" in ret.narrative["other"]


def test_district_roster_shape():
    units = district_roster()
    ids = [u.unit_id for u in units]
    assert len(units) >= 30
    assert len(set(ids)) == len(ids)
    assert [u.kind for u in units].count("district") == 1
    assert [u.kind for u in units].count("office") == 1
    assert {u.kind for u in units} == {"district", "office", "department", "township"}
    district = next(u for u in units if u.kind == "district")
    assert district.parent_id == ""
    assert all(u.parent_id in set(ids) for u in units if u is not district)
    assert all(u.unit_id.startswith("320799") and len(u.unit_id) == 9 for u in units if u is not district)
    names = [u.unit_name for u in units]
    assert "示范区发展和改革局" in names and "示范区财政局" in names
    assert not any(word in name for name in names for word in ("公安", "税务", "海关"))  # vertically managed
    assert any(n.endswith("街道") for n in names) and any(n.endswith("镇") for n in names)


def test_unit_ids_are_stable_when_other_kinds_change():
    def of_kind(kind, units):
        return [u for u in units if u.kind == kind]

    few_towns, many_towns = district_roster(n_townships=2), district_roster(n_townships=30)
    assert of_kind("department", few_towns) == of_kind("department", many_towns)
    few_depts, many_depts = district_roster(n_departments=3), district_roster(n_departments=60)
    assert of_kind("township", few_depts) == of_kind("township", many_depts)


def test_lianyun_unit_carries_the_published_figures(district):
    roster, rets = district
    assert len(rets) == len([u for u in roster if u.kind != "district"])
    lianyun = [r for r in rets if r.unit_name == LIANYUN_UNIT_NAME]
    assert len(lianyun) == 1
    assert lianyun[0].cells == lianyun_cells()
    assert lianyun[0].year == 2024
    assert LIANYUN_UNIT_NAME in [u.unit_name for u in roster]
    _, rets_2030 = build_district(year=2030)
    assert next(r for r in rets_2030 if r.unit_name == LIANYUN_UNIT_NAME).cells == lianyun_cells()
    assert all(r.unit_name != LIANYUN_UNIT_NAME for r in build_district(lianyun_unit=False)[1])


@pytest.mark.parametrize("col", S3_APPLICANT_COLS)
def test_break_a3_breaks_one_column_only(district, col):
    ret = district[1][3]
    broken = break_a3(ret, col)
    bad = identity_failures(broken)
    # A3 on the 总计 column is the sum of the six applicant balances, so it fails with the broken column.
    assert bad == [("A3", col), ("A3", "total")]
    assert identity_failures(ret) == []  # the original is untouched
    assert broken.cells["s3.new_received.total"] == ret.cells["s3.new_received.total"] + 1
    assert f"本年新收政府信息公开申请{broken.cells['s3.new_received.total']}件" in broken.narrative["overview"]


def test_break_a3_rejects_the_total_column(district):
    with pytest.raises(ValueError, match="applicant column"):
        break_a3(district[1][0], "total")


def test_deterministic():
    a = [r.to_json() for r in build_district(seed=7)[1]]
    b = [r.to_json() for r in build_district(seed=7)[1]]
    c = [r.to_json() for r in build_district(seed=8)[1]]
    assert a == b
    assert a != c
    assert hierarchy(2000, seed=4) == hierarchy(2000, seed=4)
    first = synthetic_return(district_roster()[5], 2024, random.Random(1)).to_json()
    assert first == synthetic_return(district_roster()[5], 2024, random.Random(1)).to_json()


def test_years_agree_on_carried_requests():
    """Y1: what a unit carries out of one year is what it carries into the next (same seed)."""
    for unit in district_roster()[1:]:
        before, after = unit_return(unit, 2023, seed=9), unit_return(unit, 2024, seed=9)
        for col in S3_COL_KEYS:
            assert after.cells[f"s3.carried_in.{col}"] == before.cells[f"s3.carried_out.{col}"]
    carried = sum(unit_return(u, 2024, 9).cells["s3.carried_in.total"] for u in district_roster()[1:])
    assert carried > 0  # the check above is not vacuous


def test_aggregate_rows_file_no_return():
    with pytest.raises(NotAReportingUnit, match="320799"):
        synthetic_return(district_roster()[0], 2024, random.Random(1))


def test_hierarchy_single_root_and_every_chain_reaches_it():
    units = hierarchy(10_000)
    by_id = {u.unit_id: u for u in units}
    assert len(by_id) == len(units)
    roots = [u for u in units if u.parent_id == ""]
    assert len(roots) == 1 and roots[0].kind == "country"
    leaves = [u for u in units if u.kind not in AGGREGATES]
    assert len(leaves) == 10_000
    districts = [u for u in units if u.kind == "district"]
    assert abs(len(leaves) / len(districts) - UNITS_PER_DISTRICT) < 2
    order = ["country", "province", "city", "district"]
    for leaf in leaves:
        chain, node = [], leaf
        while node.parent_id:
            node = by_id[node.parent_id]
            chain.append(node.kind)
            assert len(chain) <= 4
        assert chain == order[::-1], leaf


@pytest.mark.parametrize("n", [1, 7, 60, 61, 150])
def test_hierarchy_small_sizes(n):
    units = hierarchy(n)
    assert len([u for u in units if u.kind not in AGGREGATES]) == n


def test_hierarchy_is_fast():
    start = time.perf_counter()
    units = hierarchy(150_000)
    assert time.perf_counter() - start < 5
    assert len([u for u in units if u.kind not in AGGREGATES]) == 150_000


def test_write_roster_csv(tmp_path, district):
    path = write_roster_csv(district[0], tmp_path / "sub" / "roster.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"unit_id,unit_name,kind,parent_id\n")  # SPEC header, no BOM
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [RosterUnit(**row) for row in rows] == district[0]


def test_write_returns_json(tmp_path, district):
    paths = write_returns_json(district[1], tmp_path / "returns")
    assert [p.name for p in paths] == [f"{r.unit_id}.json" for r in district[1]]
    lianyun = json.loads((tmp_path / "returns" / "320799001.json").read_text(encoding="utf-8"))
    assert lianyun["format"] == "nianbao.return/1"
    assert lianyun["unit_name"] == LIANYUN_UNIT_NAME
    assert lianyun["cells"][FEE_KEY] == "746.844"
    assert lianyun["cells"]["s3.new_received.total"] == 16
    assert list(lianyun["cells"]) == list(CELL_KEYS)
