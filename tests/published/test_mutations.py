"""Every one of the 200 value cells of the real sample, disturbed one at a time.

The flattened sample prints one value per line, in the order of schemas.cells.CELLS. So:
- changing the k-th value must change exactly cell k (the mapping is exact for every cell);
- deleting it, doubling it, or splitting it in two must be refused — never a parse with other numbers.
"""

from __future__ import annotations

import re

import pytest

from intake.published import ParseError, parse_published
from sampledata.lianyun import lianyun_cells, sample_report_text
from schemas.cells import CELLS, FEE_KEY

LINES = sample_report_text().split("\n")
VALUE_LINES = [i for i, line in enumerate(LINES) if re.fullmatch(r"\s*[\d.]+\s*\|\s*", line)]
SECTION_OF = {2: "二", 3: "三", 4: "四"}


def _with(i: int, replacement: list[str]) -> str:
    return "\n".join(LINES[:i] + replacement + LINES[i + 1 :])


def test_one_value_line_per_cell_in_form_order() -> None:
    assert len(VALUE_LINES) == len(CELLS) == 200


def test_changing_any_value_changes_exactly_that_cell() -> None:
    base = lianyun_cells()
    for cell, i in zip(CELLS, VALUE_LINES):
        new = 9000 + cell.order
        ret = parse_published(_with(i, [f"{new} |"]))
        changed = {k for k in base if ret.cells[k] != base[k]}
        assert changed == {cell.key}, (cell.key, changed)
        assert ret.cells[cell.key] == new


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda v: [], id="deleted"),
        pytest.param(lambda v: [v, v], id="doubled"),
        pytest.param(lambda v: ["1 |", v], id="extra-number-before"),
        pytest.param(lambda v: [v.replace("|", ""), "|", "7 |"], id="split-in-two"),
    ],
)
def test_a_disturbed_value_is_refused_in_its_section(change) -> None:  # type: ignore[no-untyped-def]
    for cell, i in zip(CELLS, VALUE_LINES):
        with pytest.raises(ParseError) as info:
            parse_published(_with(i, change(LINES[i])))
        assert info.value.section == SECTION_OF[cell.section], (cell.key, info.value)


def test_text_in_place_of_any_value_is_refused() -> None:
    for cell, i in zip(CELLS, VALUE_LINES):
        with pytest.raises(ParseError) as info:
            parse_published(_with(i, ["见附件 |"]))
        assert info.value.section == SECTION_OF[cell.section], cell.key


def test_a_dash_in_place_of_any_value_is_a_blank_cell() -> None:
    base = lianyun_cells()
    for cell, i in zip(CELLS, VALUE_LINES):
        ret = parse_published(_with(i, ["- |"]))
        assert ret.cells[cell.key] is None
        assert {k for k in base if ret.cells[k] != base[k]} == {cell.key}


def test_fee_keeps_every_decimal() -> None:
    i = VALUE_LINES[[c.key for c in CELLS].index(FEE_KEY)]
    ret = parse_published(_with(i, ["1,234,567.000001 |"]))
    assert str(ret.cells[FEE_KEY]) == "1234567.000001"
