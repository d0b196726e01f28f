"""The pandera schemas for stacked returns, built from the cell table in :mod:`schemas.cells`.

Two schemas, run one after the other by :mod:`schemas.validate`:

* the **shape** schema (:func:`shape_schema`) has one column per cell plus ``year``. Its checks are named after the
  rule they enforce: pandera's own ``not_nullable`` is S2 (a missing cell), ``S3`` a count that is not a
  non-negative integer, ``S4`` a fee that is not a non-negative amount, ``S4W`` a fee with more than 4 decimals,
  ``S5`` a year that is not a whole number or not the consolidation year.
* the **identities** schema (:func:`identities_schema`) has one dataframe-wide check per rule (A1, A2, A3, A4,
  L1, P1, P4). It runs on integer counts, so only on rows that passed the S2/S3 checks: a sum over a missing or
  garbled cell means nothing.

Each identity is an :class:`Identity`: the cells it reports, the value each should have (computed with numpy
for all rows at once) and how the actual value must relate to it (equal, or a bound for the SOFT rules).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal, TypeGuard

import numpy as np
import pandas as pd
import pandera.pandas as pa

from schemas.cells import (
    COUNT_KEYS,
    FEE_DECIMALS,
    FEE_DIGITS,
    FEE_KEY,
    S3_APPLICANT_COLS,
    S3_COL_KEYS,
    S3_OUTCOME_ROWS,
    S3_ROW_KEYS,
    S4_GROUP_KEYS,
    s3,
    s4,
)
from schemas.values import MAX_FEE, fee_fits

MAX_COUNT = 10**15  # a count above this is a typing slip; it also keeps every sum of counts inside int64
MAX_FEE_DECIMALS = 4  # S4: more decimals than this earns a warning (S4W)
NOT_NULLABLE = "not_nullable"  # the name pandera gives its own missing-value check (our S2)

# --- shape: what one value must look like ----------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[int]:
    """A whole number (a Python or numpy integer, not a bool; a numpy integer is used as the int it holds)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_count(value: object) -> bool:
    """S3: a non-negative integer no larger than :data:`MAX_COUNT`."""
    return _is_int(value) and 0 <= value <= MAX_COUNT


def count_problem(value: object) -> str:
    """Why ``value`` fails S3, in a few English words (for a failure's ``detail``)."""
    if _is_int(value):
        return "negative" if value < 0 else "too large"
    if isinstance(value, (float, Decimal)):
        return "not a whole number"
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return "not a number"
    if not number.is_finite():
        return "not a number"
    return "negative" if number < 0 else "not a whole number"


def is_fee(value: object) -> bool:
    """S4: a finite, non-negative amount (Decimal, or an integer) that the warehouse stores exactly
    (schemas.values.fee_fits: below 10^12 万元, at most 6 decimals): never rounded, never an aborted load."""
    if isinstance(value, Decimal):
        return value.is_finite() and value >= 0 and fee_fits(value)
    return _is_int(value) and value >= 0 and fee_fits(int(value))


def fee_problem(value: object) -> str:
    """Why ``value`` fails S4, as the words appended to the S4 message ("" when nothing more can be said)."""
    if isinstance(value, str):
        if re.search(r"\d[,，\s\u00a0\u3000_'.]+\d", value):
            return (
                "; the separator is ambiguous (a decimal comma, or thousands not in groups of three): "
                "write the amount with a decimal point, e.g. 1.5"
            )
        return ""
    if isinstance(value, Decimal) and not value.is_finite():
        return ""
    if (isinstance(value, Decimal) or _is_int(value)) and value >= 0:
        if abs(Decimal(value)) >= MAX_FEE:
            return (
                f"; too large to be stored exactly (the warehouse holds DECIMAL({FEE_DIGITS},{FEE_DECIMALS}): "
                f"less than {MAX_FEE:,.0f} 万元) — check the unit (元/万元)"
            )
        return (
            f"; {fee_decimals(value)} decimals cannot be stored exactly (at most {FEE_DECIMALS}, one fen is "
            "0.000001 万元) and a fee is never rounded"
        )
    return ""


def fee_decimals(value: object) -> int:
    """How many decimals a fee really has (trailing zeros do not count); 0 for anything but a Decimal."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _counts_ok(series: pd.Series) -> pd.Series:
    """S3 for a whole column (missing values pass here: they are S2's business).

    Vectorised for speed (this runs on 199 columns of every batch): Python ints, the normal case, are range-checked
    as one int64 array; only the rare odd values (text, fractions, numpy scalars) are looked at one by one.
    """
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.between(0, MAX_COUNT) | series.isna()
    values = series.to_numpy(dtype=object)
    ok = pd.isna(values)
    plain = np.fromiter(map(type, values), dtype=object, count=len(values)) == int
    try:
        ints = values[plain].astype(np.int64)
        ok[plain] = (ints >= 0) & (ints <= MAX_COUNT)
    except OverflowError:  # an int beyond int64 somewhere in the column: fall back to one by one
        ok[plain] = [is_count(v) for v in values[plain]]
    odd = ~plain & ~ok
    ok[odd] = [is_count(v) for v in values[odd]]
    return pd.Series(ok, index=series.index)


def _fees_ok(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is None or is_fee(v))


def _fee_precision_ok(series: pd.Series) -> pd.Series:
    # a fee with more decimals than the warehouse keeps is S4's (refused), not a warning as well
    return series.map(lambda v: fee_decimals(v) <= MAX_FEE_DECIMALS or not is_fee(v))


def _years_whole(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is None or _is_int(v))


def _years_equal(year: int) -> Callable[[pd.Series], pd.Series]:
    # a year that is not a whole number already fails the check above: report it once, not twice
    return lambda series: series.map(lambda v: not _is_int(v) or v == year)


@lru_cache(maxsize=16)
def shape_schema(year: int | None = None) -> pa.DataFrameSchema:
    """S2–S5 as pandera column checks over a stacked frame (object columns, values as the readers left them)."""
    count_column = pa.Column(None, pa.Check(_counts_ok, name="S3"), nullable=False)
    columns: dict[str, pa.Column] = {key: count_column for key in COUNT_KEYS}
    columns[FEE_KEY] = pa.Column(
        None, [pa.Check(_fees_ok, name="S4"), pa.Check(_fee_precision_ok, name="S4W")], nullable=False
    )
    year_checks = [pa.Check(_years_whole, name="S5")]
    if year is not None:
        year_checks.append(pa.Check(_years_equal(year), name="S5"))
    columns["year"] = pa.Column(None, year_checks, nullable=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False, name="nianbao return shape")


# --- identities: how cells must add up --------------------------------------------------------------------------

Relation = Literal["eq", "le", "ge"]  # actual == expected, actual <= expected (a bound), actual >= expected


def _block(frame: pd.DataFrame, keys: list[str], shape: tuple[int, ...]) -> np.ndarray:
    """Cells ``keys`` of every row as an int64 array of shape ``(rows, *shape)``."""
    block: np.ndarray = frame[keys].to_numpy(dtype=np.int64).reshape((len(frame), *shape))
    return block


def _a1_expected(frame: pd.DataFrame) -> np.ndarray:
    keys = [s3(r, c) for r in S3_ROW_KEYS for c in S3_APPLICANT_COLS]
    return np.asarray(_block(frame, keys, (len(S3_ROW_KEYS), len(S3_APPLICANT_COLS))).sum(axis=2))


def _a2_expected(frame: pd.DataFrame) -> np.ndarray:
    keys = [s3(r, c) for r in S3_OUTCOME_ROWS for c in S3_COL_KEYS]
    return np.asarray(_block(frame, keys, (len(S3_OUTCOME_ROWS), len(S3_COL_KEYS))).sum(axis=1))


def _s3_row(frame: pd.DataFrame, row: str) -> np.ndarray:
    return _block(frame, [s3(row, c) for c in S3_COL_KEYS], (len(S3_COL_KEYS),))


def _a3_expected(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(_s3_row(frame, "new_received") + _s3_row(frame, "carried_in") - _s3_row(frame, "total_processed"))


def _a4_bound(frame: pd.DataFrame) -> np.ndarray:
    return _s3_row(frame, "new_received")


L1_PARTS = ("upheld", "corrected", "other", "pending")


def _l1_expected(frame: pd.DataFrame) -> np.ndarray:
    keys = [s4(g, r) for g in S4_GROUP_KEYS for r in L1_PARTS]
    return np.asarray(_block(frame, keys, (len(S4_GROUP_KEYS), len(L1_PARTS))).sum(axis=2))


P1_CELLS = ("s2.regulations.issued", "s2.regulations.repealed", "s2.regulations.in_force")
P4_ITEMS = ("regulations", "normative_docs")  # the two items with documents issued and in force


def _p1_expected(frame: pd.DataFrame) -> np.ndarray:
    return np.zeros((len(frame), len(P1_CELLS)), dtype=np.int64)


def _p4_bound(frame: pd.DataFrame) -> np.ndarray:
    return _block(frame, [f"s2.{item}.issued" for item in P4_ITEMS], (len(P4_ITEMS),))


@dataclass(frozen=True)
class Identity:
    """One rule over many cells: for each reported cell, the value it must equal (or the bound it must respect)."""

    rule: str
    cells: tuple[str, ...]  # the cell each atomic check reports: its value is the failure's `actual`
    reads: tuple[tuple[str, ...], ...]  # per reported cell, every cell its formula reads (the failure's `cells`)
    expected: Callable[[pd.DataFrame], np.ndarray]  # (rows, len(cells)) int64
    relation: Relation = "eq"

    def actual(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(frame[list(self.cells)].to_numpy(dtype=np.int64))

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean (rows, len(cells)): does each atomic check pass?"""
        actual, expected = self.actual(frame), self.expected(frame)
        if self.relation == "le":
            return actual <= expected
        if self.relation == "ge":
            return actual >= expected
        return np.asarray(actual == expected)

    def check(self) -> pa.Check:
        """A dataframe-wide pandera check named after the rule: a row passes when every atomic check holds."""
        return pa.Check(lambda frame: pd.Series(self.holds(frame).all(axis=1), index=frame.index), name=self.rule)


def _identities() -> tuple[Identity, ...]:
    c6 = S3_APPLICANT_COLS
    return (
        Identity(
            "A1",
            tuple(s3(r, "total") for r in S3_ROW_KEYS),
            tuple(tuple(s3(r, c) for c in (*c6, "total")) for r in S3_ROW_KEYS),
            _a1_expected,
        ),
        Identity(
            "A2",
            tuple(s3("total_processed", c) for c in S3_COL_KEYS),
            tuple(tuple(s3(r, c) for r in (*S3_OUTCOME_ROWS, "total_processed")) for c in S3_COL_KEYS),
            _a2_expected,
        ),
        Identity(
            "A3",
            tuple(s3("carried_out", c) for c in S3_COL_KEYS),
            tuple(
                tuple(s3(r, c) for r in ("new_received", "carried_in", "total_processed", "carried_out"))
                for c in S3_COL_KEYS
            ),
            _a3_expected,
        ),
        Identity(
            "A4",
            tuple(s3("carried_out", c) for c in S3_COL_KEYS),
            tuple((s3("carried_out", c), s3("new_received", c)) for c in S3_COL_KEYS),
            _a4_bound,
            "le",
        ),
        Identity(
            "L1",
            tuple(s4(g, "total") for g in S4_GROUP_KEYS),
            tuple(tuple(s4(g, r) for r in (*L1_PARTS, "total")) for g in S4_GROUP_KEYS),
            _l1_expected,
        ),
        Identity("P1", P1_CELLS, tuple((cell,) for cell in P1_CELLS), _p1_expected),
        Identity(
            "P4",
            tuple(f"s2.{item}.in_force" for item in P4_ITEMS),
            tuple((f"s2.{item}.in_force", f"s2.{item}.issued") for item in P4_ITEMS),
            _p4_bound,
            "ge",
        ),
    )


IDENTITIES: tuple[Identity, ...] = _identities()
IDENTITY_BY_RULE: dict[str, Identity] = {i.rule: i for i in IDENTITIES}


def identities_for(county_level: bool = True) -> tuple[Identity, ...]:
    """The identities that apply: P1 only for county-level units (they cannot make 规章)."""
    return tuple(i for i in IDENTITIES if county_level or i.rule != "P1")


@lru_cache(maxsize=4)
def identities_schema(county_level: bool = True) -> pa.DataFrameSchema:
    """A1–A4, L1, P1, P4 as dataframe-wide checks over the integer counts (see :func:`schemas.frame.typed`)."""
    return pa.DataFrameSchema(
        checks=[i.check() for i in identities_for(county_level)], strict=False, name="nianbao return identities"
    )
