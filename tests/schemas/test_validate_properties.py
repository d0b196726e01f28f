"""Properties: a consistent return validates clean; one count off by one breaks A1 on exactly its row;
validating a batch gives the same records as validating each return alone."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.cells import (
    FEE_KEY,
    S3_APPLICANT_COLS,
    S3_OUTCOME_ROWS,
    S3_ROW_KEYS,
    S4_GROUP_KEYS,
    s3,
    s4,
)
from schemas.returns import CanonicalReturn
from schemas.validate import validate_returns

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
small = st.integers(min_value=0, max_value=30)


@st.composite
def consistent_returns(draw: st.DrawFn, unit_id: str = "U") -> CanonicalReturn:
    """A return that satisfies every identity, SOFT ones included (A4: carried out ≤ new; P4: in force ≥ issued)."""
    cells: dict[str, object] = {}
    for col in S3_APPLICANT_COLS:
        outcomes = draw(st.lists(small, min_size=len(S3_OUTCOME_ROWS), max_size=len(S3_OUTCOME_ROWS)))
        processed = sum(outcomes)
        carried_in = draw(st.integers(0, processed))  # so that new_received ≥ carried_out (A4)
        carried_out = draw(small)
        cells.update({s3(row, col): v for row, v in zip(S3_OUTCOME_ROWS, outcomes)})
        cells[s3("total_processed", col)] = processed
        cells[s3("carried_in", col)] = carried_in
        cells[s3("carried_out", col)] = carried_out
        cells[s3("new_received", col)] = processed + carried_out - carried_in
    for row in S3_ROW_KEYS:
        cells[s3(row, "total")] = sum(cells[s3(row, col)] for col in S3_APPLICANT_COLS)  # type: ignore[misc]
    for group in S4_GROUP_KEYS:
        parts = draw(st.lists(small, min_size=4, max_size=4))
        cells.update({s4(group, r): v for r, v in zip(("upheld", "corrected", "other", "pending"), parts)})
        cells[s4(group, "total")] = sum(parts)
    cells.update({f"s2.regulations.{f}": 0 for f in ("issued", "repealed", "in_force")})  # P1: county level
    issued = draw(small)
    cells["s2.normative_docs.issued"] = issued
    cells["s2.normative_docs.repealed"] = draw(small)
    cells["s2.normative_docs.in_force"] = issued + draw(small)
    for item in ("admin_license", "admin_penalty", "admin_coercion"):
        cells[f"s2.{item}.decisions"] = draw(st.integers(0, 10**6))
    cells[FEE_KEY] = draw(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False))
    return CanonicalReturn(unit_id=unit_id, unit_name=unit_id, year=2022, cells=cells)


# Each pandera call has a fixed cost (~80 ms for 201 columns), so every example validates a whole batch at once.


@SETTINGS
@given(st.lists(consistent_returns(), min_size=1, max_size=8))
def test_consistent_returns_validate_clean(returns):
    assert validate_returns(returns, year=2022) == []


@SETTINGS
@given(
    st.lists(
        st.tuples(consistent_returns(), st.sampled_from(S3_ROW_KEYS), st.sampled_from(S3_APPLICANT_COLS)),
        min_size=1,
        max_size=8,
    )
)
def test_one_count_plus_one_breaks_a1_on_exactly_that_row(cases):
    expected = []
    for i, (ret, row, col) in enumerate(cases):
        ret.unit_id = f"U{i}"
        total = ret.cells[s3(row, "total")]
        ret.cells[s3(row, col)] += 1  # type: ignore[operator]
        expected.append((f"U{i}", s3(row, "total"), str(total + 1), str(total)))  # type: ignore[operator]
    failures = validate_returns([ret for ret, _, _ in cases], year=2022)
    assert [(f.unit_id, f.cell, f.expected, f.actual) for f in failures if f.rule == "A1"] == expected


broken_values = st.one_of(st.none(), st.just("abc"), st.integers(-3, 40), st.just(1.5))


@settings(SETTINGS, max_examples=15)
@given(
    st.lists(
        st.tuples(
            consistent_returns(),
            st.sampled_from(S3_ROW_KEYS),
            st.sampled_from(S3_APPLICANT_COLS + ("total",)),
            broken_values,
            st.sampled_from([2021, 2022]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_batch_reports_what_each_return_reports_alone(cases):
    returns, files = [], []
    for i, (ret, row, col, value, year) in enumerate(cases):
        ret.unit_id, ret.year = f"U{i}", year
        ret.cells[s3(row, col)] = value
        returns.append(ret)
        files.append(f"u{i}.xlsx")
    batch = validate_returns(returns, files=files, year=2022)
    alone = [f for ret, name in zip(returns, files) for f in validate_returns([ret], files=[name], year=2022)]
    assert batch == alone
    assert all(f.file == f"u{f.unit_id[1:]}.xlsx" for f in batch)
