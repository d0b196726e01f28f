"""Why a submitted file could not be read: narrow exceptions the readers raise and :mod:`intake.read` turns into
:class:`schemas.failures.Failure` records (a bad file never stops a run).

Each exception carries the rule it breaks (``I1`` unreadable, ``S1`` another template version or an unknown layout)
and a ``detail`` sentence saying what was wrong and how to fix it; the file name is added by the dispatcher.
"""

from __future__ import annotations

from schemas.errors import NianbaoError


class IntakeError(NianbaoError):
    """A submission that cannot be read. ``rule`` is the catalogue ID, ``detail`` the human explanation."""

    rule = "I1"

    def __init__(self, detail: str, unit_id: str = "", cell: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.unit_id = unit_id  # known when the file got far enough to name its unit (e.g. a form's header block)
        self.cell = cell  # the cell (or field: unit_id, narrative.overview) that made the file unreadable, if one


class UnreadableFile(IntakeError):
    """Rule I1: empty, not the type its name says, corrupt, truncated, too big, or not decodable."""

    rule = "I1"


class UnsafeArchive(UnreadableFile):
    """Rule I1: an XLSX whose ZIP directory promises more than we are willing to expand (a zip bomb)."""


class WrongLayout(IntakeError):
    """Rule S1: a form of another template version, or a workbook/JSON that is not in a layout we know."""

    rule = "S1"
