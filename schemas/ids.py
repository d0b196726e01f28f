"""Identifiers are data: district, unit and node ids become folder names (``OUT/<node>/<year>/``), so each must
match one safe pattern before any path is built from it.

``^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$``: no dot (so never ``.`` or ``..``), no separator, no NUL, not absolute, not
hidden (a leading ``_`` or ``-`` is refused too: ``-x`` reads as an option on a command line). Administrative
codes (``320703``, ``320703001``) and ids such as ``unit_7`` pass.

Pure: no I/O.
"""

from __future__ import annotations

import re

from schemas.errors import NianbaoError

SAFE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
SAFE_ID_TEXT = "^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$"
# OUT/runs/<run key>/ holds every run's audit report: a node of that name would share its folder
RESERVED_IDS = frozenset({"runs"})


class UnsafeId(NianbaoError, ValueError):
    """An id that cannot safely name a folder; the message names what it is and the pattern it must match."""


def is_safe_id(value: object) -> bool:
    return isinstance(value, str) and SAFE_ID.fullmatch(value) is not None and value.lower() not in RESERVED_IDS


def check_id(value: object, what: str = "id") -> str:
    """``value`` if it is a safe id, else :class:`UnsafeId` naming ``what`` (e.g. "district id")."""
    if is_safe_id(value):
        return value  # type: ignore[return-value]
    if isinstance(value, str) and value.lower() in RESERVED_IDS:
        raise UnsafeId(f"The {what} {value!r} is reserved (OUT/{value}/ holds the run reports); use another id.")
    raise UnsafeId(
        f"The {what} {value!r} is not a safe id: it must match {SAFE_ID_TEXT} (letters, digits, '_' and '-', "
        "starting with a letter or digit, at most 64 characters). Nothing was read or written."
    )
