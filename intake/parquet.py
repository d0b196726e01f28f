"""Many returns in one Parquet file: the exchange form for a province or the national office.

Layout (``nianbao.returns-parquet/1``), one row per return:

==============================  ====================================  ===========================================
column                          type                                  meaning
==============================  ====================================  ===========================================
``unit_id``                     string                                the unit's roster id
``unit_name``                   string                                its name
``year``                        int32 (any integer type)              report year
the 199 count cell keys         int64 (any integer type), nullable    a null is a missing cell (S2), never 0
``s2.admin_fees.amount_wan``    decimal128(18, 6), or string          the fee in 万元, exact (never a float)
``narrative.overview`` …        string, optional                      sections 一 (overview), 五 (problems), 六 (other)
==============================  ====================================  ===========================================

Columns are found by name, in any order; other columns are ignored (``extra_keys``). A file without ``unit_id`` or
``year``, or without a cell column, or with a float count column, is another layout (rule S1) and is refused whole.

Each row is a submission of its own: its ``sha256`` is the hash of the row's content (:func:`row_digest`), so
re-sending the same file adds nothing, and a file in which one unit's row changed makes a new version for that unit
only. ``original_name`` is ``<file>#<row>`` (1-based), so every failure names the file and the row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from intake.errors import UnreadableFile, WrongLayout
from schemas.cellblock import CellBlock
from schemas.cells import CELL_KEYS, COUNT_KEYS, FEE_KEY, NARRATIVE_KEYS
from schemas.returns import CanonicalReturn, parse_year
from schemas.values import fee_text, normalize_fee

LAYOUT_ID = "nianbao.returns-parquet/1"
NARRATIVE_COLUMNS = {f"narrative.{k}": k for k in NARRATIVE_KEYS}
FEE_TYPE = pa.decimal128(18, 6)
ROW_SEPARATOR = "\x1f"  # cannot occur in a cell value or a unit name read from the roster


def schema() -> pa.Schema:
    """The Arrow schema :func:`write_returns_parquet` writes."""
    fields = [pa.field("unit_id", pa.string()), pa.field("unit_name", pa.string()), pa.field("year", pa.int32())]
    fields += [pa.field(k, FEE_TYPE if k == FEE_KEY else pa.int64()) for k in CELL_KEYS]
    fields += [pa.field(name, pa.string()) for name in NARRATIVE_COLUMNS]
    return pa.schema(fields, metadata={"format": LAYOUT_ID})


def write_returns_parquet(returns: Sequence[CanonicalReturn], path: Path) -> Path:
    """Write canonical returns (clean values: counts int or None, the fee Decimal or None) as one Parquet file."""
    columns: dict[str, list] = {"unit_id": [], "unit_name": [], "year": []}
    columns.update({k: [] for k in CELL_KEYS})
    columns.update({name: [] for name in NARRATIVE_COLUMNS})
    for ret in returns:
        columns["unit_id"].append(ret.unit_id)
        columns["unit_name"].append(ret.unit_name)
        columns["year"].append(ret.year)
        for key in CELL_KEYS:
            columns[key].append(ret.cells.get(key))
        for name, key in NARRATIVE_COLUMNS.items():
            columns[name].append(ret.narrative.get(key) or None)
    table = pa.table(columns, schema=schema())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path


# --- reading -------------------------------------------------------------------------------------------------


def read_table(data: bytes | Path) -> pa.Table:
    """The Parquet bytes (or file) as an Arrow table, checked against the layout. Raises UnreadableFile / WrongLayout."""
    try:
        source = pa.BufferReader(data) if isinstance(data, (bytes, bytearray, memoryview)) else str(data)
        table = pq.read_table(source)
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"not a readable Parquet file ({exc})") from exc
    missing = [c for c in ("unit_id", "year", *CELL_KEYS) if c not in table.column_names]
    if missing:
        raise WrongLayout(
            f"the Parquet file lacks {len(missing)} column(s) of the {LAYOUT_ID} layout, e.g. {missing[0]!r}: "
            "one row per return with unit_id, unit_name, year and one column per cell key"
        )
    for key in ("year", *COUNT_KEYS):
        kind = table.schema.field(key).type
        if not (pa.types.is_integer(kind) or pa.types.is_null(kind)):
            raise WrongLayout(f"Parquet column {key!r} is {kind}; counts and the year must be integer columns")
    fee = table.schema.field(FEE_KEY).type
    if not (
        pa.types.is_decimal(fee) or pa.types.is_string(fee) or pa.types.is_large_string(fee) or pa.types.is_null(fee)
    ):
        raise WrongLayout(f"Parquet column {FEE_KEY!r} is {fee}; the fee must be decimal128 or text, never a float")
    return table


def row_digests(table: pa.Table) -> list[str]:
    """The sha256 of every row's content: unit_id, unit_name, year, the 200 cells as text (fee to 6 decimals),
    the narrative, joined by U+001F; computed column-wise with Arrow, hashed row by row."""
    parts = [_text_column(table, "unit_id"), _text_column(table, "unit_name"), _text_column(table, "year")]
    for key in CELL_KEYS:
        column = table.column(key)
        if key == FEE_KEY and pa.types.is_decimal(column.type):
            column = column.cast(FEE_TYPE)
        parts.append(pc.fill_null(pc.cast(column, pa.string()), ""))
    parts += [_text_column(table, name) for name in NARRATIVE_COLUMNS]
    joined = pc.binary_join_element_wise(*parts, ROW_SEPARATOR)
    return [hashlib.sha256(text.encode()).hexdigest() for text in joined.to_pylist()]


def _text_column(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        return pa.chunked_array([pa.array([""] * table.num_rows, pa.string())])
    return pc.fill_null(pc.cast(table.column(name), pa.string()), "")


def returns_from_table(table: pa.Table) -> list[CanonicalReturn]:
    """One CanonicalReturn per row, with the values every other reader gives (as :func:`from_raw_cells` would
    normalise them), built column-wise: the cells of all rows become one :class:`schemas.cellblock.CellBlock`
    (an integer column without nulls is taken as one int64 array), and only the fee is normalised row by row."""
    n = table.num_rows
    empty = [None] * n
    ids = table.column("unit_id").to_pylist()
    names = table.column("unit_name").to_pylist() if "unit_name" in table.column_names else empty
    years = table.column("year").to_pylist()
    columns: dict[str, np.ndarray] = {}
    for key in COUNT_KEYS:
        column = table.column(key)
        if column.null_count == 0 and pa.types.is_integer(column.type):
            columns[key] = column.to_numpy().astype(np.int64, copy=False)  # integers only (read_table checked)
        else:
            values = np.empty(n, dtype=object)
            values[:] = column.to_pylist()  # Python ints and None (a missing cell, S2)
            columns[key] = values
    fees = np.empty(n, dtype=object)
    notes: list[str] = []
    for i, fee in enumerate(table.column(FEE_KEY).to_pylist()):
        # a decimal column reads 746.844000: as text first, the same Decimal a JSON return ("746.844") gives
        fees[i], note = normalize_fee(fee_text(fee) if isinstance(fee, Decimal) else fee)
        notes.append(note)
    columns[FEE_KEY] = fees
    block = CellBlock({key: columns[key] for key in CELL_KEYS}, n)
    narrative_columns = [
        (key, table.column(name).to_pylist()) for name, key in NARRATIVE_COLUMNS.items() if name in table.column_names
    ]
    extra = tuple(
        c for c in table.column_names if c not in ("unit_id", "unit_name", "year", *CELL_KEYS, *NARRATIVE_COLUMNS)
    )
    out = []
    for i in range(n):
        narrative = {key: column[i].strip() for key, column in narrative_columns if column[i] and column[i].strip()}
        out.append(
            CanonicalReturn(
                unit_id=str(ids[i] or "").strip(),
                unit_name=str(names[i] or "").strip(),
                year=parse_year(years[i]),
                cells=block.row(i),  # type: ignore[arg-type]  # a read-only row view stands in for the dict
                narrative=narrative,
                notes={FEE_KEY: notes[i]} if notes[i] else {},
                extra_keys=extra,
            )
        )
    return out
