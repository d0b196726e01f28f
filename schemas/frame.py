"""Many returns as one pandas frame, so that validation and loading run column-wise, not return by return.

:func:`stack` lays returns out one per row (``unit_id``, ``year``, ``file``, then the 200 cells in official order)
with the raw normalised values as Python objects, so that a bad cell ("abc", -1, None) survives to be reported.
:func:`typed` turns a frame whose cells passed the shape checks into numbers: counts as integers, the fee as
``Decimal`` (never float: money is exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from schemas.cellblock import stacked_columns
from schemas.cells import CELL_KEYS, COUNT_KEYS, FEE_KEY
from schemas.errors import NianbaoError
from schemas.returns import CanonicalReturn
from schemas.values import normalize_count, normalize_fee

ID_COLUMNS: tuple[str, ...] = ("unit_id", "year", "file")
FRAME_COLUMNS: tuple[str, ...] = ID_COLUMNS + CELL_KEYS
FEE_NOTE_COLUMN = "fee_note"  # optional extra column read by validate_frame (a converted fee unit, rule S4W)


class FrameError(NianbaoError, ValueError):
    """A frame does not have the shape or values the operation needs."""


def stack(returns: Sequence[CanonicalReturn], files: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per return: columns `unit_id`, `year`, `file`, then the 200 CELL_KEYS (object dtype, raw normalised values).

    Returns read in batches (their ``cells`` rows of a :class:`schemas.cellblock.CellBlock`) are gathered array-wise,
    and a count column whose every value is a clean count is then ``int64`` instead of ``object``: same values.

    ``files[i]`` is the file return ``i`` came from ("" when ``files`` is None). A cell that is absent from
    ``ret.cells`` is None (missing, rule S2). Values that are not yet canonical (a count given as the text "12",
    a fee given as the decimal string "746.844" as in the canonical JSON) are normalised the same way the readers
    do, so that a count is an ``int`` and the fee a ``Decimal`` whenever they can be.
    """
    frame, _ = stack_with_notes(returns, files)
    return frame


def stack_with_notes(
    returns: Sequence[CanonicalReturn], files: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`stack`, plus each return's fee note (``ret.notes[FEE_KEY]`` or a unit converted while stacking)."""
    if files is not None and len(files) != len(returns):
        raise FrameError(f"stack: {len(returns)} returns but {len(files)} file names; give one file name per return")
    names = list(files) if files is not None else [""] * len(returns)
    columns = stacked_columns([ret.cells for ret in returns])
    if columns is not None:  # returns read in batches (schemas.cellblock): gather their columns array-wise
        ids = {
            "unit_id": _objects([ret.unit_id for ret in returns]),
            "year": _objects([ret.year for ret in returns]),
            "file": _objects([name or "" for name in names]),
        }
        # int64 stays int64, objects stay objects; copy=False: the frame below copies them into its blocks anyway
        # (pandas 3 would otherwise copy every column once more first)
        cells = {k: pd.Series(v, dtype=v.dtype, copy=False) for k, v in columns.items()}
        frame = pd.DataFrame(ids | cells, columns=list(FRAME_COLUMNS))
    else:
        rows = [
            [ret.unit_id, ret.year, name or "", *map(ret.cells.get, CELL_KEYS)] for ret, name in zip(returns, names)
        ]
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS), dtype=object)
    notes = pd.Series([ret.notes.get(FEE_KEY, "") for ret in returns], dtype=object, name=FEE_NOTE_COLUMN)
    _normalise_counts(frame)
    converted = _normalise_fee(frame)
    notes = notes.where(notes != "", converted)
    return frame, notes


def _objects(values: list[object]) -> pd.Series:
    """These values as an object column (pandas would otherwise infer a string or integer dtype)."""
    return pd.Series(values, dtype=object)


def _normalise_counts(frame: pd.DataFrame) -> None:
    """Re-normalise, in place, the count cells that are neither an int nor None (rare: most returns are canonical).
    An int64 column (every value a clean count, see schemas.cellblock) has nothing to normalise."""
    for key in COUNT_KEYS:
        col = frame[key]
        if col.dtype == np.int64:
            continue
        types = np.fromiter(map(type, col.to_numpy(dtype=object)), dtype=object, count=len(col))
        odd = ~((types == int) | (types == type(None)))
        if odd.any():
            frame.loc[odd, key] = col[odd].map(normalize_count)


def _normalise_fee(frame: pd.DataFrame) -> pd.Series:
    """Normalise, in place, fee cells that are not yet a Decimal; return the unit notes that produced ("" if none)."""
    col = frame[FEE_KEY]
    notes = pd.Series("", index=frame.index, dtype=object)
    odd = ~col.map(type).isin((Decimal, type(None)))
    if odd.any():
        pairs = col[odd].map(normalize_fee)
        frame.loc[odd, FEE_KEY] = pairs.map(lambda pair: pair[0])
        notes[odd] = pairs.map(lambda pair: pair[1])
    return notes


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Same rows, the 199 count columns as int64 (or nullable Int64) and the fee column as Python Decimal objects; only call after shape validation passed for those rows.

    Count columns become ``int64``; a column that still holds a missing cell becomes nullable ``Int64``. The fee
    column stays ``object`` holding ``Decimal`` (or None). Raises :class:`FrameError` naming the column when a
    count cannot be turned into an integer exactly (text, a fraction, a number beyond int64).
    """
    missing = [key for key in CELL_KEYS if key not in frame.columns]
    if missing:
        raise FrameError(
            f"typed: the frame lacks {len(missing)} cell columns, e.g. {missing[0]!r}; build it with stack()"
        )
    counts = typed_counts(frame)
    fees = frame[FEE_KEY].map(_as_decimal)
    out = pd.concat([frame.drop(columns=list(COUNT_KEYS) + [FEE_KEY]), counts, fees], axis=1)
    return out[list(frame.columns)]


def typed_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The 199 count columns of ``frame`` as int64 (nullable Int64 where a cell is missing), same index."""
    columns: dict[str, object] = {}
    for key in COUNT_KEYS:
        if frame[key].dtype == np.int64:  # already clean counts (schemas.cellblock): no conversion
            columns[key] = frame[key].to_numpy()
            continue
        try:
            values = pd.array(frame[key], dtype="Int64")
        except (TypeError, ValueError, OverflowError) as exc:
            raise FrameError(
                f"typed: column {key!r} holds a value that is not a whole number ({exc}); run the shape validation "
                "(validate_frame) first and type only the rows that passed"
            ) from exc
        columns[key] = values if values.isna().any() else values.to_numpy(dtype="int64")
    return pd.DataFrame(columns, index=frame.index)


def _as_decimal(value: object) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Decimal):
        return value
    fee, _ = normalize_fee(value)
    if not isinstance(fee, Decimal):
        raise FrameError(f"typed: the fee {FEE_KEY!r} holds {value!r}, not an amount; validate the frame first")
    return fee
