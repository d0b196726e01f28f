"""Reading a filled-in department form (XLSX) with python-calamine, safely.

Order of work, so that a hostile or broken file is refused before any parser expands it:

1. :func:`check_zip_safety` — the bytes must be a ZIP archive; its central directory must declare at most
   :data:`MAX_UNCOMPRESSED_BYTES` in all, at most :data:`MAX_ZIP_ENTRIES` members and a plausible compression ratio;
   then every member is inflated by us with a hard output bound, and must end exactly at its declared size with the
   declared CRC (so a directory that lies about sizes is caught too). Only then does calamine see the bytes.
2. The template-version marker (hidden sheet ``nianbao``, else the visible cell D5) must be :data:`FORM_VERSION`;
   every label cell must read what :mod:`intake.layout` says (rows or columns moved = another layout): rule S1.
3. The 200 data cells are read at their layout positions and normalised by :func:`schemas.returns.from_raw_cells`
   (calamine gives floats: 3.0 -> 3; the fee float -> the Decimal of its shortest repr, 746.844 -> "746.844";
   text such as "1,007", "-", "12元" goes through :mod:`schemas.values`). Blank cells are None (missing), never 0.
   Non-numeric text is kept as text for validation (S2/S3) to report.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import date, datetime, time, timedelta
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from intake.errors import UnreadableFile, UnsafeArchive, WrongLayout
from intake.layout import (
    CELL_POS,
    FORM_VERSION,
    FORM_VERSION_PREFIX,
    LAYOUT,
    MAIN_SHEET,
    META_SHEET,
    NARRATIVE_POS,
    NARRATIVE_SHEET,
    UNIT_ID_POS,
    UNIT_NAME_POS,
    VERSION_POS,
    YEAR_POS,
    Pos,
    a1,
)
from schemas.returns import CanonicalReturn, from_raw_cells

MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # a filled form is ~60 KB uncompressed; 20 MB is far beyond any real one
MAX_ZIP_ENTRIES = 500
MAX_COMPRESSION_RATIO = 100  # spreadsheet XML compresses ~5-20x; only checked once a file expands past 1 MB
RATIO_CHECK_FROM_BYTES = 1024 * 1024
_CHUNK = 256 * 1024

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Excel 97-2003 (.xls) or Word file, or a password-protected workbook"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def looks_like(data: bytes) -> str:
    """A short description of what some bytes seem to be, for 'this is not a spreadsheet' messages."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "JSON text"
    if head[:1] == b"<":
        return "HTML or XML text"
    try:
        data[:4096].decode("utf-8")
        return "plain text"
    except UnicodeDecodeError:
        return "an unknown binary file"


# --- 1. the ZIP container -----------------------------------------------------------------------------------------


_NOT_ZIP = {
    "XLSX": ("an XLSX workbook", "Send the form made by `nianbao template`, saved as .xlsx."),
    "DOCX": ("a DOCX document", "Save the report from Word or WPS as .docx."),
}


def check_zip_safety(data: bytes, kind: str = "XLSX", max_bytes: int = MAX_UNCOMPRESSED_BYTES) -> None:
    """Raise :class:`UnreadableFile` / :class:`UnsafeArchive` unless ``data`` is a sound, modest ZIP archive.

    ``kind`` ("XLSX" or "DOCX") names the format in the messages; ``max_bytes`` is the uncompressed total allowed
    (a DOCX report may carry images, so :mod:`intake.docx_reader` allows more than a form needs)."""
    if not data.startswith(b"PK\x03\x04"):
        what, hint = _NOT_ZIP.get(kind, (f"a {kind} file", ""))
        raise UnreadableFile(f"not {what}: the content looks like {looks_like(data)}. {hint}".rstrip())
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableFile(f"corrupt or truncated {kind} (ZIP archive unreadable: {exc}); save it again") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_ENTRIES:
            raise UnsafeArchive(f"the {kind} archive has {len(members)} members (limit {MAX_ZIP_ENTRIES}); refused")
        declared = sum(m.file_size for m in members)
        compressed = sum(m.compress_size for m in members)
        if declared > max_bytes:
            raise UnsafeArchive(
                f"the {kind} archive would expand to {declared:,} bytes (limit {max_bytes:,}); "
                "refused as a possible zip bomb"
            )
        if declared > RATIO_CHECK_FROM_BYTES and declared > MAX_COMPRESSION_RATIO * max(compressed, 1):
            raise UnsafeArchive(
                f"the {kind} archive expands {declared // max(compressed, 1)}x ({compressed:,} -> {declared:,} bytes; "
                f"limit {MAX_COMPRESSION_RATIO}x); refused as a possible zip bomb"
            )
        for member in members:
            _verify_member(data, member, kind)


def _verify_member(data: bytes, member: zipfile.ZipInfo, kind: str) -> None:
    """Inflate one member with an output bound: it must end at its declared size with its declared CRC."""
    where = f"member {member.filename!r} of the {kind} archive"
    if member.flag_bits & 0x1:
        raise UnreadableFile(f"{where} is encrypted; remove the password and save the file again")
    start = member.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UnreadableFile(f"corrupt or truncated {kind}: {where} has no local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin : begin + member.compress_size]
    if len(raw) != member.compress_size:
        raise UnreadableFile(f"corrupt or truncated {kind}: {where} is cut short")
    if member.compress_type == zipfile.ZIP_STORED:
        out, ended = raw, True
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(raw, member.file_size + 1)  # never more than declared + 1 byte
        except zlib.error as exc:
            raise UnreadableFile(f"corrupt {kind}: {where} does not inflate ({exc})") from exc
        ended = inflater.eof and not inflater.unconsumed_tail
    else:
        raise UnreadableFile(f"{where} uses ZIP compression method {member.compress_type}, which {kind} does not use")
    if len(out) != member.file_size or not ended:
        raise UnsafeArchive(
            f"{where} does not match its declared size ({member.file_size:,} bytes); refused as corrupt or a zip bomb"
        )
    if zlib.crc32(out) != member.CRC:
        raise UnreadableFile(f"corrupt {kind}: {where} fails its CRC check")


# --- 2 and 3. the workbook ------------------------------------------------------------------------------------


class _Grid:
    """A sheet as calamine returns it (list of rows, 0-based), with safe access outside its used range."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def get(self, pos: Pos) -> Any:
        r, c = pos
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return ""


def _sheet(book: CalamineWorkbook, name: str) -> _Grid | None:
    if name not in book.sheet_names:
        return None
    return _Grid(book.get_sheet_by_name(name).to_python(skip_empty_area=False))


def _text(value: Any) -> str:
    """A header value as text: calamine returns 320703.0 for a unit id typed as a number."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _raw(value: Any) -> Any:
    """A data cell as handed to normalisation: dates and times (Excel's guess at odd input) become text."""
    if isinstance(value, (datetime, date, time, timedelta)):
        return value.isoformat() if not isinstance(value, timedelta) else str(value)
    return value


def read_form(data: bytes) -> CanonicalReturn:
    """Read a form's bytes into a return. Raises :class:`UnreadableFile` (I1) or :class:`WrongLayout` (S1)."""
    check_zip_safety(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        main = _sheet(book, MAIN_SHEET)
        meta = _sheet(book, META_SHEET)
        notes_sheet = _sheet(book, NARRATIVE_SHEET)
    except CalamineError as exc:
        raise UnreadableFile(f"the XLSX workbook cannot be read ({type(exc).__name__}: {exc}); save it again") from exc

    unit_id = _text(main.get(UNIT_ID_POS)) if main else ""
    _check_version(main, meta, unit_id)
    assert main is not None  # _check_version refuses a workbook without the main sheet
    _check_labels(main, unit_id)

    raw_cells = {key: _raw(main.get(pos)) for key, pos in CELL_POS.items()}
    narrative: dict[str, str] = {}
    if notes_sheet is not None:
        for key, pos in NARRATIVE_POS.items():
            text = _text(notes_sheet.get(pos))
            if text:
                narrative[key] = text
    year = main.get(YEAR_POS)
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    return from_raw_cells(unit_id, _text(main.get(UNIT_NAME_POS)), year, raw_cells, narrative)


def _check_version(main: _Grid | None, meta: _Grid | None, unit_id: str) -> None:
    version = _text(meta.get((0, 1))) if meta else ""
    if not version and main is not None:
        version = _text(main.get(VERSION_POS))
    if version == FORM_VERSION and main is not None:
        return
    if version.startswith(FORM_VERSION_PREFIX):
        raise WrongLayout(
            f"this is a form of template version {version!r}; this system reads {FORM_VERSION!r}. "
            "Copy the figures into a new form from `nianbao template`.",
            unit_id,
        )
    if version == FORM_VERSION:
        raise WrongLayout(f"the form's data sheet {MAIN_SHEET!r} is missing; use a fresh form", unit_id)
    raise WrongLayout(
        f"this workbook is not a nianbao form (no template-version marker {FORM_VERSION!r}, "
        f"sheet {MAIN_SHEET!r} {'found' if main else 'missing'}). Fill in the form made by `nianbao template`.",
        unit_id,
    )


def _check_labels(main: _Grid, unit_id: str) -> None:
    """Every label where the layout puts it; otherwise rows/columns were moved and positions cannot be trusted."""
    wrong = [(label, _text(main.get(label.pos))) for label in LAYOUT.labels if _text(main.get(label.pos)) != label.text]
    if wrong:
        label, found = wrong[0]
        raise WrongLayout(
            f"the form's layout was changed: cell {a1(label.pos)} should read {label.text!r} but reads {found!r}"
            f"{f' ({len(wrong)} label cells differ)' if len(wrong) > 1 else ''}. "
            "Rows or columns were inserted, deleted or moved; copy the figures into a fresh form.",
            unit_id,
        )
