"""Which reader reads which kind of published report (kinds from :func:`intake.sniff.kind_of`), in one place for
:mod:`intake.read` and the ``nianbao parse`` command.

=========  ==================  ===================================================================================
kind       reader name         how
=========  ==================  ===================================================================================
text       ``published-text``  :func:`intake.published.parse_published_bytes` (UTF-8 / GB18030)
html       ``published-html``  the same (HTML is detected in the text)
docx       ``published-docx``  :func:`intake.docx_reader.read_docx_lines` → :func:`intake.published.parse_lines`
doc, rtf   ``published-doc``   LibreOffice → DOCX (:mod:`intake.office`), then as docx (WPS .wps files are .doc)
pdf        ``published-pdf``   ``intake.pdf_reader.read_pdf_lines`` → :func:`intake.published.parse_lines`
=========  ==================  ===================================================================================

Errors come out as :mod:`intake.errors` exceptions only: an older report format is WrongLayout (S1), a report that
cannot be read unambiguously UnreadableFile (I1) with the parser's section/row/reason.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from intake.document import Line
from intake.errors import UnreadableFile, WrongLayout
from schemas.returns import CanonicalReturn

REPORT_READERS = {
    "text": "published-text",
    "html": "published-html",
    "docx": "published-docx",
    "doc": "published-doc",
    "rtf": "published-doc",
    "pdf": "published-pdf",
}


def read_report(data: bytes, name: str, kind: str | None = None) -> CanonicalReturn:
    """The return of a published report; ``kind`` (a key of :data:`REPORT_READERS`) is sniffed from ``data`` when
    not given; ``name`` is for the messages. Raises :class:`UnreadableFile` or :class:`WrongLayout`."""
    if kind is None:
        from intake.sniff import kind_of

        kind = kind_of(data, name)
    if kind not in REPORT_READERS:
        raise UnreadableFile(f"not a published report (the content is of kind {kind!r})")
    published = _published()
    parse_error = getattr(published, "ParseError", None) or _Never
    old_format = getattr(published, "OldFormatError", None) or _Never
    try:
        if kind in ("text", "html"):
            return published.parse_published_bytes(data, name)
        return published.parse_lines(report_lines(data, kind), name)
    except old_format as exc:
        raise WrongLayout(f"published report in an older format: {exc}") from exc
    except parse_error as exc:
        raise UnreadableFile(f"the published report cannot be read unambiguously: {exc}") from exc
    except UnicodeError as exc:
        raise UnreadableFile(f"the published report cannot be read as text ({exc})") from exc


def report_lines(data: bytes, kind: str) -> list[Line]:
    """The lines of a DOCX, DOC/WPS/RTF or PDF report (intake.document)."""
    if kind == "docx":
        from intake.docx_reader import read_docx_lines

        return read_docx_lines(data)
    if kind in ("doc", "rtf"):
        from intake.docx_reader import read_docx_lines
        from intake.office import convert

        return read_docx_lines(convert(data, "." + kind, "docx"))
    if kind == "pdf":
        return _pdf_reader()(data)
    raise ValueError(f"not a published-report kind: {kind!r}")


def _published() -> ModuleType:
    try:
        return importlib.import_module("intake.published")
    except ImportError:
        raise UnreadableFile("published reports not supported yet (intake.published is not installed)") from None


def _pdf_reader() -> Callable[[bytes], list[Line]]:
    try:
        module = importlib.import_module("intake.pdf_reader")
    except ImportError as exc:
        if exc.name not in ("intake.pdf_reader", "intake"):
            raise UnreadableFile(f"PDF reading not installed (intake.pdf_reader needs {exc.name})") from None
        raise UnreadableFile(
            "PDF reading not installed (intake.pdf_reader is missing); send the report as "
            ".docx or the portal page as .html"
        ) from None
    return module.read_pdf_lines


class _Never(Exception):
    """Stands in for an error class the published-report module does not define."""
