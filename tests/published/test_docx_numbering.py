"""Word's automatic numbering drawn as Word draws it (intake.docx_numbering): formats, continuing and restarting."""

from __future__ import annotations

import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from intake.docx_numbering import Numbering, _chinese

W = nsdecls("w")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (25, "二十五"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (999, "九百九十九"),
    ],
)
def test_chinese_counting(n: int, text: str) -> None:
    assert _chinese(n) == text


def _numbering(levels: str, nums: str) -> Numbering:
    return Numbering(parse_xml(f"<w:numbering {W}>{levels}{nums}</w:numbering>"), None)


def _lvl(ilvl: int, fmt: str, text: str, start: int = 1) -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
    )


def _p(num_id: int, ilvl: int = 0) -> object:
    return parse_xml(
        f'<w:p {W}><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr></w:p>'
    )


def test_levels_continue_reset_and_restart() -> None:
    numbering = _numbering(
        f'<w:abstractNum {W} w:abstractNumId="1">{_lvl(0, "chineseCounting", "%1、")}'
        f"{_lvl(1, 'decimal', '%1.%2')}</w:abstractNum>"
        f'<w:abstractNum {W} w:abstractNumId="2">{_lvl(0, "chineseCounting", "（%1）")}</w:abstractNum>'
        f'<w:abstractNum {W} w:abstractNumId="3">{_lvl(0, "bullet", "●")}</w:abstractNum>',
        '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'  # shares abstract 1: continues it
        '<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>'
        '<w:num w:numId="4"><w:abstractNumId w:val="2"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/>'
        "</w:lvlOverride></w:num>"
        '<w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num>',
    )
    got = [
        numbering.label(p)
        for p in (_p(1), _p(1, 1), _p(1, 1), _p(2), _p(1, 1), _p(3), _p(3), _p(4), _p(4), _p(5), _p(0))
    ]
    assert got == ["一、", "一.1", "一.2", "二、", "二.1", "（一）", "（二）", "（一）", "（二）", "", ""]


def test_a_style_carries_the_list() -> None:
    styles = parse_xml(
        f'<w:styles {W}><w:style w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:styleId="H1x"><w:basedOn w:val="H1"/></w:style></w:styles>'
    )
    numbering = Numbering(
        parse_xml(
            f'<w:numbering {W}><w:abstractNum w:abstractNumId="7">{_lvl(0, "chineseCounting", "%1、", start=5)}'
            '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num></w:numbering>'
        ),
        styles,
    )
    p = parse_xml(f'<w:p {W}><w:pPr><w:pStyle w:val="H1x"/></w:pPr></w:p>')
    off = parse_xml(f'<w:p {W}><w:pPr><w:pStyle w:val="H1x"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr></w:p>')
    assert [numbering.label(p), numbering.label(off), numbering.label(p)] == ["五、", "", "六、"]
