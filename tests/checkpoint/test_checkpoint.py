"""The GX checkpoint on a 3-unit district, a tree of one node: a real Great Expectations run on pandas frames,
no mocks."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from checkpoint import CheckpointInputError, build_node_checks
from schemas.cells import FEE_KEY, s3


def run(frames, units, district=None, roster=None, **kw):
    district = frames.sums(units) if district is None else district
    roster = frames.roster(units) if roster is None else roster
    return frames.check(roster, frames.unit_cells(units), frames.district(district), frames.year, **kw)


def failing(result):
    return [(f.rule, f.detail, f.cell, f.expected, f.actual) for f in result.failures]


def test_consistent_district_passes(frames, units):
    started = time.perf_counter()
    result = run(frames, units)
    elapsed = time.perf_counter() - started

    assert result.success
    assert result.data_docs_index is None and result.data_docs_page is None  # no folder given, no Data Docs
    assert result.failures == []
    assert [(o.rule, o.detail, o.success) for o in result.outcomes] == [
        ("G1", "", True),
        ("G3", "", True),
        ("G4", "A1", True),
        ("G4", "A2", True),
        ("G4", "A3", True),
        ("G4", "L1", True),
        ("G5", "", True),  # G5: units given without verdicts have no G5 rows
    ]
    assert result.statistics["evaluated_expectations"] == 7
    assert result.statistics["successful_expectations"] == 7
    assert result.statistics["unsuccessful_expectations"] == 0
    assert elapsed < 5  # one run is ~0.25 s on the 2-core box; generous for a loaded CI
    # the sum really is the three units: 746.844 + 0.000001 + 12.5
    assert frames.sums(units)[FEE_KEY] == Decimal("759.344001")


def test_missing_unit_fails_g1_naming_it(frames, units):
    roster = frames.roster(units, without_return=("320703009",))
    result = run(frames, units, roster=roster)

    assert not result.success
    (failure,) = result.failures
    assert (failure.rule, failure.unit_id, failure.expected) == ("G1", "320703009", "2022")
    assert failure.blocking
    assert "320703009" in failure.message_zh and "2022" in failure.message_zh
    g1 = result.outcomes[0]
    assert g1.rule == "G1" and not g1.success
    assert g1.unexpected == [
        {"unit_id": "320703009", "unit_name": "单位4", "node_id": frames.district_id, "node_name": "连云区"}
    ]
    assert result.statistics["unsuccessful_expectations"] == 1
    assert result.statistics["successful_expectations"] == 6


def test_district_row_needs_no_return(frames, units):
    # the district is the node, not a reporting unit: it has no accepted return and no G1 row asks for one
    roster = frames.roster(units)
    assert frames.district_id not in set(roster["unit_id"])
    checks = build_node_checks(
        frames.nodes(), roster, frames.district(frames.sums(units)), frames.direct(frames.unit_cells(units))
    )
    g1 = checks[checks["rule"] == "G1"]
    assert frames.district_id not in set(g1["unit_id"].astype(str)) and g1["accepted_submission_id"].notna().all()
    assert run(frames, units, roster=roster).success


def test_district_cell_off_by_one_fails_g3(frames, units):
    district = frames.sums(units)
    district["s2.admin_license.decisions"] += 1  # 1007 + 2014 + 1007 = 4028 in truth

    result = run(frames, units, district=district)

    assert not result.success
    assert failing(result) == [("G3", "", "s2.admin_license.decisions", "4028", "4029")]
    assert result.failures[0].unit_id == frames.district_id
    g3 = next(o for o in result.outcomes if o.rule == "G3")
    assert g3.unexpected == [
        {
            "unit_id": frames.district_id,
            "cell": "s2.admin_license.decisions",
            "expected": "4028",
            "actual": "4029",
            "detail": "",
            "node_id": frames.district_id,
            "node_name": "连云区",
        }
    ]
    assert result.statistics["unsuccessful_expectations"] == 1


def test_s3_cell_off_by_one_fails_g3_and_the_identities_it_breaks(frames, units):
    district = frames.sums(units)
    district[s3("granted", "natural_person")] += 1

    rules = {(f.rule, f.detail, f.cell) for f in run(frames, units, district=district).failures}

    assert rules == {
        ("G3", "", s3("granted", "natural_person")),
        ("G4", "A1", s3("granted", "total")),
        ("G4", "A2", s3("total_processed", "natural_person")),
    }


def test_fee_off_by_one_millionth_fails_g3(frames, units):
    district = frames.sums(units)
    district[FEE_KEY] += Decimal("0.000001")

    result = run(frames, units, district=district)

    assert not result.success
    assert failing(result) == [("G3", "", FEE_KEY, "759.344001", "759.344002")]


def test_fee_as_text_with_trailing_zeros_is_equal(frames, units):
    district_frame = frames.district(frames.sums(units))
    district_frame.loc[district_frame["cell_key"] == FEE_KEY, "value_dec"] = "759.344001000000"
    roster, unit_cells = frames.roster(units), frames.unit_cells(units)

    assert frames.check(roster, unit_cells, district_frame, frames.year).success


def test_float_fee_is_refused(frames, units):
    district_frame = frames.district(frames.sums(units))
    district_frame["value_dec"] = district_frame["value_dec"].map(lambda v: None if v is None else float(v))

    with pytest.raises(CheckpointInputError, match="float"):
        frames.check(frames.roster(units), frames.unit_cells(units), district_frame, frames.year)


def test_broken_a3_balance_fails_g4(frames, units):
    # one unit's carried-out is one too many (its row total kept right), so the district carries it too:
    # G3 holds (the district is the exact sum) but the district report no longer balances.
    units["320703002"][s3("carried_out", "natural_person")] += 1
    units["320703002"][s3("carried_out", "total")] += 1

    result = run(frames, units)

    assert not result.success
    # natural_person: new 15+30+15 + carried-in 0+0+2 - processed 14+28+16 -> carried-out must be 4; found 1+3+1
    # total:          new 16+32+16 + carried-in 0+0+2 - processed 15+30+17 -> carried-out must be 4; found 1+3+1
    assert failing(result) == [
        ("G4", "A3", s3("carried_out", "natural_person"), "4", "5"),
        ("G4", "A3", s3("carried_out", "total"), "4", "5"),
    ]
    failure = result.failures[0]
    assert "A3" in failure.message_en and s3("carried_out", "natural_person") in failure.message_en
    assert set(failure.cells) == {
        s3(r, "natural_person") for r in ("new_received", "carried_in", "total_processed", "carried_out")
    }
    a3 = next(o for o in result.outcomes if o.detail == "A3")
    assert not a3.success and [u["cell"] for u in a3.unexpected] == [
        s3("carried_out", "natural_person"),
        s3("carried_out", "total"),
    ]
    assert result.statistics == {
        **result.statistics,
        "evaluated_expectations": 7,
        "successful_expectations": 6,
        "unsuccessful_expectations": 1,
    }


def test_broken_l1_total_fails_g4(frames, units):
    district = frames.sums(units)
    district["s4.review.total"] += 1
    units_total = frames.sums(units)["s4.review.total"]

    result = run(frames, units, district=district)

    assert ("G4", "L1", "s4.review.total", str(units_total), str(units_total + 1)) in failing(result)
    assert ("G3", "", "s4.review.total", str(units_total), str(units_total + 1)) in failing(result)
    assert result.statistics["unsuccessful_expectations"] == 2


def test_blank_district_cell_is_not_zero(frames, units):
    district_frame = frames.district(frames.sums(units))
    district_frame = district_frame[district_frame["cell_key"] != "s2.admin_penalty.decisions"]  # cell lost

    result = frames.check(frames.roster(units), frames.unit_cells(units), district_frame, frames.year)

    assert failing(result) == [("G3", "", "s2.admin_penalty.decisions", "776", "(missing)")]


def test_blank_unit_cell_makes_the_sum_unknown(frames, units):
    unit_cells = frames.unit_cells(units)
    blank = (unit_cells["unit_id"] == "320703001") & (unit_cells["cell_key"] == "s2.admin_penalty.decisions")
    unit_cells.loc[blank, "value_int"] = None

    result = frames.check(frames.roster(units), unit_cells, frames.district(frames.sums(units)), frames.year)

    assert failing(result) == [("G3", "", "s2.admin_penalty.decisions", "(missing)", "776")]


def test_unit_off_the_roster_is_refused(frames, units):
    # in a tree, a unit is off the roster of the run when it is at home in a node outside it
    roster = frames.roster(units, homes={"320703003": "320704"})
    with pytest.raises(CheckpointInputError, match="320703003"):
        frames.check(roster, frames.unit_cells(units), frames.district(frames.sums(units)), frames.year)


def test_data_docs_are_built_into_the_given_folder(frames, units, tmp_path):
    district = frames.sums(units)
    district["s2.admin_license.decisions"] += 1

    result = run(frames, units, district=district, data_docs_dir=tmp_path / "docs")

    assert result.data_docs_index == tmp_path / "docs" / "index.html"
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert pages == [result.data_docs_page]
    assert f"{frames.district_id}_{frames.year}" in str(result.data_docs_page)  # the run is named after the district
    page = result.data_docs_page.read_text(encoding="utf-8")
    assert "s2.admin_license.decisions" in page  # the failing row is listed on the validation page
    assert "G3 every district cell equals the sum over units" in page


def test_a_rerun_of_the_same_checks_replaces_its_data_docs_page(frames, units, tmp_path):
    """The GX run is dated by the year checked, not the clock: the same checks give the same page path (so
    audit.html's link to it stays the same) and a rerun replaces the page instead of adding one."""
    from checkpoint.datadocs import make_offline  # as the run does (it also drops GX's cache-busting logo URL)

    first = run(frames, units, data_docs_dir=tmp_path / "docs")
    make_offline(tmp_path / "docs")
    index = (tmp_path / "docs" / "index.html").read_bytes()
    time.sleep(1.1)  # GX names the folder to the microsecond and shows the run time to the second
    second = run(frames, units, data_docs_dir=tmp_path / "docs")
    make_offline(tmp_path / "docs")
    assert second.data_docs_page == first.data_docs_page
    assert list((tmp_path / "docs" / "validations").rglob("*.html")) == [first.data_docs_page]
    assert f"{frames.year + 1}0101T000000" in first.data_docs_page.parent.name
    assert (tmp_path / "docs" / "index.html").read_bytes() == index


def test_the_data_docs_stay_bounded_however_many_rows_fail(frames, units, tmp_path):
    """The result still names every failing row; the Data Docs page shows a sample of them (no query listing every
    row), and the site keeps only the static files its pages load."""
    from checkpoint.datadocs import make_offline

    def docs_of(missing: int):
        folder = tmp_path / f"docs-{missing}"
        absent = tuple(f"3207039{i:05d}" for i in range(missing))
        result = run(frames, units, roster=frames.roster(units, without_return=absent), data_docs_dir=folder)
        make_offline(folder)
        return result, folder

    few, _ = docs_of(30)
    many, many_docs = docs_of(3000)
    assert [len(r.failures) for r in (few, many)] == [30, 3000]  # the verdict names every unit without a return
    page = many.data_docs_page.read_text(encoding="utf-8")
    assert "df.filter" not in page and "320703902999" not in page  # a sample, not every failing row
    assert "320703900000" in page  # the first failing rows are shown
    assert many.data_docs_page.stat().st_size < few.data_docs_page.stat().st_size + 5_000
    static = sorted(p.relative_to(many_docs).as_posix() for p in (many_docs / "static").rglob("*") if p.is_file())
    assert "static/images/glossary_scroller.gif" not in static and "static/vendor/css/bootstrap.min.css" in static
    assert "static/vendor/webfonts/fa-solid-900.woff2" in static  # loaded through fontawesome's style sheet
    assert sum((many_docs / p).stat().st_size for p in static) < 1_500_000
