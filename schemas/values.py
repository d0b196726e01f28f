"""Turning a cell's text into a value, the same way for every reader.

Blank is not zero (SPEC §0): empty, "-", "—", "/", "无" are *missing* (None). Text that is not a number is kept as
text so that validation (S3/S4) can name it; it is never guessed into a number.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Context, Decimal, InvalidOperation

from schemas.cells import FEE_DECIMALS, FEE_DIGITS

PLACEHOLDERS = frozenset({"", "-", "—", "——", "–", "/", "无", "無", "--", "null", "none", "nan"})
_SEPARATORS = re.compile(r"[,\s\u00a0\u3000_']")  # thousands separators and stray spaces
# A fee's separators are read only as thousands separators between whole groups of three digits ("1,500.25");
# anywhere else ("1,5", "1.500,25", "12,34") the comma may be a decimal comma: which amount was meant is unknown,
# so the text is left for S4 to refuse rather than read as 15.
_COUNT_MARKS = re.compile(r"\d[,，'_]\d")  # a comma, apostrophe or underscore between digits of a count
_GROUPED_COUNT = re.compile(r"[+-]?\d{1,3}(?:([,，'_])\d{3})(?:\1\d{3})*(?:\.0+)?")
_GROUPED_FEE = re.compile(r"[+-]?\d{1,3}(?:([,\s\u00a0\u3000_'])\d{3})(?:\1\d{3})*(?:\.\d+)?")
_FEE_UNITS = (("亿元", Decimal(10000)), ("万元", Decimal(1)), ("万", Decimal(1)), ("元", Decimal("0.0001")))

CellValue = int | Decimal | str | None


def clean_text(raw: object) -> str:
    """NFKC-normalised text of a raw cell with separators and a stray '|' removed."""
    text = unicodedata.normalize("NFKC", str(raw)).strip().strip("|").strip()
    return _SEPARATORS.sub("", text)


def is_missing(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and raw != raw:  # NaN from a spreadsheet or pandas
        return True
    return clean_text(raw).lower() in PLACEHOLDERS


def normalize_count(raw: object) -> CellValue:
    """An int for a whole number (``"1,007"`` -> 1007, ``3.0`` -> 3), None for a blank, else the text as found."""
    if is_missing(raw):
        return None
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else repr(raw)
    if isinstance(raw, Decimal):
        return int(raw) if raw == raw.to_integral_value() else str(raw)
    if _COUNT_MARKS.search(str(raw)) and not _GROUPED_COUNT.fullmatch(str(raw).strip()):
        return str(raw).strip()  # "1,5" is not 15: a comma only between groups of three digits (S3 names it)
    text = clean_text(raw)
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0+", text):
        return int(text.split(".")[0])
    return str(raw).strip()


def normalize_fee(raw: object) -> tuple[CellValue, str]:
    """The fee in 万元 as a Decimal, plus a note when a unit suffix was converted (S4 warning).

    ``"746.844"`` -> (Decimal("746.844"), ""); ``"7468440元"`` -> (Decimal("746.844"), "converted from 元").
    Anything that is not a number is returned as text for S4 to report.
    """
    if is_missing(raw):
        return None, ""
    if isinstance(raw, bool):
        return str(raw), ""
    if isinstance(raw, (int, Decimal)):
        return Decimal(raw), ""
    if isinstance(raw, float):
        # a spreadsheet float: its shortest repr is what the person typed
        return Decimal(repr(raw)), ""
    text = unicodedata.normalize("NFKC", str(raw)).strip().strip("|").strip()
    factor, note = Decimal(1), ""
    for suffix, multiplier in _FEE_UNITS:
        if text.endswith(suffix):
            text, factor = text[: -len(suffix)].strip(), multiplier
            if multiplier != 1:
                note = f"converted from {suffix} (×{multiplier})"
            break
    if _SEPARATORS.search(text):
        if not _GROUPED_FEE.fullmatch(text):
            return str(raw).strip(), ""  # an ambiguous separator: S4 names it
        text = _SEPARATORS.sub("", text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return str(raw).strip(), ""
    if not value.is_finite():
        return str(raw).strip(), ""
    return (value * factor).normalize() if factor != 1 else value, note


MAX_FEE = Decimal(10) ** (FEE_DIGITS - FEE_DECIMALS)  # 10^12 万元: the first amount DECIMAL(18,6) cannot hold


def fee_fits(value: object) -> bool:
    """True when the fee can be stored exactly in the warehouse's DECIMAL(FEE_DIGITS, FEE_DECIMALS): a finite
    Decimal (or int) below :data:`MAX_FEE` in size with at most FEE_DECIMALS decimals (trailing zeros aside)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return False
    number = Decimal(value)
    if not number.is_finite() or abs(number) >= MAX_FEE:
        return False
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -FEE_DECIMALS:  # a finite number's exponent is an int
        return True
    return number == number.quantize(Decimal(1).scaleb(-FEE_DECIMALS), context=_EXACT)  # zeros past the 6th


_EXACT = Context(prec=FEE_DIGITS + 40)  # enough digits that quantizing a small fee never rounds nor overflows


def fee_text(value: Decimal) -> str:
    """Canonical text of a fee: plain notation, no exponent, trailing zeros trimmed. Exact: never rounded (a fee
    that :func:`fee_fits` has at most 6 decimals; one that does not is shown as it was read)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
