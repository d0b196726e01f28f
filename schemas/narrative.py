"""Narrative ↔ table checks X1–X3 (SPEC §5.6): the figures the text quotes must be the table's figures.

Pure: reads a :class:`CanonicalReturn` (its ``narrative`` sections 一/五/六 and its cells), returns failures.

How a figure is extracted. The text is cut into sentences (。；!?) and clauses (，, and the sentence's own
commas), normalised (NFKC + traditional→simplified), and each clause is matched against a few tight patterns
where the number sits right next to its keyword (新受理…申请16件, 15件…完成答复, 1件结转下年度, 制发4件 …).
Chinese numerals (十六件) are read. A quantity is only compared when extraction is unambiguous:

- one quantity, one number (quoted once or repeated identically) → compared; a mismatch is X1/X2/X3 (HARD);
- two different numbers for one quantity, or a known ambiguous phrase (共办理N件, 共处理N件: may be new +
  carried-in), or a bare 制发N件 in a sentence that also talks about 规章 → X0 (SOFT, "needs review");
- no figure quoted → nothing to check.

Speed (150 000 returns are read in one run): :func:`check_narrative` normalises and reads each sentence once for
all quantities, and caches that reading by sentence (stock phrases repeat from return to return). Before any
regular expression runs, the sentence must hold a quantity's ``needs`` — words that every pattern, none-pattern
and ambiguous pattern of that quantity contains — so most (sentence, quantity) pairs cost a few substring tests.
``needs`` is a necessary condition, so it changes no result; tests/published/test_narrative_equivalence.py
compares this module with the plain per-quantity loop it replaced.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from schemas.failures import Failure, make
from schemas.returns import CanonicalReturn

# --- text normalisation (shared with intake.published) -----------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> Any:  # opencc has no type hints
    import opencc  # a pure converter (dictionary lookup); imported lazily to keep `import schemas` cheap

    return opencc.OpenCC("t2s")


# Full-width punctuation of ordinary Chinese prose and its NFKC form (one ASCII character each). Replacing one of
# these by its NFKC form before NFKC changes nothing: NFKC first decomposes every character, and an ASCII
# character is already its own decomposition. It only spares CPython's full NFKC pass when, after the swap, the
# text is already normal, which the much cheaper quick check then says (benchmarks/README.md, measured choices).
_FULL_WIDTH = tuple((wide, unicodedata.normalize("NFKC", wide)) for wide in "，；：（）！？")


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, sooner for Chinese prose."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for wide, narrow in _FULL_WIDTH:
        text = text.replace(wide, narrow)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    """NFKC (full-width → half-width) then traditional → simplified Chinese."""
    return str(_t2s().convert(_nfkc(text)))


# --- Chinese numerals ---------------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_NUM = "[零〇一二两三四五六七八九十百千]+"


def zh_number(text: str) -> int | None:
    """'十六' → 16, '二十' → 20, '一百零五' → 105, '5' → 5; None when it is not a number below 10 000."""
    text = text.replace(",", "")
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row ("一二") is not a count
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


# --- extraction -----------------------------------------------------------------------------------------------

NUM = rf"(\d[\d,]*|{ZH_NUM})"
GAP = r"[^，,。；;\d]{0,20}?"  # a short stretch of words with no other number and no clause break
SHORT = r"[^，,。；;\d]{0,12}?"
PIECE = r"(?:件|条|个|份|宗|起)"


_NOT_REQUESTS = re.compile(r"复议|诉讼|信访|举报|投诉")  # 收到行政复议申请1件 is not a disclosure request


@dataclass(frozen=True)
class Quantity:
    """One figure the narrative may quote and the table cell(s) it must equal."""

    name: str
    rule: str
    cells: tuple[str, ...]  # summed; the first one is named as the failure's cell
    patterns: tuple[re.Pattern[str], ...]  # group 1 is the number
    none_patterns: tuple[re.Pattern[str], ...] = ()  # statements that the quantity is zero
    ambiguous: tuple[re.Pattern[str], ...] = ()  # phrases that quote a number we must not guess about
    context: str = ""  # the sentence must mention this (e.g. 规范性文件)
    context_clash: str = ""  # …and must not also mention this (e.g. 规章), else X0
    exclude: re.Pattern[str] | None = _NOT_REQUESTS  # a match containing this is about something else
    # Words some pattern must spell for this quantity to be quoted at all: every group needs one member in the
    # normalised sentence. MUST be necessary for every pattern, none-pattern and ambiguous pattern (a gate that
    # a match can miss would drop a quote); tests/published/test_narrative_equivalence.py checks it.
    needs: tuple[tuple[str, ...], ...] = ()

    def may_match(self, norm: str) -> bool:
        """False when the normalised sentence ``norm`` cannot quote this quantity: it lacks the ``context`` or a
        word that every pattern needs. True is no promise of a match."""
        if self.context and self.context not in norm:
            return False
        for group in self.needs:  # plain loops, not all(any(...)) generators: this runs on every sentence
            for word in group:
                if word in norm:
                    break
            else:
                return False
        return True


def _re(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


_RECEIVE = r"(?:新收到|新收|新受理|新接收|共收到|收到|受理|接收)"
_ANSWER = r"(?:办结|完成答复|答复完毕|已答复|作出答复|予以答复|办理完毕|按时答复|依法答复)"
_NO = r"(?:未发生|没有发生|未出现|没有出现|未被|没有被|未收到|没有收到|未涉及|无)"

QUANTITIES: tuple[Quantity, ...] = (
    Quantity(
        "requests received",
        "X1",
        ("s3.new_received.total",),
        _re(rf"{_RECEIVE}{GAP}申请(?:数量)?(?:共|合计|共计|总计)?(?:为)?{NUM}{PIECE}"),
        none_patterns=_re(r"(?:未|没有)(?:收到|受理|接到)[^，,。；;\d]{0,12}?申请"),
        # all spell 申请; each _RECEIVE word contains 收 or 受理, and the none-pattern says 收到, 受理 or 接到
        needs=(("申请",), ("收", "受理", "接到")),
    ),
    Quantity(
        "requests answered",
        "X1",
        ("s3.total_processed.total",),
        _re(
            rf"{NUM}{PIECE}{SHORT}{_ANSWER}",
            rf"{_ANSWER}(?:了)?(?:政府信息公开)?(?:申请)?(?:共|合计)?{NUM}{PIECE}",
        ),
        ambiguous=_re(
            rf"(?:共|合计|累计)?(?:办理|处理){GAP}申请{SHORT}{NUM}{PIECE}",
            rf"(?:共|合计|累计)(?:办理|处理)(?:了)?{NUM}{PIECE}",
        ),
        # each _ANSWER word contains 办结, 答复 or 办理 (办理完毕); the ambiguous ones say 办理 or 处理;
        # all four end in a PIECE
        needs=(("办结", "答复", "办理", "处理"), ("件", "条", "个", "份", "宗", "起")),
    ),
    Quantity(
        "requests carried over to next year",
        "X1",
        ("s3.carried_out.total",),
        _re(
            rf"{NUM}{PIECE}{SHORT}结转(?:至|到)?下(?:一)?年",
            rf"结转(?:至|到)?下(?:一)?年度?(?:继续办理)?(?:的)?(?:申请)?(?:共|为)?{NUM}{PIECE}",
        ),
        needs=(("结转下", "结转至下", "结转到下"),),  # both patterns: 结转(?:至|到)?下
    ),
    Quantity(
        "requests carried in from last year",
        "X1",
        ("s3.carried_in.total",),
        _re(
            rf"上(?:一)?年(?:度)?结转{GAP}{NUM}{PIECE}",
            rf"{NUM}{PIECE}{SHORT}(?:为|系)?上(?:一)?年(?:度)?结转",
        ),
        needs=(("上年", "上一年"), ("年结转", "年度结转")),  # both patterns: 上(?:一)?年(?:度)?结转
    ),
    Quantity(
        "administrative reviews",
        "X2",
        ("s4.review.total",),
        _re(rf"行政复议(?:申请|案件)?(?:共|合计)?(?:为)?{NUM}{PIECE}", rf"{NUM}{PIECE}行政复议"),
        none_patterns=_re(
            rf"{_NO}[^，,。；;\d]{{0,12}}?行政复议",
            r"行政复议[^，,。；;\d]{0,10}?(?:均为|为)(?:0|零)",
        ),
        exclude=None,
        needs=(("行政复议",),),  # every pattern and none-pattern spells it
    ),
    Quantity(
        "administrative lawsuits",
        "X2",
        ("s4.litigation_direct.total", "s4.litigation_after_review.total"),
        _re(rf"行政诉讼(?:案件)?(?:共|合计)?(?:为)?{NUM}{PIECE}", rf"{NUM}{PIECE}行政诉讼"),
        none_patterns=_re(
            rf"{_NO}[^，,。；;\d]{{0,20}}?行政诉讼",
            r"行政诉讼[^，,。；;\d]{0,10}?(?:均为|为)(?:0|零)",
        ),
        exclude=None,
        needs=(("行政诉讼",),),  # every pattern and none-pattern spells it
    ),
    Quantity(
        "normative documents issued",
        "X3",
        ("s2.normative_docs.issued",),
        _re(rf"(?:制发|印发|出台)(?:了)?(?:行政)?(?:规范性文件)?(?:共)?{NUM}件"),
        context="规范性文件",
        context_clash="规章",
        exclude=None,
        needs=(("制发", "印发", "出台"),),  # the pattern's verb
    ),
    Quantity(
        "normative documents repealed",
        "X3",
        ("s2.normative_docs.repealed",),
        _re(rf"(?:废除|废止)(?:了)?(?:行政)?(?:规范性文件)?(?:共)?{NUM}件"),
        context="规范性文件",
        context_clash="规章",
        exclude=None,
        needs=(("废除", "废止"),),  # the pattern's verb
    ),
    Quantity(
        "normative documents in force",
        "X3",
        ("s2.normative_docs.in_force",),
        _re(rf"现行有效(?:的)?(?:行政)?(?:规范性文件)?(?:共)?{NUM}件"),
        context="规范性文件",
        context_clash="规章",
        exclude=None,
        needs=(("现行有效",),),  # the pattern's words
    ),
)


def _any_first_need(quantities: tuple[Quantity, ...]) -> re.Pattern[str]:
    """A pattern found in every sentence that may quote one of ``quantities``: the words of each one's first
    ``needs`` group. One search of it (in C) spares most sentences of a real report the nine gates."""
    if not all(q.needs for q in quantities):
        return re.compile("")  # a quantity without a gate may be quoted anywhere
    return re.compile("|".join(re.escape(word) for q in quantities for word in q.needs[0]))


_ANY_QUANTITY = _any_first_need(QUANTITIES)

_SENTENCE_END = re.compile(r"(?<=[。；;!！?？\n])")


@dataclass(frozen=True)
class Quote:
    value: int
    sentence: str  # as printed (original script)


def sentences(text: str) -> list[str]:
    return list(_sentences(text))


def _split(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SENTENCE_END.split(text) if s.strip())


_sentences = lru_cache(maxsize=256)(_split)  # extract() is asked once per quantity: split each text once


_SPACES = re.compile(r"\s+")


def _normalise(sentence: str) -> str:
    return _SPACES.sub("", to_simplified(sentence))


_clean = lru_cache(maxsize=4096)(_normalise)  # extract() looks at a sentence once per quantity (OpenCC is the cost)


def _kept(match: str, q: Quantity) -> bool:
    return q.exclude is None or not q.exclude.search(match)


def _read(norm: str, q: Quantity) -> tuple[list[int], int]:
    """What one normalised sentence says about ``q``: the numbers it quotes, and how many times it must be noted
    as unclear (a number that cannot be read, a 规章 clash, an ambiguous phrase). Call only when
    ``q.may_match(norm)``: otherwise the answer is "nothing" ([], 0), known without running a pattern."""
    found: list[int] = []
    unclear = 0
    for pattern in q.patterns:
        for m in pattern.finditer(norm):
            if not _kept(m.group(0), q):
                continue
            value = zh_number(m.group(1))
            if value is None:
                unclear += 1
            else:
                found.append(value)
    if any(_kept(m.group(0), q) for p in q.none_patterns for m in p.finditer(norm)):
        found.append(0)
    if found and q.context_clash and q.context_clash in norm:
        return [], unclear + 1  # "制发4件" could be about 规章 as well as 规范性文件
    if not found and any(p.search(norm) for p in q.ambiguous):
        unclear += 1
    return found, unclear


def extract(text: str, q: Quantity) -> tuple[list[Quote], list[str]]:
    """The numbers quoted for ``q`` (with their sentences) and the sentences that quote it ambiguously."""
    quotes: list[Quote] = []
    unclear: list[str] = []
    for sentence in sentences(text):
        norm = _clean(sentence)
        if not q.may_match(norm):
            continue
        found, times_unclear = _read(norm, q)
        unclear.extend([sentence] * times_unclear)
        quotes.extend(Quote(v, sentence) for v in found)
    return quotes, unclear


class _Reading(NamedTuple):
    """What one sentence says about one of :data:`QUANTITIES` (only non-empty readings are kept)."""

    quantity: int  # index into QUANTITIES
    values: tuple[int, ...]
    times_unclear: int


@lru_cache(maxsize=4096)  # stock sentences recur across returns: normalise and read each once
def _readings(sentence: str) -> tuple[_Reading, ...]:
    norm = _normalise(sentence)
    if _ANY_QUANTITY.search(norm) is None:
        return ()
    out: list[_Reading] = []
    for i, q in enumerate(QUANTITIES):
        if not q.may_match(norm):
            continue
        found, times_unclear = _read(norm, q)
        if found or times_unclear:
            out.append(_Reading(i, tuple(found), times_unclear))
    return tuple(out)


def _table_value(ret: CanonicalReturn, cells: tuple[str, ...]) -> int | None:
    total = 0
    for cell in cells:
        v = ret.cells.get(cell)
        if not isinstance(v, int) or isinstance(v, bool):
            return None  # missing or not a count: S2/S3 report it, X has nothing to compare
        total += v
    return total


def _compare(ret: CanonicalReturn, q: Quantity, said: list[tuple[str, _Reading]]) -> list[Failure]:
    """X0 for an unclear or contradictory quote; X1–X3 when the one number quoted is not the table's.
    ``said`` holds the sentences (in text order) that quote ``q`` or must be noted as unclear about it."""
    cell, cells = q.cells[0], q.cells
    table = _table_value(ret, cells)
    if len(said) == 1 and not said[0][1].times_unclear and said[0][1].values == (table,):
        return []  # the usual case, said once and in agreement with the table (a shortcut of the code below)
    values = {v for _, reading in said for v in reading.values}
    if len(values) > 1:
        detail = " / ".join(dict.fromkeys(sentence for sentence, reading in said if reading.values))
        actual = ",".join(map(str, sorted(values)))
        return [make("X0", ret.unit_id, cell, table, actual, detail=f"{q.name}: {detail}", cells=cells)]
    failures = [
        make("X0", ret.unit_id, cell, table, "", detail=f"{q.name}: {sentence}", cells=cells)
        for sentence in dict.fromkeys(sentence for sentence, reading in said if reading.times_unclear)
    ]
    if values and table is not None and (value := values.pop()) != table:
        first = next(sentence for sentence, reading in said if reading.values)
        failures.append(make(q.rule, ret.unit_id, cell, table, value, detail=first, cells=cells))
    return failures


def check_narrative(ret: CanonicalReturn) -> list[Failure]:
    """X1–X3 failures (HARD) and X0 "needs review" notes (SOFT) for one return."""
    text = "\n".join(ret.narrative.get(k, "") or "" for k in ("overview", "problems", "other"))
    failures: list[Failure] = []
    if not text.strip():
        return failures
    # quantity index -> the sentences that say something about it, in text order; a quantity no sentence talks
    # about has nothing to compare
    said: dict[int, list[tuple[str, _Reading]]] = {}
    for sentence in _split(text):
        for reading in _readings(sentence):
            said.setdefault(reading.quantity, []).append((sentence, reading))
    for i in sorted(said):
        failures.extend(_compare(ret, QUANTITIES[i], said[i]))
    return failures
