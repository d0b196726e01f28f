"""The dev set: real published reports (public data, copied from the project's shared domain folder into
tests/published/real/) with their section 三 transcribed by hand (expected_section3.json). Every report is read
exactly or refused naming the section and the row; none is read wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.published import ParseError, parse_published, parse_published_file
from schemas import cells as C
from schemas.returns import CanonicalReturn

REAL = Path(__file__).resolve().parent / "real"
EXPECTED: dict[str, dict[str, int | None]] = json.loads((REAL / "expected_section3.json").read_text("utf-8"))["reports"]
SUB_ROWS = ("other_no_correction", "other_fee_unpaid", "other_other")


def section3(ret: CanonicalReturn) -> dict[str, object]:
    """Section 三 as the transcription writes it (a single (六) row under s3.other_single_row.*)."""
    got = {k: v for k, v in ret.cells.items() if k.startswith("s3.")}
    if ret.other_single_row is not None:
        for row in SUB_ROWS:
            for col in C.S3_COL_KEYS:
                assert got.pop(C.s3(row, col)) is None  # the sub-rows the report does not print stay missing
        got.update({C.s3("other_single_row", col): v for col, v in zip(C.S3_COL_KEYS, ret.other_single_row)})
    return got


def outcome(ret: CanonicalReturn, name: str) -> str:
    return "exact" if section3(ret) == EXPECTED[name] else "wrong"


@pytest.mark.parametrize(
    ("name", "unit", "year"),
    [
        ("2023_huaian-hongzequ_quzhengfu", "洪泽区人民政府", 2023),  # PDF text layer: values before labels
        ("2023_shuyang_fagaiju", "沭阳县发展和改革局", 2023),  # five empty columns: blank, never 0
    ],
)
def test_real_reports_read_exactly(name: str, unit: str, year: int) -> None:
    ret = parse_published_file(REAL / f"{name}.txt")
    assert (ret.unit_name, ret.year) == (unit, year)
    assert outcome(ret, name) == "exact", {k: v for k, v in section3(ret).items() if EXPECTED[name].get(k) != v}


def test_a_real_error_is_read_as_published_not_refused() -> None:
    """洪泽区 prints its section 四 totals as 0 beside non-zero parts: read as printed (L1 then fails)."""
    ret = parse_published_file(REAL / "2023_huaian-hongzequ_quzhengfu.txt")
    review = [ret.cells[C.s4("review", r)] for r in C.S4_RESULT_KEYS]
    assert review == [10, 1, 0, 0, 0]
    assert ret.other_single_row == (0,) * 7
    assert ret.provenance[C.s4("review", "total")].endswith("（总计列）：“0”")


def test_blank_cells_stay_missing() -> None:
    ret = parse_published_file(REAL / "2023_shuyang_fagaiju.txt")
    blanks = [k for k, v in ret.cells.items() if k.startswith("s3.") and v is None]
    assert len(blanks) == 125 and all(k.rsplit(".", 1)[1].startswith("legal_") for k in blanks)


def test_glued_report_is_refused_where_no_identity_decides() -> None:
    """平潭 lost every separator. Section 三 and 四 are decided by their identities, but 行政规范性文件 '693665'
    (three cells, no identity) has 10 possible cuts: refused, naming the row and the candidates."""
    with pytest.raises(ParseError) as err:
        parse_published_file(REAL / "2021_pingtan_zonghe-shiyanqu.txt")
    assert (err.value.section, err.value.row) == ("二", "行政规范性文件")
    assert "693665" in err.value.found and "6|9|3665" in str(err.value)


def test_glued_section_3_decodes_exactly_and_says_by_which_identities() -> None:
    text = (REAL / "2021_pingtan_zonghe-shiyanqu.txt").read_text("utf-8")
    ret = parse_published(text.replace("行政规范性文件693665", "行政规范性文件 69 3 665"), "pingtan.txt")
    name = "2021_pingtan_zonghe-shiyanqu"
    assert outcome(ret, name) == "exact"
    assert [ret.cells[C.s4(g, r)] for g in C.S4_GROUP_KEYS for r in C.S4_RESULT_KEYS] == [
        1,
        0,
        2,
        0,
        3,
        12,
        0,
        0,
        0,
        12,
        0,
        0,
        0,
        0,
        0,
    ]
    # "270020130" has two cuts that satisfy A1; A2 decides: those identities cannot vouch for the row
    assert ret.decoded[C.s3("granted", "total")][0] == "A1:granted"
    assert any(name.startswith("A2:") for name in ret.decoded[C.s3("granted", "total")])
    assert ret.decoded[C.s3("new_received", "total")] == ("A1:new_received",)
    assert "从连写数字“640020470”切出 70" in ret.provenance[C.s3("new_received", "total")]
    assert ret.decoded["s2.regulations.issued"] == ()  # "000": one cut only


def test_a_badly_converted_report_is_refused_naming_the_section() -> None:
    """上海市科委's PDF-to-markdown copy lost labels and cells: refused, never guessed."""
    with pytest.raises(ParseError) as err:
        parse_published_file(REAL / "2024_shanghai_shikewei.txt")
    assert err.value.section in ("二", "三", "四")


def test_dev_set_counts() -> None:
    """exact / refused / wrong over the dev set's text files: wrong must be zero."""
    counts = {"exact": 0, "refused": 0, "wrong": 0}
    for name in EXPECTED:
        try:
            ret = parse_published_file(REAL / f"{name}.txt")
        except ParseError:
            counts["refused"] += 1
            continue
        counts[outcome(ret, name)] += 1
    assert counts == {"exact": 2, "refused": 2, "wrong": 0}
