"""Saving an openpyxl workbook so that the same content gives the same bytes.

``openpyxl.Workbook.save`` stamps the clock into the file twice: docProps/core.xml gets ``created`` (when the
Workbook object was made) and ``modified`` (when it was saved), and every zip entry carries the write time (and
the worksheets, streamed through temporary files, their temporary file's time and mode). A form rewritten with the
same figures would then be a new file with a new sha256: a new version in the warehouse and a new publication.
:func:`save_workbook` pins all of it: created/modified are set to the instant given (the writers pass
:func:`schemas.instants.year_instant`), and every entry is stored with that instant as its date, one file mode
and one creator system, in the order openpyxl writes them (which is fixed).

Used by the department form (:mod:`intake.template`). The published report (:mod:`publish.xlsx`) is written by
XlsxWriter, which dates every entry 1980-01-01 and pins created/modified itself; :func:`redate_zip` gives its
entries the report's instant, as the form's carry theirs.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

__all__ = ["redate_zip", "save_workbook"]

_ENTRY_MODE = 0o600 << 16  # unix permission bits in the high word of external_attr (what openpyxl's writestr gives)
_UNIX = 3  # ZipInfo.create_system: the same byte whichever OS writes the file


class _FixedTimeZip(ZipFile):
    """A zip archive whose entries all carry one fixed date, mode and creator system."""

    fixed_date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def, override]
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, ZipInfo) else zinfo_or_arcname
        info = ZipInfo(name, date_time=self.fixed_date_time)
        info.compress_type = self.compression
        info.external_attr = _ENTRY_MODE
        info.create_system = _UNIX
        super().writestr(info, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def, override]
        """openpyxl streams each worksheet through a temporary file: store its bytes like writestr, so neither
        the temporary file's time nor its mode reaches the archive."""
        data = Path(filename).read_bytes()
        self.writestr(arcname or Path(filename).name, data, compress_type, compresslevel)


def save_workbook(wb: Workbook, path: Path, instant: datetime) -> Path:
    """Write ``wb`` to ``path`` with created = modified = ``instant`` and every zip entry dated ``instant``;
    the same workbook content gives byte-identical files. Returns the path."""
    wb.properties.created = instant
    wb.properties.modified = instant
    path = Path(path)
    with _FixedTimeZip(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        archive.fixed_date_time = instant.timetuple()[:6]
        # not Workbook.save / openpyxl.save_workbook: they overwrite properties.modified with the current time
        ExcelWriter(wb, archive).save()
    return path


def redate_zip(data: bytes, instant: datetime) -> bytes:
    """The zip archive ``data`` with every entry dated ``instant`` (one mode, one creator system, the same order
    and compression): the same entries give the same bytes."""
    out = io.BytesIO()
    with ZipFile(io.BytesIO(data)) as source, _FixedTimeZip(out, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        archive.fixed_date_time = instant.timetuple()[:6]
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
    return out.getvalue()
