"""One entry point for every submitted file: :func:`read_submission` finds the file's kind from its content
(:func:`intake.sniff.kind_of`; the name only breaks ties) and turns whatever goes wrong into failure records. It
never raises for bad input, so one bad file cannot stop a batch.

===============  ===================  ==============================================================
kind             reader               module
===============  ===================  ==============================================================
xlsx             ``xlsx-form``        :mod:`intake.xlsx` (the form from :mod:`intake.template`)
xls (.xls .et)   ``xls-form``         LibreOffice → XLSX (:mod:`intake.office`), then the same form reader
json             ``json``             :mod:`intake.jsonfile` (canonical ``nianbao.return/1``)
csv              ``csv``              :mod:`intake.csvfile` (``cell,value``)
text, html,      ``published-*``      :mod:`intake.report_readers` (a published report: text, HTML, DOCX,
docx, doc, pdf                        DOC/WPS/RTF through LibreOffice, PDF)
parquet          ``parquet``          :mod:`intake.parquet`: many returns, one per row (one outcome per row)
===============  ===================  ==============================================================

A file whose content is none of these (an image, an archive, …) is refused naming what it seems to be; a file whose
content is not what its name says is read by its content, and if that fails too the message says both.

``ReadOutcome.reader`` is ``"unreadable"`` whenever no return could be read (``ret`` is None); the failure says
why. Failures here are only *reading* failures (I1 unreadable, S1 another template version or layout); the cell
rules (S2/S3/S4 …) are validation's job, which is why raw text is kept in the return's cells and a converted fee
unit stays a note in ``ret.notes`` (validation turns it into an S4W warning).

The reader only opens the path it is given and never builds a path from file content, so names with spaces,
Chinese characters or ``../`` components make no difference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from intake.csvfile import read_csv
from intake.errors import IntakeError, UnreadableFile
from intake.jsonfile import read_json
from intake.opened import read_once
from intake.report_readers import REPORT_READERS, read_report
from intake.sniff import SUFFIX_KINDS, describe, kind_of
from intake.sound import check_text
from intake.xlsx import read_form
from schemas.failures import Failure, make
from schemas.returns import CanonicalReturn
from schemas.text import printable

MAX_FILE_BYTES = 20 * 1024 * 1024  # no return comes near this; bigger files are refused unread (but hashed)
MAX_PARQUET_BYTES = 4 * 1024**3  # a Parquet file holds many returns: 150,000 of them take ~40 MB

READERS = {
    "xlsx": "xlsx-form",
    "xls": "xls-form",
    "json": "json",
    "csv": "csv",
    "parquet": "parquet",
    **REPORT_READERS,
}  # kind (intake.sniff) -> reader name
# what a name promises and what content is, in words, for "not what its name says" messages
CLAIMS = {
    "xlsx": "an XLSX workbook",
    "xls": "an XLS workbook",
    "docx": "a DOCX document",
    "doc": "a Word/WPS document",
    "pdf": "a PDF document",
    "rtf": "an RTF document",
    "json": "JSON",
    "csv": "a cell,value CSV",
    "html": "an HTML page",
    "text": "a text file",
    "parquet": "a Parquet file",
}
CONTENTS = {
    "xlsx": "an XLSX workbook",
    "xls": "an old Excel/WPS spreadsheet (.xls/.et)",
    "docx": "a Word document (DOCX)",
    "doc": "an old Word/WPS document (.doc/.wps)",
    "pdf": "a PDF document",
    "rtf": "an RTF document",
    "json": "JSON text",
    "csv": "a cell,value CSV",
    "html": "an HTML page",
    "text": "plain text",
    "parquet": "a Parquet file",
}
UNREADABLE = "unreadable"


@dataclass
class ReadOutcome:
    path: Path  # the file as given
    original_name: str  # file name as received
    sha256: str  # of the original bytes ("" only when the file could not be opened at all)
    size: int
    reader: str  # a value of READERS ("xlsx-form", "json", "published-docx", …) or "unreadable"
    ret: CanonicalReturn | None  # None when the file could not be read at all
    failures: list[Failure] = field(default_factory=list)  # reading failures (I1, S1), each naming the file
    encoding: str = ""  # text files: the encoding the bytes were decoded with ("utf-8", "utf-8-sig", "gb18030")
    # A file holding many returns (Parquet): the row (1-based) and the sha256 of the whole file; ``sha256`` is then
    # the row's own content hash (intake.parquet.row_digests) and ``size`` is 0.
    row: int | None = None
    container_sha256: str = ""
    # X1–X3 failures when the narrative was already checked where the batch was read (None: not checked yet)
    narrative_failures: list[Failure] | None = None
    # where the original's bytes were archived where the batch was read (pipeline.read.read_checked); "" if not yet
    kept: str = ""
    # the bytes read (and hashed), only when asked for (read_submissions(..., keep_bytes=True)): archived from
    # memory, so what is kept is exactly what was hashed and read, without opening the file a second time
    data: bytes | None = field(default=None, repr=False)


def read_submissions(paths: Iterable[Path], keep_bytes: bool = False, root: Path | None = None) -> list[ReadOutcome]:
    """Read every file, in the order given; a Parquet file gives one outcome per row. ``keep_bytes``: each
    outcome of a one-return file also holds the bytes read (``outcome.data``). ``root``: the submissions folder
    the paths were collected from; each is then opened walking down from it (intake.opened.read_once)."""
    out: list[ReadOutcome] = []
    for p in paths:
        p = Path(p)
        if p.suffix.lower() == ".parquet":
            out.extend(read_parquet_submissions(p, root))
            continue
        outcome = read_submission(p, keep_bytes, root)
        # a Parquet file under another name: found by its content, then read row by row
        out.extend(read_parquet_submissions(p, root) if outcome.reader == "parquet" else [outcome])
    return out


def read_parquet_submissions(path: Path, root: Path | None = None) -> list[ReadOutcome]:
    """Every row of a Parquet file of returns (:mod:`intake.parquet`) as its own outcome; a file that cannot be
    read, or is another layout, is one unreadable outcome. Never raises for bad input."""
    from intake.parquet import read_table, returns_from_table, row_digests

    path = Path(path)
    whole = read_submission(path, keep_bytes=True, root=root)  # size limit, hashing, refusals; not parsed there
    data, whole.data = whole.data, None
    if whole.failures or data is None:
        return [whole]
    try:
        table = read_table(data)  # the bytes hashed, not the path again
        digests = row_digests(table)
        returns = returns_from_table(table)
    except IntakeError as exc:
        whole.failures.append(make(exc.rule, exc.unit_id, detail=exc.detail, file=whole.original_name))
        return [whole]
    return [
        ReadOutcome(
            path=path,
            original_name=f"{printable(path.name)}#{i}",
            sha256=sha,
            size=0,
            reader="parquet",
            ret=ret,
            row=i,
            container_sha256=whole.sha256,
        )
        for i, (sha, ret) in enumerate(zip(digests, returns), start=1)
    ]


def read_submission(path: Path, keep_bytes: bool = False, root: Path | None = None) -> ReadOutcome:
    """Read one submitted file into a return, or say why it cannot be read. Never raises for bad input.
    ``keep_bytes``: also keep the bytes read in ``outcome.data`` (even when the file is refused)."""
    path = Path(path)
    name = printable(path.name)  # a name that is not UTF-8 (GBK bytes from a Windows ZIP) is shown escaped
    outcome = ReadOutcome(path=path, original_name=name, sha256="", size=0, reader=UNREADABLE, ret=None)

    def refuse(exc: IntakeError) -> ReadOutcome:
        outcome.failures.append(make(exc.rule, exc.unit_id, cell=exc.cell, detail=exc.detail, file=name))
        return outcome

    limit = MAX_PARQUET_BYTES if path.suffix.lower() == ".parquet" else MAX_FILE_BYTES
    try:  # one descriptor, never a symlink: these bytes are the ones hashed, judged and kept (intake/opened.py)
        opened = read_once(path, limit, root)
    except UnreadableFile as exc:
        return refuse(exc)
    outcome.sha256, outcome.size = opened.sha256, opened.size
    if opened.data is None:
        too_big = f"the file is {opened.size:,} bytes (limit {limit:,}); no return is this big"
        return refuse(UnreadableFile(too_big))
    data = opened.data
    if keep_bytes:
        outcome.data = data
    if not data:
        return refuse(UnreadableFile("the file is empty (0 bytes)"))

    kind = kind_of(data, name)
    claimed = SUFFIX_KINDS.get(path.suffix.lower(), "")
    reader = READERS.get(kind)
    if reader is None:
        said = f"not {CLAIMS[claimed]} (as its name says): " if claimed else ""
        return refuse(
            UnreadableFile(
                f"{said}unknown file type: the content looks like {describe(data)}. Send the XLSX form (.xlsx/.xls), "
                "canonical JSON, a cell,value CSV or the published report (.docx, .doc, .wps, .pdf, .html, .txt)"
            )
        )

    try:
        if kind == "xlsx":
            ret = read_form(data)
        elif kind == "xls":
            from intake.office import convert

            ret = read_form(convert(data, ".xls", "xlsx"))
        elif kind == "json":
            ret = read_json(data)
        elif kind == "csv":
            ret, outcome.encoding = read_csv(data)
        elif kind == "parquet":  # many returns: read_submissions reads it row by row (read_parquet_submissions)
            outcome.reader = reader
            return outcome
        else:
            ret = read_report(data, name, kind)  # the bytes read, not the path again
        # a lone surrogate can only come from a JSON escape (\ud83d): strict UTF-8/GB18030 decoding and XML never
        # make one, so the 150,000 plain JSON returns of a big run are spared the scan
        if reader != "json" or b"\\ud" in data or b"\\uD" in data:
            check_text(ret)
    except IntakeError as exc:
        if claimed and claimed != kind and (claimed, kind) not in _SAME:
            exc.detail = f"not {CLAIMS[claimed]} (as its name says): the content is {CONTENTS[kind]}, and {exc.detail}"
        return refuse(exc)
    except Exception as exc:  # noqa: BLE001 — last resort: a reader bug on one odd file must not stop the batch
        return refuse(UnreadableFile(printable(f"unexpected error while reading ({type(exc).__name__}: {exc})")))
    outcome.reader = reader
    outcome.ret = ret
    return outcome


# a name and a content that are the same thing for the reader (an .htm page sniffed as text, a .txt holding tags)
_SAME = frozenset({("text", "html"), ("html", "text")})
