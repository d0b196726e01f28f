"""stack() lays returns out one per row; typed() turns validated rows into integers and Decimals."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from sampledata.lianyun import lianyun_cells, lianyun_return
from schemas.cells import CELL_KEYS, COUNT_KEYS, FEE_KEY
from schemas.frame import FrameError, stack, stack_with_notes, typed
from schemas.returns import from_raw_cells


def test_stack_lays_out_one_row_per_return_in_official_order():
    a, b = lianyun_return(unit_id="A"), lianyun_return(unit_id="B", year=2023)
    frame = stack([a, b], files=["a.xlsx", "b.xlsx"])
    assert list(frame.columns) == ["unit_id", "year", "file", *CELL_KEYS]
    assert frame.shape == (2, 203)
    assert (frame.dtypes == object).all()
    assert frame["unit_id"].tolist() == ["A", "B"]
    assert frame["file"].tolist() == ["a.xlsx", "b.xlsx"]
    assert frame["year"].tolist() == [2022, 2023]
    assert frame.loc[0, CELL_KEYS].tolist() == [lianyun_cells()[k] for k in CELL_KEYS]
    assert frame.at[1, "s2.admin_license.decisions"] == 1007
    assert frame.at[1, FEE_KEY] == Decimal("746.844")


def test_stack_without_files_leaves_file_empty_and_an_absent_cell_is_none(lianyun):
    del lianyun.cells["s3.granted.total"]
    frame = stack([lianyun])
    assert frame.at[0, "file"] == ""
    assert frame.at[0, "s3.granted.total"] is None


def test_stack_with_wrong_number_of_files_says_so(lianyun):
    with pytest.raises(FrameError, match="1 returns but 2 file names"):
        stack([lianyun], files=["a", "b"])


def test_stack_normalises_values_that_are_not_canonical_yet(lianyun):
    lianyun.cells["s3.granted.natural_person"] = "1,008"
    lianyun.cells["s3.granted.legal_other"] = "abc"
    lianyun.cells["s3.granted.legal_research"] = 3.0
    lianyun.cells[FEE_KEY] = "746.844"  # the canonical JSON carries the fee as a decimal string
    frame = stack([lianyun])
    assert frame.at[0, "s3.granted.natural_person"] == 1008
    assert type(frame.at[0, "s3.granted.legal_research"]) is int
    assert frame.at[0, "s3.granted.legal_other"] == "abc"
    assert frame.at[0, FEE_KEY] == Decimal("746.844")


def test_stack_keeps_fee_unit_notes_from_reading_and_from_stacking():
    raw = dict(lianyun_cells())
    raw[FEE_KEY] = "7468440元"
    read = from_raw_cells("A", "a", 2022, raw)
    assert read.notes[FEE_KEY].startswith("converted from 元")
    late = lianyun_return(unit_id="B")
    late.cells[FEE_KEY] = "1亿元"
    frame, notes = stack_with_notes([read, late, lianyun_return()])
    assert frame[FEE_KEY].tolist() == [Decimal("746.844"), Decimal(10000), Decimal("746.844")]
    assert notes.iloc[0].startswith("converted from 元")
    assert notes.iloc[1].startswith("converted from 亿元")
    assert notes.iloc[2] == ""


def test_typed_gives_int64_counts_and_decimal_fee(lianyun):
    frame = typed(stack([lianyun, lianyun_return(unit_id="B")]))
    assert list(frame.columns) == ["unit_id", "year", "file", *CELL_KEYS]
    assert all(frame[k].dtype == "int64" for k in COUNT_KEYS)
    assert frame[FEE_KEY].map(type).tolist() == [Decimal, Decimal]
    assert frame["s3.new_received.total"].sum() == 32
    assert frame.at[0, FEE_KEY] == Decimal("746.844")


def test_typed_uses_nullable_integers_for_a_column_with_a_missing_cell(lianyun):
    lianyun.cells["s3.granted.total"] = None
    frame = typed(stack([lianyun, lianyun_return()]))
    assert frame["s3.granted.total"].dtype == "Int64"
    assert pd.isna(frame.at[0, "s3.granted.total"]) and frame.at[1, "s3.granted.total"] == 8
    assert frame["s3.granted.natural_person"].dtype == "int64"


@pytest.mark.parametrize("bad", ["abc", 1.5])
def test_typed_refuses_a_count_that_is_not_whole_and_names_the_column(lianyun, bad):
    lianyun.cells["s3.granted.legal_other"] = bad
    with pytest.raises(FrameError, match="s3.granted.legal_other"):
        typed(stack([lianyun]))


def test_typed_refuses_a_fee_that_is_not_an_amount(lianyun):
    lianyun.cells[FEE_KEY] = "about 700"
    with pytest.raises(FrameError, match="not an amount"):
        typed(stack([lianyun]))
