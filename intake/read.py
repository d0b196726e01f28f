"""One entry point for every submitted file: :func:`read_submission` picks the reader by extension and turns
whatever goes wrong into failure records. It never raises for bad input, so one bad file cannot stop a batch.

=================  ===================  ==============================================================
extension          reader               module
=================  ===================  ==============================================================
``.xlsx``          ``xlsx-form``        :mod:`intake.xlsx` (the form from :mod:`intake.template`)
``.json``          ``json``             :mod:`intake.jsonfile` (canonical ``nianbao.return/1``)
``.csv``           ``csv``              :mod:`intake.csvfile` (``cell,value``)
``.txt``           ``published-text``   ``intake.published.parse_published_file`` (a published report)
``.html`` ``.htm`` ``published-html``   the same
``.parquet``       ``parquet``          :mod:`intake.parquet`: many returns, one per row (one outcome per row)
=================  ===================  ==============================================================

``ReadOutcome.reader`` is ``"unreadable"`` whenever no return could be read (``ret`` is None); the failure says
why. Failures here are only *reading* failures (I1 unreadable, S1 another template version or layout); the cell
rules (S2/S3/S4 …) are validation's job, which is why raw text is kept in the return's cells and a converted fee
unit stays a note in ``ret.notes`` (validation turns it into an S4W warning).

The reader only opens the path it is given and never builds a path from file content, so names with spaces,
Chinese characters or ``../`` components make no difference.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from intake.csvfile import read_csv
from intake.errors import IntakeError, UnreadableFile, WrongLayout
from intake.jsonfile import read_json
from intake.opened import read_once
from intake.xlsx import read_form
from schemas.failures import Failure, make
from schemas.returns import CanonicalReturn

MAX_FILE_BYTES = 20 * 1024 * 1024  # no return comes near this; bigger files are refused unread (but hashed)
MAX_PARQUET_BYTES = 4 * 1024**3  # a Parquet file holds many returns: 150,000 of them take ~40 MB

READERS = {
    ".xlsx": "xlsx-form",
    ".json": "json",
    ".csv": "csv",
    ".txt": "published-text",
    ".html": "published-html",
    ".htm": "published-html",
    ".parquet": "parquet",
}
UNREADABLE = "unreadable"


@dataclass
class ReadOutcome:
    path: Path  # the file as given
    original_name: str  # file name as received
    sha256: str  # of the original bytes ("" only when the file could not be opened at all)
    size: int
    reader: str  # "xlsx-form" | "json" | "csv" | "published-text" | "published-html" | "unreadable"
    ret: CanonicalReturn | None  # None when the file could not be read at all
    failures: list[Failure] = field(default_factory=list)  # reading failures (I1, S1), each naming the file
    encoding: str = ""  # text files: the encoding the bytes were decoded with ("utf-8", "utf-8-sig", "gb18030")
    # A file holding many returns (Parquet): the row (1-based) and the sha256 of the whole file; ``sha256`` is then
    # the row's own content hash (intake.parquet.row_digests) and ``size`` is 0.
    row: int | None = None
    container_sha256: str = ""
    # X1–X3 failures when the narrative was already checked where the batch was read (None: not checked yet)
    narrative_failures: list[Failure] | None = None
    # where the original's bytes were archived where the batch was read (pipeline.steps.read_checked); "" if not yet
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
        else:
            out.append(read_submission(p, keep_bytes, root))
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
        ReadOutcome(path=path, original_name=f"{path.name}#{i}", sha256=sha, size=0, reader="parquet", ret=ret,
                    row=i, container_sha256=whole.sha256)
        for i, (sha, ret) in enumerate(zip(digests, returns), start=1)
    ]


def read_submission(path: Path, keep_bytes: bool = False, root: Path | None = None) -> ReadOutcome:
    """Read one submitted file into a return, or say why it cannot be read. Never raises for bad input.
    ``keep_bytes``: also keep the bytes read in ``outcome.data`` (even when the file is refused)."""
    path = Path(path)
    name = path.name
    outcome = ReadOutcome(path=path, original_name=name, sha256="", size=0, reader=UNREADABLE, ret=None)

    def refuse(exc: IntakeError) -> ReadOutcome:
        outcome.failures.append(make(exc.rule, exc.unit_id, detail=exc.detail, file=name))
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

    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        what = f"extension {suffix!r}" if suffix else "no extension"
        return refuse(
            UnreadableFile(
                f"unknown file type ({what}); send the XLSX form (.xlsx), canonical JSON (.json), "
                "a cell,value CSV (.csv) or a published report (.txt, .html)"
            )
        )

    try:
        if reader == "xlsx-form":
            ret = read_form(data)
        elif reader == "json":
            ret = read_json(data)
        elif reader == "csv":
            ret, outcome.encoding = read_csv(data)
        elif reader == "parquet":  # many returns: read_submissions reads it row by row (read_parquet_submissions)
            outcome.reader = reader
            return outcome
        else:
            ret = _read_published(data, name)  # the bytes read, not the path again
    except IntakeError as exc:
        return refuse(exc)
    except Exception as exc:  # noqa: BLE001 — last resort: a reader bug on one odd file must not stop the batch
        return refuse(UnreadableFile(f"unexpected error while reading ({type(exc).__name__}: {exc})"))
    outcome.reader = reader
    outcome.ret = ret
    return outcome


# --- published reports (text/HTML), read by intake.published when it is installed --------------------------------


def _published_parser() -> tuple[Callable[..., CanonicalReturn], type[Exception], type[Exception]] | None:
    """(parse_published_bytes, ParseError, OldFormatError) from intake.published, or None if it is not available."""
    try:
        module = importlib.import_module("intake.published")
    except ImportError:
        return None
    parse = getattr(module, "parse_published_bytes", None)
    if parse is None:
        return None
    parse_error = getattr(module, "ParseError", None) or _Never
    old_format = getattr(module, "OldFormatError", None) or _Never
    return parse, parse_error, old_format


class _Never(Exception):
    """Stands in for an error class the published-report module does not define."""


def _read_published(data: bytes, name: str) -> CanonicalReturn:
    parser = _published_parser()
    if parser is None:
        raise UnreadableFile("published reports not supported yet (intake.published is not installed)")
    parse, parse_error, old_format = parser
    try:
        return parse(data, name)
    except old_format as exc:
        raise WrongLayout(f"published report in an older format: {exc}") from exc
    except parse_error as exc:
        raise UnreadableFile(f"the published report cannot be read unambiguously: {exc}") from exc
    except (OSError, UnicodeError) as exc:
        raise UnreadableFile(f"the published report cannot be read as text ({exc})") from exc
