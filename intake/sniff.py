"""What kind of file some bytes are, from their content: units rename files freely (a DOCX saved as "年报.txt", a
PDF as ".html", WPS's .wps/.et that are Word/Excel binaries inside), so the name cannot choose the reader.

:func:`kind_of` answers one of :data:`KINDS`. The name's suffix only breaks ties: empty content, and plain text
that could be any text format (a ``.csv`` or ``.json`` that is not well-formed still goes to the reader that can
say what is wrong with it). :func:`describe` names what unknown content seems to be, for refusals.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from intake.xlsx import looks_like

KINDS = ("docx", "xlsx", "pdf", "doc", "xls", "rtf", "parquet", "json", "csv", "html", "text", "unknown")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")

# the kind a suffix stands for, used only to break ties
SUFFIX_KINDS = {
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".pdf": "pdf",
    ".doc": "doc",
    ".wps": "doc",
    ".xls": "xls",
    ".et": "xls",
    ".rtf": "rtf",
    ".parquet": "parquet",
    ".json": "json",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}
_TEXT_KINDS = frozenset({"json", "csv", "html", "text"})
# the tags intake.published_text takes as a sign of HTML (its parser decides again; this only names the reader, and
# importing that module here would load OpenCC into every process that reads files)
_HTML_HINT = re.compile(r"<\s*(html|body|table|tr|td|th|p|div|br|h[1-6])\b", re.IGNORECASE)

_MORE_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive that is neither a Word (.docx) nor an Excel (.xlsx) file"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"RIFF", "a RIFF file (WebP image or WAV audio)"),
)

_SIGNATURES: tuple[bytes, ...] = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\xd0\xcf")
_SIGNATURES += tuple(m for m, _ in _MORE_MAGIC)  # content with one of these is never taken for text


def kind_of(data: bytes, name: str = "") -> str:
    """The kind of ``data`` (one of :data:`KINDS`), from the content; ``name``'s suffix only breaks ties."""
    suffix_kind = SUFFIX_KINDS.get(PurePath(name).suffix.lower(), "")
    if not data:
        return suffix_kind or "unknown"
    if data.startswith(b"PK\x03\x04"):
        found = _zip_kind(data)
        # a damaged or odd archive named .docx/.xlsx: that reader's ZIP guard says what is wrong with it
        return found if found != "unknown" or suffix_kind not in ("docx", "xlsx") else suffix_kind
    if _is_pdf(data):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    text = _as_text(data)
    if text is None:
        # not decodable (GBK gone wrong, UTF-16) yet no known binary signature: a text-format name gets its reader,
        # which says what is wrong with the encoding; anything else is unknown
        if suffix_kind in _TEXT_KINDS and not data.startswith(_SIGNATURES):
            return suffix_kind
        return "unknown"
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        return "json"
    if _csv_header(head):
        return "csv"
    if _HTML_HINT.search(text[:200_000]):
        return "html"
    return suffix_kind if suffix_kind in _TEXT_KINDS else "text"


def describe(data: bytes) -> str:
    """What some content seems to be, in words ("a PNG image", "a password-protected Office file", …)."""
    if data.startswith(OLE_MAGIC):
        streams = _ole_streams(data)
        if streams is None:
            return "a damaged old-Office (OLE2) file"
        if "encryptedpackage" in streams or "encryptioninfo" in streams:
            return "a password-protected Office file (remove the password and save again)"
        if "powerpoint document" in streams:
            return "a PowerPoint presentation"
        return "an old-Office (OLE2) file that is neither Word nor Excel"
    for magic, what in _MORE_MAGIC:
        if data.startswith(magic):
            return what
    return looks_like(data)


def _is_pdf(data: bytes) -> bool:
    """A PDF header at the start; or within the first 1 KB (PDF readers accept junk before it, and so do we) of a
    file that also ends like a PDF, so that a text merely quoting "%PDF-" is not taken for one."""
    at = data.find(b"%PDF-", 0, 1024)
    return at != -1 and (not data[:at].strip(b"\xef\xbb\xbf \t\r\n\x00") or b"%%EOF" in data[-4096:])


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "[Content_Types].xml" in names:  # main part under another name: the content types say which
                types = archive.read("[Content_Types].xml")[:200_000]
                if b"wordprocessingml.document.main" in types:
                    return "docx"
                if b"spreadsheetml.sheet.main" in types:
                    return "xlsx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError):
        return "unknown"
    return "unknown"


def _ole_streams(data: bytes) -> set[str] | None:
    """Lower-cased names of the top-level streams of an OLE2 compound file, None if it cannot be opened."""
    import olefile  # only old-Office files need it

    try:
        with olefile.OleFileIO(data) as ole:
            return {entry[0].lower() for entry in ole.listdir(streams=True, storages=True) if entry}
    except (OSError, ValueError, IndexError, TypeError, AttributeError, RecursionError):
        return None


def _ole_kind(data: bytes) -> str:
    streams = _ole_streams(data) or set()
    if "worddocument" in streams:  # Word 97-2003, and WPS Writer's .wps
        return "doc"
    if "workbook" in streams or "book" in streams:  # Excel 97-2003 (Workbook) / Excel 5 (Book), and WPS .et
        return "xls"
    return "unknown"


def _as_text(data: bytes) -> str | None:
    """The text of ``data`` if it decodes and has no binary control bytes (GB18030 decodes nearly anything)."""
    sample = data[:65536]
    if b"\x00" in sample:
        return None
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > len(sample) // 100:
        return None
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_header(head: str) -> bool:
    """A ``cell,value`` CSV: that header within its first lines (the metadata rows may come before it)."""
    for line in [ln for ln in head.splitlines()[:8] if ln.strip()][:5]:
        fields = [f.strip().strip('"').lower() for f in line.split(",")]
        while fields and not fields[-1]:
            fields.pop()
        if fields == ["cell", "value"]:
            return True
    return False
