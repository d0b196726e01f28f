"""The pandera schemas are built from the cell table, and the value predicates say what S3/S4 accept."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from sampledata.lianyun import lianyun_return
from schemas.cells import COUNT_KEYS, FEE_KEY
from schemas.frame import stack, typed_counts
from schemas.models import (
    IDENTITIES,
    MAX_COUNT,
    count_problem,
    fee_decimals,
    identities_for,
    identities_schema,
    is_count,
    is_fee,
    shape_schema,
)


@pytest.mark.parametrize("value", [0, 7, 1007, MAX_COUNT, np.int64(3)])
def test_counts_that_pass(value):
    assert is_count(value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("abc", "not a number"),
        (-1, "negative"),
        ("-1", "negative"),
        (1.5, "not a whole number"),
        ("2.5", "not a whole number"),
        (Decimal("2.5"), "not a whole number"),
        (MAX_COUNT + 1, "too large"),
        (True, "not a number"),
    ],
)
def test_counts_that_fail_and_why(value, problem):
    assert not is_count(value)
    assert count_problem(value) == problem


def test_fee_predicates():
    assert is_fee(Decimal("746.844")) and is_fee(Decimal(0)) and is_fee(0)
    assert not is_fee(Decimal("-0.5")) and not is_fee("746.844") and not is_fee(Decimal("NaN")) and not is_fee(1.5)
    assert fee_decimals(Decimal("746.844")) == 3
    assert fee_decimals(Decimal("746.84400")) == 3  # trailing zeros are not precision
    assert fee_decimals(Decimal("1E+3")) == 0
    assert fee_decimals(Decimal("0.000001")) == 6


def test_shape_schema_has_a_column_per_cell_plus_year_and_is_cached():
    schema = shape_schema(2022)
    assert len(schema.columns) == 201
    assert all(not schema.columns[k].nullable for k in COUNT_KEYS)
    assert [c.name for c in schema.columns[FEE_KEY].checks] == ["S4", "S4W"]
    assert [c.name for c in schema.columns["year"].checks] == ["S5", "S5"]
    assert [c.name for c in shape_schema(None).columns["year"].checks] == ["S5"]
    assert shape_schema(2022) is schema


def test_identities_schema_has_one_named_check_per_rule():
    assert [c.name for c in identities_schema(True).checks] == ["A1", "A2", "A3", "A4", "L1", "P1", "P4"]
    assert [c.name for c in identities_schema(False).checks] == ["A1", "A2", "A3", "A4", "L1", "P4"]
    sizes = {i.rule: len(i.cells) for i in IDENTITIES}
    assert sizes == {"A1": 25, "A2": 7, "A3": 7, "A4": 7, "L1": 3, "P1": 3, "P4": 2}
    assert all(len(i.reads) == len(i.cells) for i in IDENTITIES)


def test_every_identity_holds_on_the_lianyun_figures():
    counts = typed_counts(stack([lianyun_return()]))
    for identity in identities_for(county_level=True):
        assert identity.holds(counts).all(), identity.rule
    identities_schema(True).validate(counts)  # raises if any check fails


def test_shape_schema_accepts_an_already_typed_frame():
    frame = stack([lianyun_return()])
    counts = typed_counts(frame)
    frame = pd.concat([frame[["unit_id", "year", "file", FEE_KEY]], counts], axis=1)
    shape_schema(2022).validate(frame)
    frame.loc[0, "s3.granted.total"] = -1
    with pytest.raises(Exception, match="S3"):
        shape_schema(2022).validate(frame)
