"""What every return must be before it goes any further, whatever reader made it: its text can be written as
UTF-8. A JSON file may spell a lone surrogate (``"\\ud83d"``, half of an emoji) that Python keeps in a str but
that no UTF-8 writer accepts — the warehouse, the quarantine note, the terminal would all fail on it, and with
them the whole batch. Such a return is refused here (I1) naming the field, so the other units go on.
"""

from __future__ import annotations

from intake.errors import UnreadableFile
from schemas.returns import CanonicalReturn
from schemas.text import has_surrogates, printable


def check_text(ret: CanonicalReturn) -> None:
    """Raise :class:`UnreadableFile` (cell = the field) for the first text of ``ret`` holding a lone surrogate."""
    unit_id = "" if has_surrogates(ret.unit_id) else ret.unit_id
    fields = [("unit_id", ret.unit_id), ("unit_name", ret.unit_name), ("title", ret.title)]
    if isinstance(ret.year, str):
        fields.append(("year", ret.year))
    fields += [(f"narrative.{k}", v) for k, v in ret.narrative.items()]
    if isinstance(ret.cells, dict):  # a block of cells (schemas.cellblock) comes from Arrow: valid UTF-8 already
        fields += [(k, v) for k, v in ret.cells.items() if type(v) is str]
    fields += [(k, k) for k in ret.extra_keys]
    for where, text in fields:
        if isinstance(text, str) and has_surrogates(text):
            where = printable(where)
            raise UnreadableFile(
                f"{where} holds a lone UTF-16 surrogate (“{printable(text)[:80]}”), which is not a character: "
                "the file was written by a broken encoder; save it again as UTF-8",
                unit_id,
                cell=where,
            )
