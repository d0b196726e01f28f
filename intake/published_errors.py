"""Errors raised while reading a published report (re-exported by :mod:`intake.published`).

A published report is read exactly or not at all: every place where a cell cannot be put in its slot without a
guess raises :class:`ParseError`, naming the section (二/三/四, or 标题/文件 for the page itself), the row and what
was found there. Both are :class:`intake.errors.IntakeError` (rule I1; an older format S1), like every reader's
refusal; :func:`intake.report_readers.read_report` still words them for the run.
"""

from __future__ import annotations

from intake.errors import IntakeError


class ParseError(IntakeError):
    """A published report whose cells cannot all be placed unambiguously.

    Attributes: ``section`` (e.g. "三"), ``row`` (row label or cell key), ``found`` (what was there),
    ``message`` (the full sentence, also ``str(err)``), ``source`` (file or page name, may be empty).
    """

    def __init__(self, section: str, row: str, found: str, hint: str = "", source: str = "") -> None:
        self.section = section
        self.row = row
        self.found = found
        self.source = source
        where = f"{source}: " if source else ""
        self.message = f"{where}section {section}, row '{row}': found {found}" + (f". {hint}" if hint else "")
        super().__init__(self.message)  # IntakeError: detail = the message

    def with_source(self, source: str) -> ParseError:
        """The same error, naming the file it came from (keeps the subclass and its attributes)."""
        if not source or self.source:
            return self
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        clone.source = source
        clone.message = clone.detail = f"{source}: {self.message}"
        clone.args = (clone.message,)
        return clone


class OldFormatError(ParseError):
    """A report in a format older than the 2021 one (SPEC §9): rejected, never converted.

    ``era`` is "2019-trial" or "2008-era", ``label`` the first signature label found, ``year`` the title year
    (None when the title could not be read).
    """

    rule = "S1"

    def __init__(self, era: str, label: str, year: int | None, section: str = "", source: str = "") -> None:
        self.era = era
        self.label = label
        self.year = year
        hint = (
            f"this is a {era} report (for year {year if year is not None else '?'}); only the 2021 format "
            "(国办公开办函〔2021〕30号) is accepted — ask the unit for a report in the 2021 format"
        )
        super().__init__(section or "格式", label, f"the {era} label '{label}'", hint, source)
