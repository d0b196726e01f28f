"""Sections 二, 三 and 四 of a published report: from blocks of label text + values to raw cell texts.

Each section parser receives the blocks of its table region (:func:`intake.published_text.blocks`) and returns
``{cell key: raw text or None}`` for its cells, or raises :class:`ParseError`. The rules (SPEC §10):

- 二 is read by sub-table caption (第二十条第（一）项 …) + row label; the column order comes from the sub-table's
  own column headers (本年制发件数 / 本年废止件数 / 现行有效件数).
- 三 is read by row order + label check: the 25 rows must appear once each, in the official order; the column
  headers must be the official seven. A subtotal row for 三、本年度办理结果 or (三)…(六) is dropped when it is
  exactly the sum of its rows, refused otherwise.
- 四 is read by position: once the group headers 行政复议 / 行政诉讼 / 未经复议直接起诉 / 复议后起诉 are seen in
  that order, exactly one run of 15 values must follow.

Every row needs exactly as many values as the form has columns. Trailing empty cells are padding (the portal
adds them to fill a row); an empty cell *between* values, or a placeholder ("-", "—", "/", "无"), is a blank
cell and comes back as None. Anything else — 6 or 8 values, a malformed number, a row out of place — is refused.

Label text is *lexed* into known phrases (:func:`lex`), because one block often holds several labels: the
portal's flattened layout puts a caption, the column headers and the first row label next to each other.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from intake.document import Where
from intake.glued import TableSpec, decode_table, s3_spec, s4_spec
from intake.published_errors import OldFormatError, ParseError
from intake.published_text import Block, Token, key
from schemas import cells as C
from schemas.single_row import SINGLE_ROW


@dataclass(frozen=True)
class Found:
    """A cell as read: its text as printed (None when blank) and where it sits in the source."""

    text: str | None
    where: Where
    decoded: tuple[str, ...] | None = None  # glued digits cut apart: the identities that chose the cut (() forced)
    printed: str = ""  # the glued digit group it was cut from, as printed


RawCells = dict[str, Found]

# --- the lexer --------------------------------------------------------------------------------------------

# A parenthesised hint after a label, e.g. "(设区的市自治州人民政府应提供相关数据)" or the official
# "(区分处理的只计这一情形不计其他情形)"; one level of nesting. An enumerator like "(四)" is never a hint.
_HINT = re.compile(r"\((?![一二三四五六七八九十\d]\))[^()]*(?:\([^()]*\)[^()]*)*\)")


@dataclass(frozen=True)
class Entry:
    pattern: re.Pattern[str]
    kind: str  # caption | header | item | row | group | subtotal
    name: str
    hints: bool = True  # swallow parenthesised hints after it


@dataclass(frozen=True)
class Phrase:
    kind: str  # an Entry kind, or "unknown"
    name: str
    text: str
    hint: str = ""


def lex(label: str, vocab: tuple[Entry, ...]) -> list[Phrase]:
    """Split a label key into known phrases (longest match first) and unknown stretches."""
    out: list[Phrase] = []
    pos, unknown_from = 0, 0
    while pos < len(label):
        best: tuple[Entry, re.Match[str]] | None = None
        for entry in vocab:
            m = entry.pattern.match(label, pos)
            if m and m.end() > pos and (best is None or m.end() > best[1].end()):
                best = (entry, m)
        if best is None:
            pos += 1
            continue
        if unknown_from < pos:
            out.append(Phrase("unknown", "", label[unknown_from:pos]))
        entry, m = best
        end, hint = m.end(), ""
        while entry.hints and (h := _HINT.match(label, end)):
            hint += h.group(0)
            end = h.end()
        out.append(Phrase(entry.kind, entry.name, label[pos:end], hint))
        pos = unknown_from = end
    if unknown_from < len(label):
        out.append(Phrase("unknown", "", label[unknown_from:]))
    return out


def _split_enumerator(label_key: str) -> tuple[str, str]:
    """'(二)部分公开(区分…)' → ('(二)', '部分公开'); '1属于国家秘密' → ('1', '属于国家秘密')."""
    m = re.match(r"(\([一二三四五六七八九十]\)|[一二三四](?=\D)|\d)?(.*?)(\(.*\))?$", label_key)
    assert m is not None
    return m.group(1) or "", m.group(2)


def _enumerator_pattern(enum: str) -> str:
    if not enum:
        return ""
    bare = enum.strip("()")
    return rf"(?:\(?{re.escape(bare)}\)?)"


def _label_entry(label: C.Label, kind: str, name: str, enumerator_required: bool = False) -> Entry:
    enum, core = _split_enumerator(key(label.zh))
    enum_re = _enumerator_pattern(enum)
    if enum_re and not enumerator_required:
        enum_re += "?"
    return Entry(re.compile(enum_re + re.escape(core)), kind, name)


def _words(kind: str, *pairs: tuple[str, str], hints: bool = True) -> tuple[Entry, ...]:
    return tuple(Entry(re.compile(pattern), kind, name, hints) for name, pattern in pairs)


# --- values -----------------------------------------------------------------------------------------------


def _show(tokens: list[Token]) -> str:
    return " | ".join(t.text if t.text else "(empty)" for t in tokens)


def take(block: Block, n: int, section: str, row: str, following: Block | None, money: bool = False) -> list[Found]:
    """Exactly ``n`` values from ``block`` (blanks as None), or ParseError saying what was there."""
    values = block.trimmed
    if len(values) != n:
        found = f"{len(values)} values [{_show(values)}] where {n} are expected"
        if following is not None and following.texts and len(values) < n:
            found += f", then the text '{following.raw_label[:40]}'"
        hint = (
            "a cell was dropped, split in two, or an extra column/number was added; "
            "a blank cell must be written as '-' so its position is unambiguous"
        )
        raise ParseError(section, row, found, hint)
    out: list[Found] = []
    for tok in values:
        if tok.kind == "bad" or (tok.kind == "num" and not money and tok.text.endswith("元")):
            raise ParseError(section, row, f"'{tok.text}' where a number should be", "write a plain number")
        out.append(Found(None if tok.kind in ("blank", "empty") else tok.text, tok.where))
    return out


def glued(block: Block, n: int) -> list[Token] | None:
    """The value tokens of a row that printed fewer than ``n`` values, all bare digit groups: its separators were
    lost ("640020470", "500000 5"), so :mod:`intake.glued` may cut it. None for any other row — in particular for
    a row of explicit cells (table cells, '|' pieces) other than one cell holding the whole row: there a missing
    value is a dropped cell, whose place no identity may guess."""
    values = block.trimmed
    if not 0 < len(values) < n or not all(t.kind == "num" and t.text.isascii() and t.text.isdigit() for t in values):
        return None
    if len(values) > 1 and any(t.cell for t in values):
        return None
    return values


Row = str | tuple[str, ...]  # a row key, or consecutive rows printed as one run (section 四)


def decode(spec: TableSpec, runs: dict[Row, list[Token] | list[Found]]) -> dict[str, Found]:
    """The cells of a table some of whose rows are glued digit groups (``list[Token]``) and the others read
    already (``list[Found]``), through :func:`intake.glued.decode_table` (ParseError when the cut is not
    certain). A decoded cell keeps the place of the digit group it was cut from and the identities that chose it."""
    given = {row: [x.text for x in items] for row, items in runs.items()}
    result = decode_table(spec, given)
    row_cells = dict(spec.rows)
    out: dict[str, Found] = {}
    for row, items in runs.items():
        cells = [c for r in ((row,) if isinstance(row, str) else row) for c in row_cells[r]]
        if items and isinstance(items[0], Found):
            out.update(zip(cells, items))  # type: ignore[arg-type]
            continue
        groups = iter(cast("list[Token]", items))  # glued digit groups (the other kind was taken above)
        group, left = next(groups), 0
        left = len(group.text)
        for cell in cells:  # walk the cut: each value takes its digits from the current group
            value = result.values[cell]
            if left == 0:
                group = next(groups)
                left = len(group.text)
            left -= len(str(value))
            where = group.where
            out[cell] = Found(str(value), where, result.decoded.get(cell, ()), group.text)
    return out


def _next_block(blocks: list[Block], i: int) -> Block | None:
    return blocks[i + 1] if i + 1 < len(blocks) else None


# --- section 二 -----------------------------------------------------------------------------------------

_CAPTION_NAMES = {"一": C.ART20_ITEM_1, "五": C.ART20_ITEM_5, "六": C.ART20_ITEM_6, "八": C.ART20_ITEM_8}
_S2_FIELD_NAMES = {key(lbl.zh): fld for item in C.S2_ITEMS for fld, lbl in item.fields}
_S2_VOCAB: tuple[Entry, ...] = (
    Entry(re.compile(r"第二十条第\(?([一五六八])\)?项"), "caption", ""),
    *_words("header", ("信息内容", "信息内容")),
    *_words("header", ("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
    *_words("header", ("decisions", "本年处理决定数量"), ("amount_wan", "本年收费金额")),
    Entry(re.compile(r"(?:行政)?规范性文件"), "item", "normative_docs"),
    *(
        Entry(re.compile(re.escape(key(item.label.zh))), "item", item.key)
        for item in C.S2_ITEMS
        if item.key != "normative_docs"
    ),
)
_S2_ITEM = {item.key: item for item in C.S2_ITEMS}


def parse_s2(blocks: list[Block], year: int | None) -> RawCells:
    raw: RawCells = {}
    caption: C.Label | None = None
    captions_seen: set[str] = set()
    columns: dict[str, list[str]] = {}  # caption (simplified) -> field keys in the printed order
    fee_unit = ""
    done: set[str] = set()
    for i, block in enumerate(blocks):
        target: Phrase | None = None
        open_item: Phrase | None = None
        for ph in lex(block.label, _S2_VOCAB):
            if ph.kind == "caption":
                name = re.search(r"[一五六八]", ph.text).group(0)  # type: ignore[union-attr]
                caption = _CAPTION_NAMES[name]
                if caption.zh in captions_seen:
                    raise ParseError("二", caption.zh, "this sub-table caption a second time", "remove the duplicate")
                captions_seen.add(caption.zh)
                columns[caption.zh] = []
            elif ph.kind == "header" and ph.name != "信息内容":
                if caption is None:
                    raise ParseError("二", ph.text, "a column header before any 第二十条 caption")
                columns[caption.zh].append(ph.name)
                if ph.name == "amount_wan":
                    fee_unit = _fee_unit(ph.hint)
            elif ph.kind == "item":
                if open_item is not None:
                    raise ParseError("二", _S2_ITEM[open_item.name].label.zh, "no numbers before the next row label")
                open_item = ph
            if ph.kind != "header" or ph.name != "信息内容":
                target = ph
        if target is not None and target.kind == "item":
            item = _S2_ITEM[target.name]
            _place_s2_item(item, caption, columns, done, raw, block, _next_block(blocks, i), fee_unit)
        elif block.has_values:
            where = target.text if target is not None else (caption.zh if caption else "二")
            raise ParseError(
                "二",
                where,
                f"numbers [{_show(block.trimmed)}] after '{block.raw_label[:40]}'",
                "numbers must follow a row label (规章, 行政规范性文件, 行政许可 …)",
            )
    for item in C.S2_ITEMS:
        if item.key not in done:
            raise ParseError("二", item.label.zh, "no such row", "every row of the four sub-tables is required")
    return raw


def _fee_unit(hint: str) -> str:
    """The unit the fee column's header declares: '' for 万元 (the form's unit), else 元 / 亿元."""
    if "万元" in hint or "元" not in hint:
        return ""
    return "亿元" if "亿元" in hint else "元"


def _place_s2_item(
    item: C.S2Item,
    caption: C.Label | None,
    columns: dict[str, list[str]],
    done: set[str],
    raw: RawCells,
    block: Block,
    following: Block | None,
    fee_unit: str,
) -> None:
    label = item.label.zh
    if caption != item.subtable:
        where = caption.zh if caption else "no caption"
        raise ParseError("二", label, f"the row under '{where}'", f"it belongs under {item.subtable.zh}")
    if item.key in done:
        raise ParseError("二", label, "this row a second time", "remove the duplicate row")
    expected = [fld for fld, _ in item.fields]
    order = columns.get(caption.zh, [])
    if sorted(order) != sorted(expected):
        raise ParseError(
            "二",
            label,
            f"column headers {order or 'none'} under {caption.zh}",
            f"expected the headers {[lbl.zh for _, lbl in item.fields]}",
        )
    if item.kind != "money" and (groups := glued(block, len(expected))) is not None:
        # separators lost ("000", "693665"): section 二 has no identity, so only a forced cut is accepted
        spec = TableSpec("二", ((item.key, tuple(f"s2.{item.key}.{f}" for f in order)),), (), {item.key: label})
        cut = decode(spec, {item.key: groups})
        values = [cut[f"s2.{item.key}.{f}"] for f in order]
    else:
        values = take(block, len(expected), "二", label, following, money=item.kind == "money")
    for fld, found in zip(order, values):
        value = found.text
        if item.kind == "money" and value is not None and fee_unit and not value.endswith("元"):
            value += fee_unit  # the header says 元: normalize_fee converts and notes it
        raw[f"s2.{item.key}.{fld}"] = Found(value, found.where, found.decoded, found.printed)
    done.add(item.key)


# --- section 三 -----------------------------------------------------------------------------------------

_GROUPS: dict[str, tuple[C.Label, tuple[str, ...]]] = {
    "results": (C.S3_RESULTS_GROUP, C.S3_OUTCOME_ROWS),
    **{
        name: (label, tuple(r.key for r in C.S3_ROWS if r.group == label))
        for name, label in (
            ("denied", C.G3_DENIED),
            ("unable", C.G4_UNABLE),
            ("not_handled", C.G5_NOT_HANDLED),
            ("other", C.G6_OTHER),
        )
    },
}
_ROW_INDEX = {row.key: i for i, row in enumerate(C.S3_ROWS)}
_S3_HEADER = (
    ("申请人情况", "申请人情况"),
    ("自然人", "自然人"),
    ("法人或其他组织", "法人或其他组织"),
    ("商业企业", "商业企业"),
    ("科研机构", "科研机构"),
    ("社会公益组织", "社会公益组织"),
    ("法律服务机构", "法律服务机构"),
    ("其他", "其他"),
    ("总计", "总计"),
    ("corner", r"\(?本列数据的勾稽关系为[^()]*\)?"),
)
_S3_VOCAB: tuple[Entry, ...] = (
    *_words("header", *_S3_HEADER, hints=False),
    *(_label_entry(label, "group", name) for name, (label, _) in _GROUPS.items()),
    *(
        _label_entry(row.label, "row", row.key, enumerator_required=row.key in ("other_other", "total_processed"))
        for row in C.S3_ROWS
    ),
    *_words("subtotal", ("subtotal", r"(?:其中)?(?:小计|合计)")),
)
_LEGAL_ORDER = re.compile("商业企业.*科研机构.*社会公益组织.*法律服务机构.*其他")


def _row_label(i: int) -> str:
    row = C.S3_ROWS[i]
    return f"{row.group.zh} {row.label.zh}" if row.group else row.label.zh


_LEGAL_WORDS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构")
_LEGAL_CHARS = Counter("".join(_LEGAL_WORDS) + "其他")


def _check_s3_header(parts: list[str]) -> None:
    """The seven official column headers. Their order is the form's (values are read by position), so this only
    checks that the table is the 2021 matrix. A PDF's text layer interleaves two-line headers ("商业 科研 / 企业
    机构"): then every character of the five 法人或其他组织 headers must still be there."""
    text = "".join(parts)
    garbled = not all(word in text for word in _LEGAL_WORDS)  # a clean header in another order is refused
    legal = _LEGAL_ORDER.search(text) or (garbled and not (_LEGAL_CHARS - Counter(text)))
    if not (legal and "自然人" in text and "总计" in text):
        raise ParseError(
            "三",
            "表头 (column headers)",
            f"'{text[:80] or 'nothing'}'",
            "expected 自然人, 法人或其他组织 (商业企业 科研机构 社会公益组织 法律服务机构 其他) and 总计",
        )


def parse_s3(blocks: list[Block], year: int | None) -> RawCells:
    """Section 三 read by its row labels; when that fails, by the order of its rows (:func:`align_s3`)."""
    try:
        return _parse_s3_by_labels(blocks, year)
    except OldFormatError:
        raise
    except ParseError as err:
        aligned = align_s3(blocks)
        if aligned is None:
            raise err from None
        return aligned


def _parse_s3_by_labels(blocks: list[Block], year: int | None) -> RawCells:
    raw: RawCells = {}
    rows: dict[str, list[Found]] = {}
    nxt = 0  # index of the row expected next
    header: list[str] = []
    group: str | None = None
    subtotals: list[tuple[str, list[Found], str]] = []  # (group, values, label as printed)
    pending: dict[str, list[Token]] = {}  # rows whose separators were lost: digit groups to cut
    for i, block in enumerate(blocks):
        target: Phrase | None = None
        open_row: int | None = None
        for ph in lex(block.label, _S3_VOCAB):
            if ph.kind == "row":
                j = _ROW_INDEX[ph.name]
                if open_row is not None:
                    raise ParseError("三", _row_label(open_row), "no numbers before the next row label")
                if j == 0 and nxt == 0:
                    _check_s3_header(header)
                if j != nxt and j == _TOTAL_AT and nxt == _OTHER_AT and (single := _pop_single(subtotals)):
                    rows[SINGLE_OTHER_ROW] = single  # (六)其他处理 printed as one row, its sub-rows absent
                    if single and isinstance(single[0], Token):
                        pending[SINGLE_OTHER_ROW], rows[SINGLE_OTHER_ROW] = single, []  # type: ignore[assignment]
                    nxt = j
                if j != nxt:
                    _wrong_row(j, nxt, subtotals, year)
                open_row, nxt = j, nxt + 1
            elif ph.kind == "group":
                if open_row is not None:
                    raise ParseError("三", _row_label(open_row), "no numbers before the next label")
                group = ph.name
            elif ph.kind == "header" and nxt == 0:
                header.append(ph.name)
            elif ph.kind == "unknown" and nxt == 0:
                header.append(ph.text)
            target = ph
        if target is not None and target.kind == "row":
            row_key = target.name
            if (groups := glued(block, 7)) is not None:
                pending[row_key], rows[row_key] = groups, []  # cut apart below, with the whole table's identities
            else:
                rows[row_key] = take(block, 7, "三", _row_label(_ROW_INDEX[row_key]), _next_block(blocks, i))
        elif not block.has_values:
            continue
        elif target is not None and target.kind in ("group", "subtotal"):
            if group is None:
                raise ParseError("三", block.raw_label, "a subtotal row before any row group")
            if group == "other" and (groups := glued(block, 7)) is not None:  # a single (六) row, glued
                subtotals.append((group, groups, block.raw_label))  # type: ignore[arg-type]
                continue
            subtotals.append((group, take(block, 7, "三", block.raw_label, _next_block(blocks, i)), block.raw_label))
        elif nxt == 0:
            raise ParseError("三", "表头 (column headers)", f"numbers [{_show(block.trimmed)}] before the first row")
        else:
            where = _row_label(nxt) if nxt < len(C.S3_ROWS) else "after " + _row_label(nxt - 1)
            raise ParseError(
                "三",
                where,
                f"the unrecognised label '{block.raw_label[:60]}' followed by numbers",
                "row labels must be the official ones (a hint in parentheses after them is fine)",
            )
    if nxt < len(C.S3_ROWS):
        _wrong_row(None, nxt, subtotals, year)
    if pending:
        rows = _decode_s3(rows, pending)
    for row_key, values in rows.items():
        for col, value in zip(C.S3_COL_KEYS, values):
            raw[C.s3(row_key, col)] = value
    for name, values, label in subtotals:
        _check_subtotal(name, values, label, rows)
    return raw


# (六)其他处理 printed as ONE row instead of its three sub-rows: a non-standard 2021 table. Its seven values are
# kept under these keys (not cells of the form; intake.published moves them to CanonicalReturn.other_single_row)
# and the three sub-rows stay missing: validation names the deviation in a finding of its own.
SINGLE_OTHER_ROW = SINGLE_ROW  # its cells s3.other_single.<col>, as validation names them (schemas.single_row)
_OTHER_AT = _ROW_INDEX["other_no_correction"]
_TOTAL_AT = _ROW_INDEX["total_processed"]


def _decode_s3(rows: dict[str, list[Found]], pending: dict[str, list[Token]]) -> dict[str, list[Found]]:
    """Section 三 with its glued rows cut apart by A1, A2 and A3 (a single (六) row counts as an outcome row)."""
    keys = list(rows)
    outcomes = [r for r in keys if r in C.S3_OUTCOME_ROWS or r == SINGLE_OTHER_ROW]
    spec = s3_spec(rows=keys, outcome_rows=outcomes, labels={SINGLE_OTHER_ROW: C.G6_OTHER.zh})
    found = decode(spec, {r: pending.get(r) or rows[r] for r in keys})  # type: ignore[misc]
    return {r: [found[C.s3(r, c)] for c in C.S3_COL_KEYS] for r in keys}


def _pop_single(subtotals: list[tuple[str, list[Found], str]]) -> list[Found] | None:
    """The values of a (六) row standing alone (read as a group row with numbers), taken out of ``subtotals``."""
    for i, (group, values, _) in enumerate(subtotals):
        if group == "other":
            del subtotals[i]
            return values
    return None


# --- section 三 by the order of its rows -----------------------------------------------------------------------
#
# A PDF's text layer (or a copy of it) sets a tall cell's label at its vertical middle, so a row's values may
# come before its label, between the halves of a wrapped label, or beside a character of a vertical group label
# ("本 3.危及“三安全一稳定”"); a typo may hide a label ("2.其他法律行政止公开"). Every row still prints its seven
# values on a run of their own, in the order of the form. So when the labels cannot anchor the rows, the runs are
# assigned to the rows in order — but only when that cannot be wrong: exactly one run of seven per row of the form
# and nothing else with numbers, the labels that are recognised in the form's order, each one between the runs
# of the rows before and after it, and most rows recognised.

_MIN_RECOGNISED = 0.8


def _runs_of(values: list[Token]) -> list[list[Token]]:
    """The value runs of a block: one per line when the block's values come as whole lines of seven (two rows whose
    labels were set elsewhere), else the block's values as one run."""
    by_line: dict[int, list[Token]] = {}
    for tok in values:
        by_line.setdefault(tok.line, []).append(tok)
    lines = list(by_line.values())
    if len(lines) > 1 and all(len(line) == 7 for line in lines):
        return lines
    return [values] if values else []


def align_s3(blocks: list[Block]) -> RawCells | None:
    """Section 三 read by row order, or None when the order does not decide every row (see above)."""
    runs: list[tuple[int, list[Token]]] = []  # (position, values); a block's label sits at 2i, its values at 2i+1
    labels: list[tuple[int, int]] = []  # (position, row index)
    group_single = False
    header: list[str] = []
    for i, block in enumerate(blocks):
        for ph in lex(block.label, _S3_VOCAB):
            if ph.kind == "row":
                labels.append((2 * i, _ROW_INDEX[ph.name]))
            elif ph.kind == "group" and ph.name == "other":
                group_single = True
            elif not labels and ph.kind in ("header", "unknown"):
                header.append(ph.name if ph.kind == "header" else ph.text)
        for values in _runs_of(block.trimmed):
            if len(values) != 7 or any(t.kind == "bad" for t in values):
                return None
            runs.append((2 * i + 1, values))
    found = [row for _, row in labels]
    if found != sorted(found) or len(set(found)) != len(found):
        return None  # a label out of the form's order, or twice
    keys = [r.key for r in C.S3_ROWS]
    sub_rows = {"other_no_correction", "other_fee_unpaid", "other_other"}
    if len(runs) == len(keys) - 2 and group_single and not sub_rows & {keys[r] for r in found}:
        keys = [k for k in keys if k not in sub_rows]
        keys.insert(_OTHER_AT, SINGLE_OTHER_ROW)
    if len(runs) != len(keys) or len(found) < _MIN_RECOGNISED * len(keys):
        return None
    at = {key: n for n, key in enumerate(keys)}
    for pos, row in labels:
        n = at.get(C.S3_ROWS[row].key)
        if n is None:
            return None
        before = runs[n - 1][0] if n > 0 else -1
        after = runs[n + 1][0] if n + 1 < len(runs) else 10**9
        if not before < pos < after:
            return None  # the label is not beside its row's values
    try:
        _check_s3_header(header)
    except ParseError:
        return None
    raw: RawCells = {}
    for row_key, (_, values) in zip(keys, runs):
        for col, tok in zip(C.S3_COL_KEYS, values):
            raw[C.s3(row_key, col)] = Found(None if tok.kind in ("blank", "empty") else tok.text, tok.where)
    return raw


def _wrong_row(
    found: int | None, expected: int, subtotals: list[tuple[str, list[Found], str]], year: int | None
) -> None:
    """Raise for a row found out of place (or ``found=None``: the table ended early)."""
    if C.S3_ROWS[expected].key == "other_no_correction" and any(g == "other" for g, _, _ in subtotals):
        # (六)其他处理 carried numbers of its own and its three sub-rows are absent: the 2019 trial form
        raise OldFormatError("2019-trial", "(六)其他处理", year, section="三")
    if found is None:
        raise ParseError(
            "三",
            _row_label(expected),
            "no such row (the table ends before it)",
            "all 25 rows of the 2021 form are required",
        )
    if found < expected:
        raise ParseError(
            "三",
            _row_label(found),
            "this row a second time (or rows out of order)",
            "each row must appear once, in the official order",
        )
    raise ParseError(
        "三",
        _row_label(expected),
        f"the row '{_row_label(found)}' where this row was expected",
        "a row is missing or the rows are out of order; each row must appear once, in the official order",
    )


def _as_int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.replace(",", "")
    return int(text) if re.fullmatch(r"\d+", text) else None


def _check_subtotal(name: str, found: list[Found], label: str, rows: dict[str, list[Found]]) -> None:
    """A subtotal row is dropped only when it is exactly the sum of its group's rows in all seven columns."""
    group_label, members = _GROUPS[name]
    values = [f.text for f in found]
    sums: list[int | None] = []
    for col in range(7):
        parts = [_as_int(rows[r][col].text) for r in members]
        sums.append(None if any(p is None for p in parts) else sum(p for p in parts if p is not None))
    mine = [_as_int(v) for v in values]
    if mine != sums or any(v is None for v in mine):
        raise ParseError(
            "三",
            label,
            f"a row [{' | '.join(str(v) for v in values)}] under {group_label.zh} that the form does not "
            f"have and that is not the sum of its rows [{' | '.join(str(s) for s in sums)}]",
            "remove the subtotal row (the 2021 form has no subtotals for (三)…(六))",
        )


# --- section 四 -----------------------------------------------------------------------------------------

_S4_ORDER = ("行政复议", "未经复议直接起诉", "复议后起诉")


def parse_s4(blocks: list[Block], year: int | None) -> RawCells:
    with_values = [i for i, b in enumerate(blocks) if b.has_values]
    if len(with_values) != 1:
        found = (
            "no numbers"
            if not with_values
            else f"{len(with_values)} separate runs of numbers: "
            + "; ".join(f"'{blocks[i].raw_label[:20]}' [{_show(blocks[i].trimmed)}]" for i in with_values)
        )
        raise ParseError("四", "数据行 (data row)", found, "section 四 is one row of 15 numbers under its headers")
    i = with_values[0]
    header = "".join(b.label for b in blocks[: i + 1])
    positions = [header.find(word) for word in _S4_ORDER]
    if "行政诉讼" not in header or min(positions) < 0 or positions != sorted(positions):
        raise ParseError(
            "四",
            "表头 (group headers)",
            f"'{header[:80] or 'nothing'}'",
            "expected 行政复议, then 行政诉讼 with 未经复议直接起诉 and 复议后起诉, before the 15 numbers",
        )
    keys = [C.s4(g, r) for g in C.S4_GROUP_KEYS for r in C.S4_RESULT_KEYS]
    if (groups := glued(blocks[i], 15)) is not None:  # the row's separators were lost: cut it by L1
        decoded = decode(s4_spec(), {tuple(C.S4_GROUP_KEYS): groups})
        return {k: decoded[k] for k in keys}
    values = take(blocks[i], 15, "四", "数据行 (data row)", _next_block(blocks, i))
    return dict(zip(keys, values))


SECTION_PARSERS: dict[str, Callable[[list[Block], int | None], RawCells]] = {
    "二": parse_s2,
    "三": parse_s3,
    "四": parse_s4,
}
