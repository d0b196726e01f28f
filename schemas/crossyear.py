"""Cross-year checks (SPEC §5.4–5.5): each unit's return for year ``t`` against its accepted return for ``t-1``.

Pure: two frames in, :class:`Failure` records out. The caller (pipeline) reads last year's cells out of the
warehouse; this module never touches files or the database.

Rules:

* **Y1** (HARD-W) ``s3.carried_in.c@t = s3.carried_out.c@t-1`` for each of the 7 columns: both cells describe the
  same pending requests at the year boundary.
* **P2** (SOFT) stock roll-forward ``in_force@t = in_force@t-1 + issued@t − repealed@t`` (normative documents
  and 规章). Not an identity (documents lapse, units restructure): a gap asks for an explanation.
* **P3** (SOFT) ``repealed@t ≤ in_force@t-1 + issued@t``: one cannot repeal what did not exist.
* **P5** (SOFT) the fee against last year: ratio outside ``[0.01, 100]`` (a 元/万元 slip is a factor 10⁴); and, for
  units below the district, a whole number ≥ 100 000 万元 whatever last year said.
* **P6** (SOFT) decisions counts (许可/处罚/强制) swinging more than 10× year on year.
* **N1** (SOFT, information only) the unit has no accepted return for ``t-1`` (new this year, or none was sent):
  the rules above are not applied to it. An N1 record is *not* a failure; see :data:`INFO_RULES`.

Frames are laid out as :func:`schemas.frame.stack` makes them: ``unit_id`` (plus optional ``file``) and the 200
cell keys. Values that are not clean numbers (a missing or textual cell, already reported by S2/S3) are skipped:
a comparison needs both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from schemas.cells import CELL_BY_KEY, CELL_KEYS, FEE_KEY, S3_COL_KEYS, s3
from schemas.failures import Failure, make
from schemas.rules import RULES

INFO_RULES: frozenset[str] = frozenset({"N1"})  # records that inform, never count as failures
CROSS_YEAR_RULES: tuple[str, ...] = ("Y1", "P2", "P3", "P5", "P6", "N1")

STOCK_ITEMS: tuple[str, ...] = ("regulations", "normative_docs")  # items with issued / repealed / in_force
DECISION_KEYS: tuple[str, ...] = (
    "s2.admin_license.decisions",
    "s2.admin_penalty.decisions",
    "s2.admin_coercion.decisions",
)
FEE_RATIO_BOUNDS = (Decimal("0.01"), Decimal(100))
FEE_WHOLE_LIMIT = Decimal(100_000)  # 万元: a department's fee this large is almost surely in 元
DECISIONS_SWING = 10
BELOW_DISTRICT_KINDS = frozenset({"office", "department", "township"})

_RULE_ORDER = {r.id: i for i, r in enumerate(RULES)}

# The cells of LAST year's return that the rules read: the caller fetches only these (12, not 200 per unit)
PRIOR_KEYS: tuple[str, ...] = (
    *(s3("carried_out", c) for c in S3_COL_KEYS),
    *(f"s2.{item}.in_force" for item in STOCK_ITEMS),
    *DECISION_KEYS,
    FEE_KEY,
)


def is_info(failure: Failure) -> bool:
    """True for records that only inform (N1): they are listed, never counted as failures."""
    return failure.rule in INFO_RULES


def wide_from_long(long: pd.DataFrame) -> pd.DataFrame:
    """Long-form cells (``unit_id, cell_key, value_int, value_dec``, as the warehouse stores them) as one row per
    unit with the 200 cell keys as columns (the fee as Decimal). A unit with two rows for a key is an error."""
    if long.empty:
        return pd.DataFrame(columns=["unit_id", *CELL_KEYS], dtype=object)
    frame = pd.DataFrame({"unit_id": long["unit_id"].astype(object), "cell_key": long["cell_key"].astype(object)})
    if frame.duplicated().any():
        first = frame[frame.duplicated()].iloc[0]
        raise ValueError(f"wide_from_long: unit {first['unit_id']!r} has two values for {first['cell_key']!r}")
    is_fee = (frame["cell_key"] == FEE_KEY).to_numpy()
    # counts column-wise (nullable Int64: a missing cell stays missing); only the few fees one by one, exactly
    frame["v"] = pd.array(long["value_int"], dtype="Int64")
    wide = frame[~is_fee].pivot(index="unit_id", columns="cell_key", values="v")
    fees = [
        vd if isinstance(vd, Decimal) else (None if vd is None or vd is pd.NA else Decimal(str(vd)))
        for vd in long["value_dec"].to_numpy(dtype=object)[is_fee]
    ]
    fee = pd.Series(fees, index=frame.loc[is_fee, "unit_id"].to_numpy(), dtype=object)
    wide = wide.reindex(index=wide.index.union(fee.index), columns=[k for k in CELL_KEYS if k != FEE_KEY])
    wide[FEE_KEY] = fee.reindex(wide.index)
    wide = wide[list(CELL_KEYS)].reset_index(names="unit_id")
    wide.columns.name = None
    return wide


def _numbers(frame: pd.DataFrame, key: str) -> np.ndarray:
    """A count column as float (NaN where the cell is missing or not a whole number): safe for counts < 2**53."""
    if key not in frame.columns:
        return np.full(len(frame), np.nan)
    col = frame[key]
    if pd.api.types.is_integer_dtype(col.dtype):  # clean counts (schemas.cellblock, wide_from_long): vectorised
        return np.asarray(col.astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    ok = col.map(lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool))
    return np.where(ok.to_numpy(dtype=bool), pd.to_numeric(col.where(ok), errors="coerce"), np.nan).astype(float)


def _text(x: float) -> str:
    return str(int(x))


def _fee(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def check_cross_year(
    this_year: pd.DataFrame,
    last_year: pd.DataFrame,
    year: int,
    kinds: Mapping[str, str] | None = None,
) -> list[Failure]:
    """Every cross-year finding for the returns in ``this_year`` (one row per return) against ``last_year`` (one
    row per unit: its accepted return for ``year - 1``). ``kinds`` maps unit_id → roster kind (for P5's whole-number
    check, which applies below the district; without it, to every unit).

    Order: by row of ``this_year``, then the cell's official order, then the rule's catalogue order.
    """
    if "unit_id" not in this_year.columns or "unit_id" not in last_year.columns:
        raise ValueError("check_cross_year: both frames need a unit_id column (build them with schemas.frame.stack)")
    if last_year["unit_id"].duplicated().any():
        dup = last_year.loc[last_year["unit_id"].duplicated(), "unit_id"].iloc[0]
        raise ValueError(f"check_cross_year: last year's frame has two rows for unit {dup!r}; give one return per unit")
    now = this_year.reset_index(drop=True)
    prior = now[["unit_id"]].merge(last_year, on="unit_id", how="left", validate="many_to_one")
    has_prior = now["unit_id"].isin(set(last_year["unit_id"])).to_numpy()
    files = now["file"].tolist() if "file" in now.columns else [""] * len(now)
    unit_ids = now["unit_id"].tolist()  # plain lists, not .at per row (benchmarks/README.md, measured choices)
    found: list[tuple[tuple[int, int, int], Failure]] = []

    def add(
        rows: np.ndarray,
        rule_id: str,
        cell: str,
        expected: np.ndarray,
        actual: np.ndarray,
        detail: str = "",
        fmt: Callable[[Any], str] = _text,
    ) -> None:
        for i in np.flatnonzero(rows):
            f = make(
                rule_id,
                unit_ids[i],
                cell,
                fmt(expected[i]),
                fmt(actual[i]),
                detail=detail,
                file=files[i] or "",
                cells=(cell,),
            )
            found.append(((int(i), CELL_BY_KEY[cell].order, _RULE_ORDER[rule_id]), f))

    if has_prior.any():  # a first year (no unit has a prior return) has nothing to compare
        # Y1: carried in this year = carried out last year, per column
        for col in S3_COL_KEYS:
            cin, cout = _numbers(now, s3("carried_in", col)), _numbers(prior, s3("carried_out", col))
            bad = has_prior & ~np.isnan(cin) & ~np.isnan(cout) & (cin != cout)
            add(bad, "Y1", s3("carried_in", col), cout, cin, detail=f"{year - 1} {s3('carried_out', col)}")

        # P2 / P3: document stocks roll forward
        for item in STOCK_ITEMS:
            issued, repealed = _numbers(now, f"s2.{item}.issued"), _numbers(now, f"s2.{item}.repealed")
            in_force, stock_before = _numbers(now, f"s2.{item}.in_force"), _numbers(prior, f"s2.{item}.in_force")
            known = has_prior & ~np.isnan(issued) & ~np.isnan(repealed) & ~np.isnan(in_force) & ~np.isnan(stock_before)
            rolled = stock_before + issued - repealed
            add(known & (in_force != rolled), "P2", f"s2.{item}.in_force", rolled, in_force)
            bound = stock_before + issued
            add(known & (repealed > bound), "P3", f"s2.{item}.repealed", bound, repealed)

        # P6: decisions swinging more than 10x (a floor of 1 so that 0 -> 10 counts as a swing)
        for key in DECISION_KEYS:
            a, b = _numbers(prior, key), _numbers(now, key)
            hi, lo = np.fmax(a, b), np.fmin(a, b)
            big = (hi >= DECISIONS_SWING) & (hi >= DECISIONS_SWING * np.fmax(lo, 1))
            swing = has_prior & ~np.isnan(a) & ~np.isnan(b) & big
            add(swing, "P6", key, a, b)

    # P5: the fee against last year, and a whole number too large to be 万元
    low, high = FEE_RATIO_BOUNDS
    fees_now = now[FEE_KEY].tolist() if FEE_KEY in now.columns else [None] * len(now)
    fees_before = prior[FEE_KEY].tolist() if FEE_KEY in prior.columns else [None] * len(now)
    for i in range(len(now)):
        fee = _fee(fees_now[i])
        if fee is None:
            continue
        order = (i, CELL_BY_KEY[FEE_KEY].order, _RULE_ORDER["P5"])
        before = _fee(fees_before[i]) if has_prior[i] else None
        unit_id = unit_ids[i]
        if before is not None and before > 0 and not (low <= fee / before <= high):
            ratio = fee / before
            detail = f"×{ratio:.4g}"
            found.append(
                (order, make("P5", unit_id, FEE_KEY, before, fee, detail=detail, file=files[i] or "", cells=(FEE_KEY,)))
            )
        elif (
            fee >= FEE_WHOLE_LIMIT
            and fee == fee.to_integral_value()
            and (kinds is None or kinds.get(unit_id) in BELOW_DISTRICT_KINDS)
        ):
            found.append(
                (
                    order,
                    make(
                        "P5",
                        unit_id,
                        FEE_KEY,
                        f"< {FEE_WHOLE_LIMIT}",
                        fee,
                        detail="whole number ≥ 100000 万元, probably 元",
                        file=files[i] or "",
                        cells=(FEE_KEY,),
                    ),
                )
            )

    # N1: no prior return, so nothing above applied (information only)
    for i in np.flatnonzero(~has_prior).tolist():
        found.append(((i, 0, _RULE_ORDER["N1"]), make("N1", unit_ids[i], expected=year - 1, file=files[i] or "")))
    found.sort(key=lambda pair: pair[0])
    return [f for _, f in found]
