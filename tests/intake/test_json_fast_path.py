"""The fast JSON parse (orjson) is only taken when it gives what the strict parser gives (intake.jsonfile)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intake.errors import UnreadableFile
from intake.jsonfile import _fast_parse, read_json
from sampledata.lianyun import lianyun_return
from schemas.cells import FEE_KEY

LICENSE = "s2.admin_license.decisions"


def canonical() -> dict:
    doc = lianyun_return().to_json()
    doc["narrative"] = {"overview": "全年新收到政府信息公开申请16件。"}
    return doc


def test_a_canonical_return_takes_the_fast_path_and_reads_the_same() -> None:
    text = json.dumps(canonical(), ensure_ascii=False, indent=1)
    assert _fast_parse(text.encode()) == json.loads(text)
    ret = read_json(text.encode())
    assert ret.cells[FEE_KEY] == Decimal("746.844") and ret.narrative["overview"].endswith("16件。")


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace(f'"{LICENSE}": 1007', f'"{LICENSE}" : 1007, "{LICENSE}": 5'),  # duplicate, spaced colon
        lambda t: t.replace(f'"{LICENSE}": 1007', f'"{LICENSE}": 1007, "{LICENSE}": 5'),  # plain duplicate
        lambda t: t.replace('"746.844"', "746.844"),  # a JSON number for the fee: read as Decimal, not float
        lambda t: t.replace("16件。", "16件: 见附件。"),  # an ASCII colon inside a string
        lambda t: t.replace(f'"{LICENSE}": 1007', f'"{LICENSE}": {2**70}'),  # beyond 64 bits
        lambda t: t.replace(f'"{LICENSE}": 1007', f'"{LICENSE}": NaN'),  # the standard library's extension
        lambda t: t.replace('"format"', '"extra": {"a": 1}, "format"'),  # nested elsewhere
    ],
)
def test_anything_unusual_goes_to_the_strict_parser_with_the_same_outcome(edit) -> None:
    text = edit(json.dumps(canonical(), ensure_ascii=False))
    assert _fast_parse(text.encode()) is None
    try:
        strict = ("ok", json.loads(text, parse_float=Decimal))
    except ValueError:
        strict = ("error", None)
    try:
        ret = read_json(text.encode())
        outcome = ("ok", ret)
    except UnreadableFile as exc:
        outcome = ("refused", str(exc))
    if '"{LICENSE}": 5'.replace("{LICENSE}", LICENSE) in text:
        assert outcome[0] == "refused" and "twice" in outcome[1]
    else:
        assert outcome[0] == "ok"
        assert outcome[1].cells[LICENSE] == strict[1]["cells"][LICENSE] or isinstance(
            strict[1]["cells"][LICENSE], float
        )
        assert outcome[1].cells[FEE_KEY] == Decimal("746.844")


def test_a_byte_order_mark_is_read_past_on_both_paths() -> None:
    text = json.dumps(canonical(), ensure_ascii=False)
    data = "\ufeff".encode() + text.encode()
    assert _fast_parse(data) == json.loads(text)
    strict = "\ufeff".encode() + text.replace('"746.844"', "746.844").encode()  # a number fee: the strict path
    assert _fast_parse(strict) is None
    assert read_json(data).cells == read_json(strict).cells


@pytest.mark.parametrize(
    "data",
    [
        '{"format": "nianbao.return/1", "unit_name": "市局"}'.encode("gb18030"),  # not UTF-8
        '{"format": "nianbao.return/1"}'.encode("utf-16"),
    ],
)
def test_text_that_is_not_utf8_is_refused_by_the_strict_reading_naming_the_byte(data: bytes) -> None:
    assert _fast_parse(data) is None
    with pytest.raises(UnreadableFile, match=r"not UTF-8 text \(byte \d+\)"):
        read_json(data)
