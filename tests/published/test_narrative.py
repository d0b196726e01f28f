"""X1–X3 (narrative ↔ table) and X0 (needs review), SPEC §5.6."""

from __future__ import annotations

import pytest

from sampledata.lianyun import lianyun_return
from schemas.narrative import check_narrative, zh_number
from schemas.returns import CanonicalReturn
from schemas.rules import Severity, rule

SAMPLE_SENTENCE = "2022年我區新受理政府信息公開申請16件，其中15件已在時限范圍內完成答復，1件結轉下年度繼續辦理，未發生行政復議和行政訴訟情況。"
DOCS_SENTENCE = "2022年全區行政規范性文件制發4件,廢除0件,現行有效24件。"


def ret_with(overview: str, **cells: int | None) -> CanonicalReturn:
    ret = lianyun_return()
    ret.narrative = {"overview": overview, "problems": "", "other": ""}
    for k, v in cells.items():
        ret.cells[k.replace("__", ".")] = v
    return ret


def rules_of(ret: CanonicalReturn) -> list[tuple[str, str, str, str]]:
    return [(f.rule, f.cell, f.expected, f.actual) for f in check_narrative(ret)]


def test_rules_are_in_the_catalogue() -> None:
    assert rule("X0").severity is Severity.SOFT
    assert all(rule(r).severity is Severity.HARD for r in ("X1", "X2", "X3"))


def test_sample_sentences_agree() -> None:
    assert check_narrative(ret_with(SAMPLE_SENTENCE + DOCS_SENTENCE)) == []


def test_no_narrative_nothing_to_check() -> None:
    assert check_narrative(lianyun_return()) == []


def test_x1_received_answered_carried() -> None:
    text = "新受理政府信息公开申请17件，其中14件已在时限范围内完成答复，2件结转下年度继续办理。"
    got = rules_of(ret_with(text))
    assert ("X1", "s3.new_received.total", "16", "17") in got
    assert ("X1", "s3.total_processed.total", "15", "14") in got
    assert ("X1", "s3.carried_out.total", "1", "2") in got
    failure = check_narrative(ret_with(text))[0]
    assert failure.detail == text and failure.severity is Severity.HARD


def test_x1_carried_in_and_other_phrasings() -> None:
    text = "本年度共收到政府信息公开申请16件，上年结转申请3件；办结15件。"
    assert rules_of(ret_with(text)) == [("X1", "s3.carried_in.total", "0", "3")]


def test_x1_chinese_numerals() -> None:
    assert check_narrative(ret_with("新受理政府信息公开申请十六件，其中十五件已完成答复，一件结转下年度。")) == []
    got = rules_of(ret_with("新受理政府信息公开申请二十件。"))
    assert got == [("X1", "s3.new_received.total", "16", "20")]


def test_x1_zero_report_township_that_received_requests() -> None:
    """E14: an all-zero table while the text reports requests."""
    ret = ret_with("本年度收到政府信息公开申请3件。", s3__new_received__total=0)
    assert rules_of(ret) == [("X1", "s3.new_received.total", "0", "3")]
    ret = ret_with("本年度未收到政府信息公开申请。", s3__new_received__total=4)
    assert rules_of(ret) == [("X1", "s3.new_received.total", "4", "0")]


def test_x1_review_requests_are_not_disclosure_requests() -> None:
    got = rules_of(ret_with("收到行政复议申请1件。"))
    assert got == [("X2", "s4.review.total", "0", "1")]


def test_x2_none_stated_but_table_has_cases() -> None:
    ret = ret_with(SAMPLE_SENTENCE, s4__review__total=1, s4__litigation_after_review__total=2)
    got = rules_of(ret)
    assert ("X2", "s4.review.total", "1", "0") in got
    assert ("X2", "s4.litigation_direct.total", "2", "0") in got  # the two litigation totals together
    assert len(got) == 2


def test_x2_counts() -> None:
    text = "因政府信息公开工作被申请行政复议2件，被提起行政诉讼1件。"
    ret = ret_with(text, s4__review__total=2, s4__litigation_direct__total=1)
    assert check_narrative(ret) == []
    ret = ret_with(text, s4__review__total=3, s4__litigation_direct__total=0, s4__litigation_after_review__total=1)
    assert rules_of(ret) == [("X2", "s4.review.total", "3", "2")]


def test_x3_normative_documents() -> None:
    got = rules_of(ret_with("全区行政规范性文件制发5件，废止1件，现行有效24件。"))
    assert got == [("X3", "s2.normative_docs.issued", "4", "5"), ("X3", "s2.normative_docs.repealed", "0", "1")]
    assert check_narrative(ret_with("印发文件12件，规范性文件工作扎实。")) == []  # not a count of documents


def test_x0_ambiguous_processing_total() -> None:
    failures = check_narrative(ret_with("本年度共办理政府信息公开申请16件。"))
    assert [(f.rule, f.cell) for f in failures] == [("X0", "s3.total_processed.total")]
    assert failures[0].severity is Severity.SOFT and "共办理政府信息公开申请16件" in failures[0].detail


def test_x0_two_numbers_for_one_quantity() -> None:
    failures = check_narrative(ret_with("新受理政府信息公开申请16件。全年收到政府信息公开申请18件。"))
    assert [(f.rule, f.cell, f.actual) for f in failures] == [("X0", "s3.new_received.total", "16,18")]


def test_x0_regulations_and_normative_documents_in_one_sentence() -> None:
    failures = check_narrative(ret_with("本年度制发规章0件，规范性文件制发4件。"))
    assert {f.rule for f in failures} == {"X0"}


def test_missing_table_cell_is_left_to_s2() -> None:
    assert check_narrative(ret_with("新受理政府信息公开申请17件。", s3__new_received__total=None)) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("16", 16),
        ("1,007", 1007),
        ("十", 10),
        ("十六", 16),
        ("二十", 20),
        ("二十四", 24),
        ("九十九", 99),
        ("一百零五", 105),
        ("两", 2),
        ("零", 0),
        ("一二", None),
        ("三千二百一十", 3210),
    ],
)
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert zh_number(text) == value
