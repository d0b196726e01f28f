"""Errors raised while rendering or publishing a district report.

Every message says what went wrong, where (district, year, cell or path) and how to fix it.
"""

from __future__ import annotations

from schemas.errors import NianbaoError


class PublishError(NianbaoError):
    """Publication failed; nothing was published (the previous publication, if any, is untouched)."""


class ReportDataError(PublishError, ValueError):
    """The :class:`~publish.model.DistrictReport` handed to a renderer is incomplete or has values of the wrong type."""


class PublicationExists(PublishError, FileExistsError):
    """The target folder exists and may not be replaced (``replace=False``, or it holds files we did not publish)."""
