"""Reading a return sent as CSV: two columns, ``cell,value``.

Convention (the same one the demo writes)::

    cell,value
    unit_id,320703
    unit_name,连云区人民政府
    year,2022
    s2.regulations.issued,0
    ...
    s2.admin_fees.amount_wan,746.844

- The header row ``cell,value`` is required (without it the file is another layout: rule S1). The three
  metadata rows ``unit_id``, ``unit_name``, ``year`` may come right after it (the usual place) or before it,
  each at most once; without them the return has an empty unit id (the roster check then reports it). Every
  other row is one cell key and its value, in any order. Blank lines are skipped; trailing empty fields (as
  spreadsheets save them) are ignored. A row with more than two non-empty fields is refused: a value like 1,007
  must be quoted ("1,007").
- A key given twice is refused (which value was meant is unknown). Unknown keys are kept aside
  (``CanonicalReturn.extra_keys``); an empty value is a missing cell (S2), never 0.
- Encoding: UTF-8, with or without BOM; if the bytes are not valid UTF-8 they are decoded as GB18030 (a superset
  of GBK/GB2312, what Excel on a Chinese Windows writes). :func:`read_csv` returns the encoding it used.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from intake.errors import UnreadableFile, WrongLayout
from schemas.cells import CELL_KEYS
from schemas.returns import CanonicalReturn, from_raw_cells
from schemas.values import fee_text

HEADER = ("cell", "value")
META_KEYS = ("unit_id", "unit_name", "year")
UTF8, GB18030 = "utf-8", "gb18030"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding used): UTF-8 (BOM stripped) or else GB18030. Raises UnreadableFile for binary data."""
    if b"\x00" in data[:65536]:
        raise UnreadableFile("the CSV contains NUL bytes: it is a binary file (or UTF-16), not UTF-8/GBK text")
    try:
        text = data.decode("utf-8")
        if text.startswith("\ufeff"):
            return text[1:], "utf-8-sig"
        return text, UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(GB18030), GB18030
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"the CSV is neither UTF-8 nor GBK/GB18030 text (bad byte at {exc.start})") from exc


def read_csv(data: bytes) -> tuple[CanonicalReturn, str]:
    """Parse ``cell,value`` CSV bytes; returns the return and the text encoding that was used."""
    text, encoding = decode_text(data)
    meta: dict[str, str] = {}
    raw_cells: dict[str, str] = {}
    line_of: dict[str, int] = {}
    header_seen = False
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV cannot be parsed: {exc}") from exc
    for number, row in enumerate(rows, start=1):
        fields = [f.strip() for f in row]
        while fields and fields[-1] == "":
            fields.pop()
        if not fields:
            continue
        is_header = tuple(f.lower() for f in fields) == HEADER
        is_meta = fields[0] in META_KEYS and len(fields) <= 2
        if not header_seen and not (is_header or is_meta):
            raise WrongLayout(
                f"not a cell,value CSV: line {number} reads {','.join(fields)[:80]!r} where the header row "
                "cell,value (or a unit_id/unit_name/year row) was expected"
            )
        if len(fields) > 2:
            raise UnreadableFile(
                f"CSV line {number} has {len(fields)} fields, expected 2 (cell,value); "
                'quote values that contain a comma, e.g. "1,007"'
            )
        key, value = fields[0], (fields[1] if len(fields) == 2 else "")
        if is_header:
            if header_seen:
                raise UnreadableFile(f"CSV line {number} repeats the header row cell,value")
            header_seen = True
            continue
        if key in line_of:
            raise UnreadableFile(f"CSV line {number}: {key!r} was already given on line {line_of[key]}")
        line_of[key] = number
        if key in META_KEYS:
            meta[key] = value
        else:
            raw_cells[key] = value
    if not header_seen:
        raise WrongLayout("the CSV has no header row cell,value; it is not a return in the cell,value layout")
    ret = from_raw_cells(meta.get("unit_id", ""), meta.get("unit_name", ""), meta.get("year"), raw_cells)
    return ret, encoding


def write_csv_return(ret: CanonicalReturn, path: Path) -> Path:
    """Write ``ret`` in the layout this module reads: ``cell,value``, then unit_id, unit_name, year, every cell
    (the fee as exact decimal text, a missing cell as an empty value)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["cell", "value"])
        w.writerow(["unit_id", ret.unit_id])
        w.writerow(["unit_name", ret.unit_name])
        w.writerow(["year", ret.year])
        for key in CELL_KEYS:
            v = ret.cells.get(key)
            w.writerow([key, "" if v is None else (fee_text(v) if isinstance(v, Decimal) else v)])
    return path
