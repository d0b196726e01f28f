"""Text that is shown to people: control and bidi characters made visible, never acting on the page."""

from __future__ import annotations

import re

# C0/C1 controls (except tab, newline, carriage return), line/paragraph separators and bidi embeddings/overrides:
# in a report they could hide text or reorder a unit name on screen.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_text(text: str) -> str:
    """``text`` with every control or bidi character replaced by its escape (``\\x07``, ``\\u202e``)."""
    return CONTROL_CHARACTERS.sub(_escape, text)
