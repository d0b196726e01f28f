"""schemas.narrative is only faster than the plain loop it replaced: same failures, same quotes, same text.

:func:`reference_check_narrative` below is a frozen copy of the implementation before the speed-ups (commit
c2e60db): every sentence is normalised with plain NFKC + OpenCC and read against every pattern of every quantity,
once per quantity. It reads the patterns from the live ``QUANTITIES`` but never their ``needs`` gates, so:

* a pattern that changes is a change of behaviour (tests/published/test_narrative.py says what it must find),
* while this file fails as soon as a gate is not a necessary condition of its quantity's patterns, or the
  per-sentence cache, the regrouping of readings by quantity or the NFKC shortcut changes a result.

Inputs: 2,000 synthetic returns as the benchmark builds them, with tables and texts perturbed; every narrative the
published-report fixtures and the other tests use; generated adversarial sentences (Chinese numerals,
traditional script, full-width digits, 规章 clashes, 共办理N件, none-phrases) and random keyword soups.

Not a timed test; for before/after timings run ``.venv/bin/python -m tests.published.test_narrative_equivalence``.
"""

from __future__ import annotations

import ast
import json
import random
import re
import time
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import opencc
import pytest

from intake.published import parse_published, parse_published_file
from sampledata.lianyun import lianyun_return, sample_report_text
from sampledata.roster import hierarchy
from sampledata.synthetic import returns_for
from schemas import narrative
from schemas.failures import Failure, make
from schemas.narrative import QUANTITIES, Quantity, check_narrative, extract, to_simplified, zh_number
from schemas.returns import CanonicalReturn

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
FIXTURES = HERE / "fixtures"
_S2T = opencc.OpenCC("s2t")

# --- the frozen reference (do not optimise: it is the definition the fast code must meet) -------------------


def reference_to_simplified(text: str) -> str:
    return narrative._t2s().convert(unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class RefQuote:
    value: int
    sentence: str


_REF_SENTENCE_END = re.compile(r"(?<=[。；;!！?？\n])")


def reference_sentences(text: str) -> list[str]:
    return [s.strip() for s in _REF_SENTENCE_END.split(text) if s.strip()]


@lru_cache(maxsize=4096)  # as the old module did (a cache changes no result)
def _ref_clean(sentence: str) -> str:
    return re.sub(r"\s+", "", reference_to_simplified(sentence))


def _ref_kept(match: str, q: Quantity) -> bool:
    return q.exclude is None or not q.exclude.search(match)


def reference_extract(text: str, q: Quantity) -> tuple[list[RefQuote], list[str]]:
    quotes: list[RefQuote] = []
    unclear: list[str] = []
    for sentence in reference_sentences(text):
        norm = _ref_clean(sentence)
        if q.context and q.context not in norm:
            continue
        found: list[int] = []
        for pattern in q.patterns:
            for m in pattern.finditer(norm):
                if not _ref_kept(m.group(0), q):
                    continue
                value = zh_number(m.group(1))
                if value is None:
                    unclear.append(sentence)
                else:
                    found.append(value)
        if any(_ref_kept(m.group(0), q) for p in q.none_patterns for m in p.finditer(norm)):
            found.append(0)
        if found and q.context_clash and q.context_clash in norm:
            unclear.append(sentence)
            continue
        if not found and any(p.search(norm) for p in q.ambiguous):
            unclear.append(sentence)
        quotes.extend(RefQuote(v, sentence) for v in found)
    return quotes, unclear


def _ref_table_value(ret: CanonicalReturn, cells: tuple[str, ...]) -> int | None:
    total = 0
    for cell in cells:
        v = ret.cells.get(cell)
        if not isinstance(v, int) or isinstance(v, bool):
            return None
        total += v
    return total


def reference_check_narrative(ret: CanonicalReturn) -> list[Failure]:
    text = "\n".join(ret.narrative.get(k, "") or "" for k in ("overview", "problems", "other"))
    failures: list[Failure] = []
    if not text.strip():
        return failures
    for q in QUANTITIES:
        quotes, unclear = reference_extract(text, q)
        cell, cells = q.cells[0], q.cells
        table = _ref_table_value(ret, cells)
        distinct = sorted({x.value for x in quotes})
        if len(distinct) > 1:
            detail = " / ".join(dict.fromkeys(x.sentence for x in quotes))
            failures.append(
                make(
                    "X0",
                    ret.unit_id,
                    cell,
                    table,
                    ",".join(map(str, distinct)),
                    detail=f"{q.name}: {detail}",
                    cells=cells,
                )
            )
            continue
        for sentence in dict.fromkeys(unclear):
            failures.append(make("X0", ret.unit_id, cell, table, "", detail=f"{q.name}: {sentence}", cells=cells))
        if distinct and table is not None and distinct[0] != table:
            failures.append(make(q.rule, ret.unit_id, cell, table, distinct[0], detail=quotes[0].sentence, cells=cells))
    return failures


# --- inputs ---------------------------------------------------------------------------------------------------

QUOTED_CELLS = tuple(dict.fromkeys(cell for q in QUANTITIES for cell in q.cells))
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def zh_numeral(n: int) -> str:
    """16 → 十六, 105 → 一百零五, 3210 → 三千二百一十 (below 10 000)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    out, zero = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10)):
        d, n = divmod(n, size)
        if d:
            out += ("零" if zero else "") + digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out + (("零" if zero else "") + digits[n] if n else "")


def _render_numbers(text: str, how: str) -> str:
    if how == "zh":
        return re.sub(r"\d+", lambda m: zh_numeral(int(m.group())) if int(m.group()) < 10000 else m.group(), text)
    if how == "wide":
        return text.translate(_FULL_WIDTH_DIGITS)
    return text


def with_narrative(ret: CanonicalReturn, overview: str, problems: str = "", other: str = "") -> CanonicalReturn:
    return replace(ret, narrative={"overview": overview, "problems": problems, "other": other})


def perturbed(ret: CanonicalReturn, rng: random.Random) -> CanonicalReturn:
    """The same return with one of: a table cell off by one / missing / a bool, the text in traditional script,
    numbers as Chinese numerals or full-width digits, spaces, a sentence repeated with another number."""
    cells = dict(ret.cells)
    texts = dict(ret.narrative)
    kind = rng.randrange(8)
    if kind == 0:
        cell = rng.choice(QUOTED_CELLS)
        cells[cell] = cells[cell] + rng.choice((1, -1, 5))  # type: ignore[operator]
    elif kind == 1:
        cells[rng.choice(QUOTED_CELLS)] = rng.choice((None, True, "7"))  # type: ignore[assignment]
    elif kind == 2:
        texts = {k: _S2T.convert(v) for k, v in texts.items()}
    elif kind == 3:
        texts = {k: _render_numbers(v, rng.choice(("zh", "wide"))) for k, v in texts.items()}
    elif kind == 4:
        texts["overview"] = " ".join(texts["overview"])  # a space between every character
    elif kind == 5:
        extra = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), rng.choice(reference_sentences(texts["overview"])))
        texts["other"] = texts.get("other", "") + extra
    elif kind == 6:
        texts["overview"] = texts["overview"].replace("办结", "共办理").replace("制发", "制发规章0件，规范性文件制发")
    else:
        texts["overview"] = texts["overview"].replace("，", "；").replace("。", "\n")
    return replace(ret, cells=cells, narrative=texts)


@lru_cache(maxsize=1)
def synthetic_returns() -> tuple[CanonicalReturn, ...]:
    """2,000 returns the way benchmarks/generate.py builds them, and a perturbed copy of each."""
    returns = returns_for(hierarchy(2000, seed=5), 2024, 17)
    rng = random.Random(2024)
    return tuple(returns) + tuple(perturbed(r, rng) for r in returns)


def _string_literals_with_chinese(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[\u4e00-\u9fff]", node.value)
    ]


@lru_cache(maxsize=1)
def published_reports() -> tuple[CanonicalReturn, ...]:
    """The published-report fixtures that parse, then the 连云区 sample."""
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    published = [parse_published_file(FIXTURES / n) for n, e in sorted(manifest.items()) if e["expect"] == "exact"]
    return (*published, parse_published(sample_report_text()))


@lru_cache(maxsize=1)
def fixture_narratives() -> tuple[CanonicalReturn, ...]:
    """The published reports, and every Chinese string literal of the tests (test_narrative.py's sentences among
    them) as the narrative of the 连云区 return."""
    published = list(published_reports())
    base = lianyun_return()
    literals = sorted({s for path in sorted(TESTS.rglob("*.py")) for s in _string_literals_with_chinese(path)})
    quoted = [with_narrative(base, text) for text in literals]
    # the sample's text over other tables (so X1–X3 fire), and the sample text broken up differently
    sample = published[-1]
    others = [replace(sample, cells={k: v + 1 if isinstance(v, int) else v for k, v in sample.cells.items()})]
    others.append(with_narrative(base, "\n".join(sample.narrative.values()).replace("，", "。")))
    return tuple(published + quoted + others)


# Clauses that exercise every pattern, none-pattern and ambiguous pattern, with {n} for a number.
CLAUSES = (
    "新受理政府信息公开申请{n}件",
    "本年度共收到政府信息公开申请{n}件",
    "收到申请数量共计{n}件",
    "接收申请合计{n}份",
    "受理信访申请{n}件",
    "收到行政复议申请{n}件",
    "未收到政府信息公开申请",
    "没有接到任何申请",
    "依申请公开",
    "其中{n}件已在时限范围内完成答复",
    "办结{n}件",
    "已答复申请共{n}件",
    "{n}件依法答复",
    "办理完毕{n}条",
    "共办理政府信息公开申请{n}件",
    "共处理{n}件",
    "累计办理了{n}件",
    "处理信息公开申请中{n}件",
    "{n}件结转下年度继续办理",
    "结转至下一年度的申请共{n}件",
    "结转到下年{n}件",
    "{n}个结转下年",
    "上年结转申请{n}件",
    "上一年度结转{n}件",
    "{n}件为上年度结转",
    "{n}件系上一年结转",
    "被申请行政复议{n}件",
    "行政复议案件共{n}件",
    "{n}件行政复议",
    "未发生行政复议",
    "没有被申请行政复议",
    "行政复议均为0",
    "行政复议数量为零",
    "无行政复议和行政诉讼案件",
    "未涉及行政诉讼",
    "被提起行政诉讼{n}件",
    "行政诉讼案件合计{n}件",
    "{n}起行政诉讼",
    "行政诉讼为0",
    "全区行政规范性文件制发{n}件",
    "印发规范性文件{n}件",
    "出台了行政规范性文件共{n}件",
    "废止规范性文件{n}件",
    "废除了{n}件",
    "现行有效的规范性文件{n}件",
    "现行有效{n}件",
    "制发规章{n}件",
    "规章废止{n}件",
    "印发文件{n}件",
    "本年度未收取信息处理费",
    "下一步将加强培训",
    "上年度工作总结",
)
NUMBERS = (
    "0",
    "1",
    "7",
    "16",
    "24",
    "105",
    "1,007",
    "十六",
    "二十",
    "一百零五",
    "两",
    "零",
    "一二",
    "三千二百一十",
    "１６",
    "〇",
)
BREAKS = ("，", ",", "；", ";", "。", "\n", "！", "？", "、", "", " ")


def adversarial_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 5)):
            parts.append(rng.choice(CLAUSES).replace("{n}", rng.choice(NUMBERS)) + rng.choice(BREAKS))
        text = "".join(parts)
        if rng.random() < 0.3:
            text = _S2T.convert(text)
        if rng.random() < 0.2:
            text = text.replace("，", "，\u3000").replace("件", "件 ")
        texts.append(text)
    return texts


# Pieces of the patterns' words, mixed at random: reaches combinations no sentence template thought of.
FRAGMENTS = (
    "行政",
    "复议",
    "诉讼",
    "行政复议",
    "行政诉讼",
    "申请",
    "收",
    "收到",
    "受理",
    "接到",
    "接收",
    "新",
    "共",
    "合计",
    "件",
    "条",
    "个",
    "份",
    "宗",
    "起",
    "办结",
    "答复",
    "完成",
    "办理",
    "处理",
    "完毕",
    "结转",
    "下",
    "上",
    "一",
    "年",
    "度",
    "为",
    "系",
    "均为",
    "0",
    "零",
    "十",
    "百",
    "2",
    "3",
    "１",
    "，",
    "。",
    "；",
    "规范性文件",
    "规章",
    "制发",
    "印发",
    "出台",
    "废止",
    "废除",
    "现行有效",
    "的",
    "了",
    "未",
    "没有",
    "无",
    "发生",
    "被",
    "信访",
    "投诉",
    "復議",
    "訴訟",
    "申請",
    "結轉",
    "規範性文件",
    "辦結",
    "答復",
    " ",
    "\u3000",
    "Ａ\u0301",
    "，\u0301",
)


def fragment_soup(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(3, 40))) for _ in range(n)]


def _returns_for_texts(texts: list[str], seed: int) -> list[CanonicalReturn]:
    """Each text over the 连云区 table, or over a table of small random counts (some of them equal to quotes)."""
    rng = random.Random(seed)
    base = lianyun_return()
    out = []
    for text in texts:
        ret = with_narrative(base, text)
        if rng.random() < 0.5:
            cells = dict(base.cells)
            for cell in QUOTED_CELLS:
                cells[cell] = rng.choice((0, 1, 2, 7, 16, 24, 105, None))
            ret = replace(ret, cells=cells)
        out.append(ret)
    return out


# --- the tests ------------------------------------------------------------------------------------------------


def _assert_same(returns: list[CanonicalReturn] | tuple[CanonicalReturn, ...]) -> dict[str, int]:
    """Fast and reference failures are equal for every return; how often each rule fired (to show it is no
    comparison of empty lists)."""
    fired: dict[str, int] = {}
    for ret in returns:
        expected = reference_check_narrative(ret)
        got = check_narrative(ret)
        assert got == expected, f"unit {ret.unit_id}: narrative {ret.narrative!r}"
        for f in got:
            fired[f.rule] = fired.get(f.rule, 0) + 1
    return fired


def test_synthetic_returns_give_the_same_failures() -> None:
    fired = _assert_same(synthetic_returns())
    assert fired.get("X0", 0) > 50 and all(fired.get(r, 0) > 10 for r in ("X1", "X2", "X3")), fired


def test_the_narratives_of_the_fixtures_and_tests_give_the_same_failures() -> None:
    returns = fixture_narratives()
    assert len(returns) > 100
    fired = _assert_same(returns)
    assert all(fired.get(r, 0) > 0 for r in ("X0", "X1", "X2", "X3")), fired


def test_adversarial_sentences_give_the_same_failures() -> None:
    fired = _assert_same(_returns_for_texts(adversarial_texts(3000, seed=1), seed=2))
    assert all(fired.get(r, 0) > 100 for r in ("X0", "X1", "X2", "X3")), fired


def test_keyword_soup_gives_the_same_failures() -> None:
    fired = _assert_same(_returns_for_texts(fragment_soup(4000, seed=3), seed=4))
    assert all(fired.get(r, 0) > 0 for r in ("X0", "X1", "X2", "X3")) and sum(fired.values()) > 100, fired


def test_the_cache_gives_the_same_answer_the_second_time() -> None:
    narrative._readings.cache_clear()
    returns = _returns_for_texts(adversarial_texts(300, seed=5), seed=6)
    first = [check_narrative(r) for r in returns]
    assert [check_narrative(r) for r in returns] == first
    assert first == [reference_check_narrative(r) for r in returns]


def test_extract_is_unchanged() -> None:
    texts = adversarial_texts(500, seed=7) + fragment_soup(500, seed=8)
    for text in texts:
        for q in QUANTITIES:
            quotes, unclear = extract(text, q)
            ref_quotes, ref_unclear = reference_extract(text, q)
            assert [(x.value, x.sentence) for x in quotes] == [(x.value, x.sentence) for x in ref_quotes], text
            assert unclear == ref_unclear, text


def _all_sentences() -> list[str]:
    texts = adversarial_texts(1000, seed=9) + fragment_soup(1000, seed=10)
    texts += ["\n".join(r.narrative.values()) for r in fixture_narratives()]
    return [s for t in texts for s in reference_sentences(t)]


def test_every_gate_is_necessary() -> None:
    """Whenever a pattern of a quantity matches a sentence, the quantity's gate lets the sentence through."""
    opened = 0
    for sentence in _all_sentences():
        norm = _ref_clean(sentence)
        for q in QUANTITIES:
            if q.context and q.context not in norm:
                continue
            if any(p.search(norm) for p in q.patterns + q.none_patterns + q.ambiguous):
                assert q.may_match(norm), f"{q.name}: the gate {q.needs} rejects {norm!r}, which a pattern matches"
                assert narrative._ANY_QUANTITY.search(norm), f"{q.name}: the sentence gate rejects {norm!r}"
                opened += 1
    assert opened > 1000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "行政復議",
        "２０２２年，我區；（一）！？",
        "Ａ\u0301",
        "，\u0301",
        "e\u0301",
        "①件",
        "\u3000",
        "ｶﾞ",
        "ﬁ",
        "全年未发生政府信息公开行政复议、行政诉讼案件。",
        "申請１６件，辦結十五件；",
    ],
)
def test_to_simplified_is_nfkc_then_opencc(text: str) -> None:
    assert to_simplified(text) == reference_to_simplified(text)


def test_to_simplified_on_every_sentence() -> None:
    for sentence in _all_sentences():
        assert to_simplified(sentence) == reference_to_simplified(sentence)


# --- before/after timing (not a test): python -m tests.published.test_narrative_equivalence -------------------


def _time(check, returns: list[CanonicalReturn], clear, every_return: bool) -> float:  # type: ignore[no-untyped-def]
    """Best CPU µs per return over 5 runs; caches emptied before each run, or before each return."""
    best = float("inf")
    for _ in range(5):
        clear()
        spent = 0.0
        for ret in returns:
            if every_return:
                clear()
            start = time.process_time()
            check(ret)
            spent += time.process_time() - start
        best = min(best, spent / len(returns) * 1e6)
    return best


def _clear_reference() -> None:
    _ref_clean.cache_clear()


def _clear_fast() -> None:
    narrative._readings.cache_clear()
    narrative._clean.cache_clear()


if __name__ == "__main__":
    to_simplified("預熱")  # load OpenCC before timing
    synthetic = returns_for(hierarchy(10_000, seed=1), 2024, 20240101)
    published = list(published_reports())
    print("check_narrative, CPU µs per return (best of 5)")
    for label, returns, every_return in (
        (f"{len(synthetic)} synthetic returns (as the benchmark)", synthetic, False),
        (f"{len(synthetic[:2000])} synthetic returns, every sentence new", synthetic[:2000], True),
        (f"{len(published)} published reports (fixtures + 连云区), every sentence new", published, True),
    ):
        before = _time(reference_check_narrative, returns, _clear_reference, every_return)
        after = _time(check_narrative, returns, _clear_fast, every_return)
        print(f"  {label}: before {before:.1f}  after {after:.1f}  ({before / after:.1f}x)")
