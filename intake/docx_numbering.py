"""The labels Word and WPS draw in front of numbered paragraphs ("一、", "（三）", "1."), which are not in the text.

Both programs turn a typed "一、总体情况" into an automatic list as you type, so in many real reports the
enumerators of the six headings and of the table's row labels live in ``numbering.xml``, not in the paragraph; the
section logic needs them ("一总体情况"). This module renders them the way Word counts:

- a paragraph's list is its own ``w:numPr`` or its style's (following ``basedOn``); ``numId`` 0 means no list;
- counters belong to the abstract numbering, so lists sharing one continue each other, except that a ``w:num``
  with a ``w:startOverride`` restarts that level the first time it is used; counting a level resets the deeper ones;
- ``lvlText`` "%1、" has each %n replaced by level n's counter in that level's ``numFmt`` (``isLgl``: decimal).

Formats not listed in :data:`_FORMATS` render as decimal; bullets and "none" draw no enumerator (no text).
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def _val(el: etree._Element | None, default: str = "") -> str:
    return el.get(_W + "val", default) if el is not None else default


def _int(el: etree._Element | None, default: int) -> int:
    try:
        return int(_val(el, str(default)))
    except ValueError:
        return default


def _chinese(n: int, digits: str = _DIGITS, ten: str = "十", hundred: str = "百") -> str:
    """一 … 十, 十一, 二十, 一百零五 (below 10,000; beyond that, digit by digit)."""
    if n <= 0 or n >= 1000:
        return "".join(digits[int(d)] for d in str(max(n, 0)))
    h, rest = divmod(n, 100)
    t, u = divmod(rest, 10)
    out = f"{digits[h]}{hundred}" if h else ""
    if t:
        out += ("" if t == 1 and not h else digits[t]) + ten
    elif h and u:
        out += "零"
    return out + (digits[u] if u else "")


def _letters(n: int) -> str:
    """a … z, aa … zz (Word repeats the letter)."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _roman(n: int) -> str:
    out = ""
    for value, sym in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out, n = out + sym, n - value
    return out


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalFullWidth2": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedParen": lambda n: f"({n})",
    "decimalEnclosedFullstop": lambda n: f"{n}.",
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,
    "ideographDigital": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
    "japaneseDigitalTenThousand": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
    "chineseLegalSimplified": lambda n: _chinese(n, _LEGAL, "拾", "佰"),
    "ideographTraditional": lambda n: _TIANGAN[(n - 1) % 10],
    "ideographZodiac": lambda n: _DIZHI[(n - 1) % 12],
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
    "ordinal": str,
    "cardinalText": str,
}


class Numbering:
    """The enumerators of one document's numbered paragraphs, counted in document order (call :meth:`label` on
    every paragraph, in order, once)."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, etree._Element]] = {}  # abstractNumId -> ilvl -> w:lvl
        self.nums: dict[str, tuple[str, dict[int, etree._Element], dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[tuple[str, int]] = set()
        self.style_numpr: dict[str, tuple[str | None, int | None]] = {}
        self.based_on: dict[str, str] = {}
        if numbering is not None:
            for a in numbering.iterchildren(_W + "abstractNum"):
                self.abstract[a.get(_W + "abstractNumId", "")] = {
                    _int_attr(lvl, "ilvl"): lvl for lvl in a.iterchildren(_W + "lvl")
                }
            for num in numbering.iterchildren(_W + "num"):
                overrides, starts = {}, {}
                for o in num.iterchildren(_W + "lvlOverride"):
                    ilvl = _int_attr(o, "ilvl")
                    if o.find(_W + "lvl") is not None:
                        overrides[ilvl] = o.find(_W + "lvl")
                    if o.find(_W + "startOverride") is not None:
                        starts[ilvl] = _int(o.find(_W + "startOverride"), 1)
                self.nums[num.get(_W + "numId", "")] = (_val(num.find(_W + "abstractNumId")), overrides, starts)
        if styles is not None:
            for style in styles.iterchildren(_W + "style"):
                sid = style.get(_W + "styleId", "")
                ppr = style.find(_W + "pPr")
                numpr = ppr.find(_W + "numPr") if ppr is not None else None
                if numpr is not None:
                    ilvl = numpr.find(_W + "ilvl")
                    self.style_numpr[sid] = (
                        _val(numpr.find(_W + "numId")) or None,
                        _int(ilvl, 0) if ilvl is not None else None,
                    )
                if style.find(_W + "basedOn") is not None:
                    self.based_on[sid] = _val(style.find(_W + "basedOn"))

    def label(self, p: etree._Element) -> str:
        """The enumerator drawn before paragraph ``p`` ("" if none), counting it."""
        num_id, ilvl = self._numpr(p)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides, starts = self.nums[num_id]
        levels = {**self.abstract.get(abstract_id, {}), **overrides}
        lvl = levels.get(ilvl)
        if lvl is None:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if ilvl in starts and (num_id, ilvl) not in self.started:
            self.started.add((num_id, ilvl))
            counters[ilvl] = starts[ilvl]
        else:
            counters[ilvl] = counters.get(ilvl, _int(lvl.find(_W + "start"), 1) - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt = _val(lvl.find(_W + "numFmt"), "decimal")
        if fmt in ("bullet", "none"):
            return ""
        text = _val(lvl.find(_W + "lvlText"), f"%{ilvl + 1}.")
        legal = lvl.find(_W + "isLgl") is not None
        for level in range(ilvl, -1, -1):  # %1 … %9 (levels 0-8)
            marker = f"%{level + 1}"
            if marker not in text:
                continue
            other = levels.get(level)
            count = counters.get(level, _int(other.find(_W + "start"), 1) if other is not None else 1)
            other_fmt = (
                "decimal" if legal else _val(other.find(_W + "numFmt") if other is not None else None, "decimal")
            )
            text = text.replace(marker, _FORMATS.get(other_fmt, str)(count))
        return text

    def _numpr(self, p: etree._Element) -> tuple[str | None, int]:
        ppr = p.find(_W + "pPr")
        if ppr is None or not (self.nums and (self.style_numpr or ppr.find(_W + "numPr") is not None)):
            return None, 0  # the common case, decided with one or two child lookups
        numpr = ppr.find(_W + "numPr")
        num_el = numpr.find(_W + "numId") if numpr is not None else None
        ilvl_el = numpr.find(_W + "ilvl") if numpr is not None else None
        num_id = _val(num_el) if num_el is not None else None
        ilvl = _int(ilvl_el, 0) if ilvl_el is not None else None
        style = _val(ppr.find(_W + "pStyle"))
        seen: set[str] = set()
        while (num_id is None or ilvl is None) and style and style not in seen:  # the style chain fills the gaps
            seen.add(style)
            s_num, s_ilvl = self.style_numpr.get(style, (None, None))
            num_id = num_id if num_id is not None else s_num
            ilvl = ilvl if ilvl is not None else s_ilvl
            style = self.based_on.get(style, "")
        return num_id, ilvl or 0


def _int_attr(el: etree._Element, name: str) -> int:
    try:
        return int(el.get(_W + name, "0"))
    except ValueError:
        return 0
