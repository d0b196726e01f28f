"""Glued digits (intake.glued): splitting, the joint decoder, and cutting glued text, on the real 平潭 report
(tests/published/real/, public data) and on tables glued from our own figures. The rule every test enforces:
a decoded cell equals the printed figure, or the row is refused by name — never a wrong value."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.glued import (
    SPLIT_LIMIT,
    TooManySplits,
    count_splits,
    decode_table,
    s2_spec,
    s3_spec,
    s4_spec,
    split_glued_text,
    splits,
)
from intake.published_errors import ParseError
from intake.published_text import key
from sampledata.lianyun import lianyun_cells
from schemas import cells as C

REAL = Path(__file__).resolve().parent / "real"
PINGTAN = (REAL / "2021_pingtan_zonghe-shiyanqu.txt").read_text(encoding="utf-8")
PINGTAN_S3 = json.loads((REAL / "expected_section3.json").read_text(encoding="utf-8"))["reports"][
    "2021_pingtan_zonghe-shiyanqu"
]
S3_LABELS = [(r.key, r.label.zh) for r in C.S3_ROWS]
S4_CELLS = [C.s4(g, r) for g in C.S4_GROUP_KEYS for r in C.S4_RESULT_KEYS]


def between(text: str, start: str, end: str) -> str:
    """The text of one section, cut out by its heading and the next one's."""
    a = text.index(start)
    return text[a : text.index(end, a)]


def rows_of(pieces: list[str], labels: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Digit groups per row: the label text before each run of groups must end with the next row's label."""
    out: dict[str, list[str]] = {}
    text, nxt, current = "", 0, ""
    for piece in pieces:
        if re.fullmatch(r"[\d.,]+", piece):
            if text:
                current, label = labels[nxt]
                assert key(text).endswith(key(label)), (text, label)
                out[current], text, nxt = [], "", nxt + 1
            out[current].append(piece)
        else:
            text += piece
    assert nxt == len(labels), (nxt, text)
    return out


def s3_of(cells: dict) -> dict[str, tuple[int, ...]]:
    return {r: tuple(cells[C.s3(r, c)] for c in C.S3_COL_KEYS) for r in C.S3_ROW_KEYS}


# --- splits -------------------------------------------------------------------------------------------------


def test_splits_keep_surviving_separators_and_refuse_leading_zeros() -> None:
    assert splits(["160", "02", "0", "018"], 7) == [
        (1, 60, 0, 2, 0, 0, 18),
        (16, 0, 0, 2, 0, 0, 18),
        (160, 0, 2, 0, 0, 1, 8),
    ]
    assert splits(["500000", "5"], 7) == [(5, 0, 0, 0, 0, 0, 5)]
    assert splits(["000"], 3) == [(0, 0, 0)]
    assert splits(["05"], 1) == []  # "05" is not a number
    assert splits(["12"], 3) == []  # too few digits
    cuts = splits(["640020470"], 7)
    assert (64, 0, 0, 2, 0, 4, 70) in cuts and len(cuts) == count_splits(["640020470"], 7) == 12
    assert all(len(c) == 7 for c in cuts) and len(set(cuts)) == len(cuts)


def test_splits_are_bounded() -> None:
    digits = "123456789" * 3  # 27 digits into 7: C(26, 6) = 230,230 cuts
    assert count_splits([digits], 7) == 230_230
    with pytest.raises(TooManySplits) as err:
        splits([digits], 7)
    assert err.value.count == 230_230 and str(SPLIT_LIMIT) in str(err.value)


# --- the real 平潭 report -------------------------------------------------------------------------------------


def pingtan_s3_runs() -> dict[str, list[str]]:
    text = between(PINGTAN, "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议")
    return rows_of(split_glued_text(text), S3_LABELS)


def test_pingtan_text_cut_into_rows() -> None:
    runs = pingtan_s3_runs()
    assert runs["new_received"] == ["640020470"]
    assert runs["partially_granted"] == ["500000", "5"]
    assert runs["denied_state_secret"] == ["0000000"]  # "00000002.其他…": the 2 is the next label's
    assert runs["denied_internal_affairs"] == ["1000001"]  # "10000016.属于四类…"
    assert runs["unable_not_held"] == ["220000325"]


def test_pingtan_section3_decodes_to_the_transcription() -> None:
    result = decode_table(s3_spec(), pingtan_s3_runs())
    assert len(result.values) == 175
    assert result.values == PINGTAN_S3
    # 予以公开 "270020130" has two A1 cuts (27|0|0|2|0|1|30 and 2|7|0|0|20|1|30): A2 (which sums it) chose
    assert result.decoded["s3.granted.total"] == ("A1:granted",) + tuple(f"A2:{c}" for c in C.S3_COL_KEYS)
    assert result.decoded["s3.new_received.natural_person"] == ("A1:new_received",)  # one A1 cut
    assert result.decoded["s3.carried_in.total"] == ()  # "0000000": forced
    assert "A1:carried_in" not in result.used_identities and "A2:total" in result.used_identities


def test_pingtan_section3_with_other_processing_as_one_row() -> None:
    """A non-standard table whose (六)其他处理 is one row: same decoder, the row list and A2 taken as input."""
    other = [k for k in C.S3_OUTCOME_ROWS if k.startswith("other_")]
    rows = [r for r in C.S3_ROW_KEYS if r not in other]
    rows.insert(rows.index("total_processed"), "other_single_row")
    outcome = [r for r in C.S3_OUTCOME_ROWS if r not in other] + ["other_single_row"]
    spec = s3_spec(rows, outcome, {"other_single_row": "（六）其他处理"})
    runs = {r: g for r, g in pingtan_s3_runs().items() if r not in other}
    runs["other_single_row"] = ["1000001"]  # 0 + 0 + 1 per column
    result = decode_table(spec, runs)
    want = {k: v for k, v in PINGTAN_S3.items() if not k.startswith("s3.other_")}
    want |= {C.s3("other_single_row", c): v for c, v in zip(C.S3_COL_KEYS, (1, 0, 0, 0, 0, 0, 1))}
    assert result.values == want and len(result.values) == 7 * 23
    a2 = next(i for i in spec.identities if i.name == "A2:total")
    assert len(a2.rhs) == 18 + 1 and C.s3("other_single_row", "total") in a2.rhs


def test_pingtan_section4_decodes() -> None:
    pieces = split_glued_text(between(PINGTAN, "四、政府信息公开行政复议", "五、存在的主要问题"))
    groups = [p for p in pieces if p.isdigit()]
    assert groups == ["10203120001200000"]
    assert count_splits(groups, 15) == 25
    result = decode_table(s4_spec(), {tuple(C.S4_GROUP_KEYS): groups})  # one stretch for all three groups
    assert [result.values[k] for k in S4_CELLS] == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]
    assert result.used_identities == {"L1:review", "L1:litigation_direct", "L1:litigation_after_review"}


def test_pingtan_section2_normative_docs_refused_with_its_candidates() -> None:
    pieces = split_glued_text(between(PINGTAN, "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"))
    assert pieces[-2].endswith("行政事业性收费") and pieces[-1] == "24252.311082"  # a decimal fee is one value
    assert decode_table(s2_spec(), {"regulations": ["000"]}).values == {
        "s2.regulations.issued": 0,
        "s2.regulations.repealed": 0,
        "s2.regulations.in_force": 0,
    }
    with pytest.raises(ParseError) as err:
        decode_table(s2_spec(), {"regulations": ["000"], "normative_docs": ["693665"]})
    e = err.value
    assert e.section == "二" and e.row == "行政规范性文件" and "693665" in e.found
    assert "10 candidates 6|9|3665, 6|93|665, 6|936|65" in e.message and "and 4 more" in e.message


# --- text cutting -------------------------------------------------------------------------------------------


def test_split_glued_text_rules() -> None:
    assert split_glued_text("数量640020470二、上年") == ["数量", "640020470", "二、上年"]
    assert split_glued_text("00000002.其他法律") == ["0000000", "2.其他法律"]
    assert split_glued_text("00000002、其他") == ["0000000", "2、其他"]
    assert split_glued_text("（三）不予公开1.属于国家秘密0") == ["（三）不予公开1.属于国家秘密", "0"]
    assert split_glued_text("500000 5（三）") == ["500000", "5", "（三）"]
    assert split_glued_text("行政事业性收费24252.311082三、") == ["行政事业性收费", "24252.311082", "三、"]
    assert split_glued_text("收费1,234.5万元") == ["收费", "1,234.5万元"]
    # numbers of the labels' own text are never values
    for label in (
        "第二十条第（一）项",
        "第20条第(1)项",
        "2021年度",
        "（本列数据：第1项加第2项）",
        "“3安全1稳定”",
        "3项",
        "5G基站",
        "OA2系统",
        "（2021-2035）",
        "1号",
    ):
        assert split_glued_text(label + "12") == [label, "12"], label
    for text in ("时间:2024-02-20", "09:37:30", "14258248/2023-00042", "电话:0518-82318860"):
        assert split_glued_text(text) == [text], text


# --- synthetic tables glued from our own figures -----------------------------------------------------------


def s3_lines(rows: dict[str, tuple[int, ...]], mode: str, rng: random.Random) -> list[str]:
    """Section 三 printed the 平潭 way: a header, then each row's label and its figures.

    mode "none": no separator inside a row; "some": a random share of the cell borders kept as spaces; "line": the
    whole table on one line (no separators, labels glued to digits)."""
    lines = ["申请人情况自然人法人或其他组织总计 商业企业科研机构社会公益组织法律服务机构其他"]
    group = None
    for row in C.S3_ROWS:
        label = row.label.zh
        if row.key == "granted":
            label = C.S3_RESULTS_GROUP.zh + label
        if row.group is not None and row.group != group:
            label = row.group.zh + label
        group = row.group
        sep = (lambda: " " if rng.random() < 0.4 else "") if mode == "some" else (lambda: "")
        digits = str(rows[row.key][0]) + "".join(sep() + str(v) for v in rows[row.key][1:])
        lines.append(label + digits)
    return ["".join(lines)] if mode == "line" else lines


def decode_s3_text(lines: list[str]) -> dict:
    pieces = [p for line in lines for p in split_glued_text(line)]
    return decode_table(s3_spec(), rows_of(pieces, S3_LABELS)).values


def exact_or_named(rows: dict[str, tuple[int, ...]], mode: str, seed: int) -> str:
    """'exact' or 'refused'; fails the test on a wrong value or a refusal that names no row."""
    truth = {C.s3(r, c): v for r, vals in rows.items() for c, v in zip(C.S3_COL_KEYS, vals)}
    try:
        got = decode_s3_text(s3_lines(rows, mode, random.Random(seed)))
    except ParseError as e:
        assert e.section == "三" and e.row in {lbl for _, lbl in S3_LABELS}, e.message
        # the figures are consistent, so only ambiguity or a bound may refuse them, never "inconsistent"
        assert "more than one combination" in e.message or "combinations of candidate" in e.message, e.message
        return "refused"
    assert got == truth
    return "exact"


def consistent_s3(
    rng: random.Random, high: int, zeros: float, pool: list[int] | None = None
) -> dict[str, tuple[int, ...]]:
    """A random section 三 satisfying A1, A2 and A3 (applicant figures 0..high, a share of them zero; or, with
    ``pool``, figures taken in turn from it)."""
    rows: dict[str, tuple[int, ...]] = {}

    def row(vals: list[int]) -> tuple[int, ...]:
        return (*vals, sum(vals))

    def draw() -> int:
        if pool is not None:
            return pool.pop()
        return 0 if rng.random() < zeros else rng.randint(1, high)

    for r in C.S3_OUTCOME_ROWS:
        rows[r] = row([draw() for _ in range(6)])
    processed = [sum(rows[r][j] for r in C.S3_OUTCOME_ROWS) for j in range(6)]
    rows["total_processed"] = row(processed)
    rows["carried_out"] = row([draw() for _ in range(6)])
    carried_in = [min(draw(), processed[j] + rows["carried_out"][j]) for j in range(6)]
    rows["carried_in"] = row(carried_in)
    rows["new_received"] = row([processed[j] + rows["carried_out"][j] - carried_in[j] for j in range(6)])
    return {r: rows[r] for r in C.S3_ROW_KEYS}


def distinct_consistent_s3() -> dict[str, tuple[int, ...]]:
    """A consistent section 三 where all 175 cells differ (so a value in the wrong cell cannot pass)."""
    for seed in range(1000):
        rng = random.Random(seed)
        rows = consistent_s3(rng, 0, 0.0, rng.sample(range(1, 300), 6 * 24))
        if len({v for vals in rows.values() for v in vals}) == 175:
            return rows
    raise AssertionError("no distinct table found")


@pytest.mark.parametrize("mode", ["none", "some", "line"])
def test_lianyun_glued_decodes_exactly(mode: str) -> None:
    assert exact_or_named(s3_of(lianyun_cells()), mode, 1) == "exact"


@pytest.mark.parametrize("mode", ["none", "some", "line"])
def test_distinct_consistent_table_glued(mode: str) -> None:
    rows = distinct_consistent_s3()
    assert len({v for vals in rows.values() for v in vals}) == 175
    assert [exact_or_named(rows, mode, seed) for seed in range(3)] == ["exact"] * 3


def test_distinct_inconsistent_figures_refused_by_row() -> None:
    """The fixture corpus' "distinct" figures (each cell its position) satisfy no identity: glued, refused."""
    cells = {c.key: c.order for c in C.CELLS}
    with pytest.raises(ParseError) as err:
        decode_s3_text(s3_lines(s3_of(cells), "none", random.Random(0)))
    assert err.value.row == C.S3_ROWS[0].label.zh and "no cut satisfies" in err.value.message


def test_inconsistent_total_row_refused_not_repaired() -> None:
    """(七)总计 printed as zeros: the glued rows decoded by identities cannot be trusted, so refused."""
    for rows in (s3_of(lianyun_cells()), s3_of(PINGTAN_S3)):
        rows["total_processed"] = (0,) * 7
        with pytest.raises(ParseError) as err:
            decode_s3_text(s3_lines(rows, "none", random.Random(0)))
        assert "inconsistent" in err.value.message or "no combination" in err.value.message, err.value.message


def test_identity_failing_over_a_decoded_row_refused() -> None:
    """A glued row fixed by A1 alone, then an A3 failure in a column it takes part in: its cut is not trusted."""
    runs: dict = {r: [str(v) for v in vals] for r, vals in s3_of(PINGTAN_S3).items()}
    runs["new_received"] = ["640020470"]  # one A1 cut: 64|0|0|2|0|4|70
    assert decode_table(s3_spec(), runs).decoded[C.s3("new_received", "total")] == ("A1:new_received",)
    runs["carried_out"] = ["2", "0", "0", "0", "0", "0", "2"]  # printed separately, but 64 + 0 ≠ 63 + 2
    with pytest.raises(ParseError) as err:
        decode_table(s3_spec(), runs)
    e = err.value
    assert e.row == "一、本年新收政府信息公开申请数量" and "A3:natural_person fails (64 ≠ 65)" in e.message
    assert "64|0|0|2|0|4|70" in e.found


def test_forced_cut_is_never_repaired() -> None:
    """A row whose cut is forced (as many digits as cells) keeps its printed figures even when A1 fails."""
    runs: dict = {r: [str(v) for v in vals] for r, vals in s3_of(lianyun_cells()).items()}
    runs["granted"] = ["8000009"]  # printed 8,0,0,0,0,0,9: wrong total, but every position is certain
    result = decode_table(s3_spec(), runs)
    assert [result.values[C.s3("granted", c)] for c in C.S3_COL_KEYS] == [8, 0, 0, 0, 0, 0, 9]
    assert result.decoded == {C.s3("granted", c): () for c in C.S3_COL_KEYS} and not result.used_identities


def test_glued_row_failing_its_identity_refused_with_cuts() -> None:
    runs: dict = {r: [str(v) for v in vals] for r, vals in s3_of(lianyun_cells()).items()}
    runs["new_received"] = ["151000017"]  # 15+1 ≠ 17: no A1 cut
    with pytest.raises(ParseError) as err:
        decode_table(s3_spec(), runs)
    assert err.value.row == "一、本年新收政府信息公开申请数量" and "A1:new_received" in err.value.message
    assert "15|1|0|0|0|0|17" in err.value.message or "possible cut(s)" in err.value.message


def test_separate_rows_are_not_decoded() -> None:
    runs: dict = {r: [str(v) for v in vals] for r, vals in s3_of(PINGTAN_S3).items()}
    runs["granted"] = ["270020130"]  # the one glued row: A1 leaves two cuts, A2/A3 over the separate rows choose
    result = decode_table(s3_spec(), runs)
    assert result.values == PINGTAN_S3
    assert set(result.decoded) == {C.s3("granted", c) for c in C.S3_COL_KEYS}


def test_too_many_values_and_blanks_in_glue_refused() -> None:
    with pytest.raises(ParseError, match="8 values"):
        decode_table(s3_spec(), {"granted": list("12345678")})
    with pytest.raises(ParseError, match="only bare digit groups"):
        decode_table(s3_spec(), {"granted": ["1000", None, "1"]})
    with pytest.raises(ParseError, match="where a number should be"):
        decode_table(s3_spec(), {"granted": ["1", "0", "0", "0", "0", "0", "1.2.3"]})
    with pytest.raises(ValueError, match="unknown"):
        decode_table(s3_spec(), {"no_such_row": ["0"]})


def test_joint_search_is_bounded() -> None:
    rows = distinct_consistent_s3()
    runs: dict = {r: ["".join(map(str, vals))] for r, vals in rows.items()}
    with pytest.raises(ParseError) as err:
        decode_table(s3_spec(), runs, joint_limit=1)
    assert "combinations" in err.value.message or "no cut" in err.value.message


def test_row_search_is_bounded_and_fast() -> None:
    vals = (1234, 2345, 3456, 4567, 5678, 6789)  # 4-digit figures, total 24069: 29 digits, 310,960 cuts
    row = "".join(map(str, vals)) + str(sum(vals))
    t0 = time.perf_counter()
    result = decode_table(s3_spec(["granted"], ["granted"]), {"granted": [row]})
    assert count_splits([row], 7) == 310_960 and time.perf_counter() - t0 < 2.0
    assert [result.values[C.s3("granted", c)] for c in C.S3_COL_KEYS] == [*vals, sum(vals)]
    with pytest.raises(ParseError, match="steps"):
        decode_table(s3_spec(["granted"], ["granted"]), {"granted": [row]}, search_limit=100)


# --- property: random valid tables decode exactly or are refused by row ---------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**9),
    high=st.sampled_from([3, 9, 30, 200]),
    zeros=st.sampled_from([0.3, 0.7]),
    mode=st.sampled_from(["none", "some", "line"]),
)
def test_random_tables_exact_or_refused(seed: int, high: int, zeros: float, mode: str) -> None:
    exact_or_named(consistent_s3(random.Random(seed), high, zeros), mode, seed)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 120), min_size=6, max_size=6), st.lists(st.sampled_from(["", " "]), min_size=6, max_size=6)
)
def test_pruned_row_search_equals_brute_force(parts: list[int], seps: list[str]) -> None:
    """The decoder's pruned search finds exactly the A1 cuts that filtering every cut would."""
    vals = (*parts, sum(parts))
    groups = (str(vals[0]) + "".join(sep + str(v) for sep, v in zip(seps, vals[1:]))).split()
    brute = [c for c in splits(groups, 7, limit=10**6) if c[6] == sum(c[:6])]
    assert vals in brute
    one_row = s3_spec(["granted"], ["granted"])
    try:
        result = decode_table(one_row, {"granted": groups})
    except ParseError as e:
        assert len(brute) > 1 and f"{len(brute)} candidates" in e.message
        return
    assert len(brute) == 1 or len(groups) == 7
    assert tuple(result.values[C.s3("granted", c)] for c in C.S3_COL_KEYS) == vals


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=4, max_size=4), min_size=3, max_size=3))
def test_random_section4_exact_or_refused(parts: list[list[int]]) -> None:
    truth = [v for p in parts for v in (*p, sum(p))]
    try:
        result = decode_table(s4_spec(), {tuple(C.S4_GROUP_KEYS): ["".join(map(str, truth))]})
    except ParseError as e:
        assert e.section == "四"
        return
    assert [result.values[k] for k in S4_CELLS] == truth
