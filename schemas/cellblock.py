"""The cells of a batch of returns held column by column, so that a batch crosses a process boundary and becomes a
frame as arrays, not as millions of Python objects.

A read batch (pipeline.read.read_checked) holds ~2,000 returns of 200 cells each. Sent back from a read worker as
dicts, 150,000 returns are 30 million Python objects to pickle, unpickle and then stack again into columns: at
country scale that cost more than reading the files. A :class:`CellBlock` holds one numpy array per cell — int64
when every value in the batch is a plain count (the usual case), otherwise an object array that keeps the values
exactly as read ("abc", None, -1, a number beyond int64) so validation can still report them — and each return's
``cells`` becomes a :class:`RowCells`, a read-only mapping onto its row. Pickle sends the block once per batch.

Nothing here changes a value: ``dict(RowCells)`` equals the dict the reader produced (absent keys read as None,
which is what every consumer does with ``cells.get``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from schemas.cells import CELL_KEYS, FEE_KEY

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _column(values: list[Any]) -> np.ndarray:
    """int64 when every value is a plain int inside int64 (not a bool, not None), else the values as objects."""
    if set(map(type, values)) == {int}:  # exactly int: not bool, numpy scalars, None or text (map/set: in C)
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            pass
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


class CellBlock:
    """One array per cell key (``CELL_KEYS`` order), all of the same length: the cells of many returns."""

    __slots__ = ("columns", "size")

    def __init__(self, columns: dict[str, np.ndarray], size: int) -> None:
        self.columns = columns
        self.size = size

    @classmethod
    def from_cells(cls, cells: Sequence[Mapping[str, Any]]) -> CellBlock:
        rows = [list(map(c.get, CELL_KEYS)) for c in cells]  # map over a C method: no Python loop per cell
        by_column = list(zip(*rows)) if rows else [() for _ in CELL_KEYS]
        columns = {key: _column(list(values)) for key, values in zip(CELL_KEYS, by_column)}
        return cls(columns, len(cells))

    def row(self, index: int) -> RowCells:
        return RowCells(self, index)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CellBlock, (self.columns, self.size))


class RowCells(Mapping[str, Any]):
    """The cells of one return inside a :class:`CellBlock` (read-only; ``dict(row)`` for a mutable copy)."""

    __slots__ = ("block", "index")

    def __init__(self, block: CellBlock, index: int) -> None:
        self.block = block
        self.index = index

    def __getitem__(self, key: str) -> Any:
        column = self.block.columns[key]  # KeyError for a key that is not a cell, as a dict would
        value = column[self.index]
        return int(value) if column.dtype == np.int64 else value

    def get(self, key: str, default: Any = None) -> Any:  # the hot path: skip Mapping's try/except
        column = self.block.columns.get(key)
        if column is None:
            return default
        value = column[self.index]
        return int(value) if column.dtype == np.int64 else value

    def __iter__(self) -> Iterator[str]:
        return iter(CELL_KEYS)

    def __len__(self) -> int:
        return len(CELL_KEYS)

    def __contains__(self, key: object) -> bool:
        return key in self.block.columns

    def __repr__(self) -> str:
        return f"RowCells(row {self.index} of a block of {self.block.size})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowCells, (self.block, self.index))


def detach(cells: Sequence[Mapping[str, Any]]) -> list[RowCells]:
    """The same cells, each as a row of one new :class:`CellBlock`."""
    block = CellBlock.from_cells(cells)
    return [block.row(i) for i in range(len(cells))]


def stacked_columns(rows: Sequence[Any]) -> dict[str, np.ndarray] | None:
    """The 200 cell columns of ``rows`` in order, gathered array-wise — or None unless every row is a
    :class:`RowCells` (then the caller stacks row by row). A column is int64 only when it is int64 in every block."""
    if not rows or not all(type(r) is RowCells for r in rows):
        return None
    blocks: dict[int, tuple[int, CellBlock]] = {}
    for r in rows:
        if id(r.block) not in blocks:
            blocks[id(r.block)] = (len(blocks), r.block)
    ordered = [b for _, b in sorted(blocks.values(), key=lambda pair: pair[0])]
    offsets = np.cumsum([0] + [b.size for b in ordered])[:-1]
    position = np.fromiter((offsets[blocks[id(r.block)][0]] + r.index for r in rows), dtype=np.int64, count=len(rows))
    # the usual case: every row of every block, in block order — the gathered columns need no reordering copy
    # (one 240 MB array fewer per column set at 150,000 returns)
    in_order = len(rows) == int(offsets[-1] + ordered[-1].size) and bool(
        (position == np.arange(len(rows), dtype=np.int64)).all()
    )
    out: dict[str, np.ndarray] = {}
    for key in CELL_KEYS:
        parts = [b.columns[key] for b in ordered]
        if key != FEE_KEY and all(p.dtype == np.int64 for p in parts):
            column = np.concatenate(parts)
        else:
            column = np.empty(sum(len(p) for p in parts), dtype=object)
            start = 0
            for p in parts:
                column[start : start + len(p)] = p if p.dtype == object else p.astype(object)
                start += len(p)
        out[key] = column if in_order else column[position]
    return out
