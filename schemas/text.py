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


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    # a byte that was not UTF-8, carried by Python as U+DC80..U+DCFF (surrogateescape): shown as that byte
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def has_surrogates(text: str) -> bool:
    """True when ``text`` holds a lone surrogate: it cannot be written as UTF-8 (DuckDB, files, the terminal)."""
    return _SURROGATE.search(text) is not None


def printable(text: str) -> str:
    """``text`` with every lone surrogate escaped, so it can be stored and shown: a file name that was not UTF-8
    (GBK bytes left by unzipping a Windows ZIP) shows its bytes as ``\\xb2\\xc6``, a JSON ``"\\ud83d"`` as
    ``\\ud83d``. Text without surrogates is returned as it is."""
    return _SURROGATE.sub(_escape_surrogate, text) if has_surrogates(text) else text
