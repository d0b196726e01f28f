"""Glued digits: table cells printed without the separators between them ("640020470" = 64|0|0|2|0|4|70).

Some portals and copies lose the cell borders of the report's tables, so a row's seven figures reach us as one
run of digits (or a few runs, where a space survived). This module gets them back, or refuses:

- :func:`split_glued_text` cuts a line where labels and digits run together into label pieces and digit groups;
- :func:`splits` lists every way to cut digit groups into n numbers;
- :func:`decode_table` picks, for every glued row of a table, the one cut that the form's identities allow.

The identities are data (:class:`Identity`, built by :func:`s3_spec` / :func:`s4_spec` / :func:`s2_spec`), so a
table with a non-standard row list is decoded by the same code. A cut is accepted only when it is the *only* one
consistent with every identity; the identities used to choose it are returned with the values, because an
identity that decoded a cell cannot also vouch for it (the audit reports it as not independently checked).
Pure: no I/O.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from intake.published_errors import ParseError
from schemas import cells as C
from schemas.errors import NianbaoError

# --- bounds ---------------------------------------------------------------------------------------------------

# splits(): a 7-cell row of figures under 100 has at most 14 digits, i.e. at most C(13, 6) = 1,716 cuts; 10,000
# leaves room for a few 3-digit figures. Beyond that a bare list of cuts is useless to a reader, and the decoder
# does not need it (it searches with the identities pruning, below).
SPLIT_LIMIT = 10_000
# decode_table(), per glued run: pieces tried by the pruned search. A row of 5-digit figures (36 digits, 1.4 million
# cuts) stays well inside it (steps and seconds in benchmarks/README.md, measured choices). Units that large are
# rare and print their tables properly; a run needing more is refused, not guessed.
SEARCH_LIMIT = 200_000
# decode_table(), joint stage: combinations of the ambiguous rows' candidates. Real ambiguity is one to three rows
# with two or three candidates each; the more combinations are tried, the likelier a wrong one satisfies the
# column identities by chance, so a "unique" survivor among many is weak evidence. Refuse beyond this.
JOINT_LIMIT = 10_000
SHOW = 6  # candidate splits quoted in a refusal


class TooManySplits(NianbaoError, ValueError):
    """More ways to cut the digits than the bound allows (``count`` says how many)."""

    def __init__(self, count: int, limit: int) -> None:
        self.count = count
        super().__init__(f"{count} ways to cut the digits, more than the limit of {limit}")


# --- splits -----------------------------------------------------------------------------------------------------


def _check_groups(groups: Sequence[str]) -> None:
    for g in groups:
        if not (isinstance(g, str) and g.isascii() and g.isdigit()):
            raise ValueError(f"not a digit group: {g!r}")


def _group_ways(group: str, n: int) -> list[int]:
    """ways[k]: cuts of one digit group into k numbers without leading zeros (k = 0..n)."""
    size = len(group)
    f = [[0] * (n + 1) for _ in range(size + 1)]  # f[i][k]: cuts of group[i:] into k numbers
    f[size][0] = 1
    for i in range(size - 1, -1, -1):
        ends = (i + 1,) if group[i] == "0" else range(i + 1, size + 1)  # a piece starting with 0 is "0" itself
        for j in ends:
            for k in range(1, n + 1):
                f[i][k] += f[j][k - 1]
    return f[0]


def count_splits(groups: Sequence[str], n: int) -> int:
    """How many ways :func:`splits` would return, counted without listing them."""
    _check_groups(groups)
    total = [1] + [0] * n
    for g in groups:
        ways = _group_ways(g, n)
        total = [sum(total[a] * ways[k - a] for a in range(k + 1)) for k in range(n + 1)]
    return total[n]


def splits(groups: Sequence[str], n: int, limit: int = SPLIT_LIMIT) -> list[tuple[int, ...]]:
    """Every way to cut the digit groups into exactly ``n`` numbers, sorted.

    The boundaries between groups (separators that survived) are kept as cuts; a number has no leading zero
    ("0" is fine, "05" is not). Raises :class:`TooManySplits` when there are more than ``limit`` ways.
    """
    count = count_splits(groups, n)
    if count > limit:
        raise TooManySplits(count, limit)
    return sorted(_search(list(groups), n, (), limit * (n + 1) + 1))


# --- identities and tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Σ lhs = Σ rhs over cell keys, named as the audit names it ("A1:granted", "A2:total", "L1:review")."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    def holds(self, values: Mapping[str, int | Decimal | None]) -> bool:
        return sum(values[k] for k in self.lhs) == sum(values[k] for k in self.rhs)  # type: ignore[misc]


@dataclass(frozen=True)
class TableSpec:
    """A table to decode: its rows in order (row key, the row's cell keys in column order) and its identities."""

    section: str  # 二 / 三 / 四, for messages
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    identities: tuple[Identity, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # row key -> label as printed, for messages

    def label(self, row: str) -> str:
        return self.labels.get(row, row)


def s3_spec(
    rows: Sequence[str] = C.S3_ROW_KEYS,
    outcome_rows: Sequence[str] = C.S3_OUTCOME_ROWS,
    labels: Mapping[str, str] | None = None,
) -> TableSpec:
    """Section 三 with A1 (each row: total = Σ six applicant columns), A2 (each column: (七)总计 = Σ outcome rows)
    and A3 (each column: new_received + carried_in = total_processed + carried_out).

    ``rows`` / ``outcome_rows`` default to the official 25 / 21; a report printing (六)其他处理 as one row passes
    its own lists (19 outcome rows + that row) and a label for it.
    """
    cols, applicant = C.S3_COL_KEYS, C.S3_APPLICANT_COLS
    ids = [Identity(f"A1:{r}", (C.s3(r, "total"),), tuple(C.s3(r, c) for c in applicant)) for r in rows]
    if "total_processed" in rows:
        ids += [
            Identity(f"A2:{c}", (C.s3("total_processed", c),), tuple(C.s3(r, c) for r in outcome_rows)) for c in cols
        ]
    if {"new_received", "carried_in", "total_processed", "carried_out"} <= set(rows):
        ids += [
            Identity(
                f"A3:{c}",
                (C.s3("new_received", c), C.s3("carried_in", c)),
                (C.s3("total_processed", c), C.s3("carried_out", c)),
            )
            for c in cols
        ]
    names = {r.key: r.label.zh for r in C.S3_ROWS} | dict(labels or {})
    return TableSpec("三", tuple((r, tuple(C.s3(r, c) for c in cols)) for r in rows), tuple(ids), names)


def s4_spec() -> TableSpec:
    """Section 四 with L1 (each group: total = upheld + corrected + other + pending)."""
    parts = [r for r in C.S4_RESULT_KEYS if r != "total"]
    ids = tuple(Identity(f"L1:{g}", (C.s4(g, "total"),), tuple(C.s4(g, r) for r in parts)) for g in C.S4_GROUP_KEYS)
    rows = tuple((g, tuple(C.s4(g, r) for r in C.S4_RESULT_KEYS)) for g in C.S4_GROUP_KEYS)
    return TableSpec("四", rows, ids, {g.key: g.label.zh for g in C.S4_GROUPS})


def s2_spec() -> TableSpec:
    """Section 二: no identity, so a glued row decodes only when its cut is forced ("000" -> 0, 0, 0)."""
    rows = tuple((item.key, tuple(f"s2.{item.key}.{f}" for f, _ in item.fields)) for item in C.S2_ITEMS)
    return TableSpec("二", rows, (), {item.key: item.label.zh for item in C.S2_ITEMS})


# --- the decoder ------------------------------------------------------------------------------------------------

Value = int | Decimal | None
Given = str | int | None  # a digit group, a separate value (number text or int), or None for a blank cell


@dataclass(frozen=True)
class Decoded:
    """The cells of the rows given, and for each *decoded* cell (its group held more than one cell) the identities
    used to choose its value — () when the cut was forced. Cells of rows printed separately are not in
    ``decoded``."""

    values: dict[str, Value]
    decoded: dict[str, tuple[str, ...]]

    @property
    def used_identities(self) -> frozenset[str]:
        """Identities that decoded something: the audit must report them as not independently checked."""
        return frozenset(name for names in self.decoded.values() for name in names)


@dataclass
class _Run:
    """A glued stretch: one row (or several consecutive rows printed with no label between, as section 四)."""

    label: str
    cells: tuple[str, ...]
    groups: list[str]
    raw: int = 0  # cuts ignoring the identities
    inner: tuple[Identity, ...] = ()  # identities inside the run that chose its cut
    candidates: list[tuple[int, ...]] = field(default_factory=list)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _value(token: Given, section: str, label: str) -> Value:
    if token is None or isinstance(token, int):
        return token
    text = token.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ParseError(section, label, f"'{token}' where a number should be", "write a plain number")
    return Decimal(text) if "." in text else int(text)


def _show(cuts: Sequence[tuple[int, ...]], total: int | None = None) -> str:
    total = len(cuts) if total is None else total
    shown = ", ".join("|".join(map(str, c)) for c in cuts[:SHOW])
    return shown + (f" and {total - min(total, SHOW)} more" if total > SHOW else "")


def _raw_cuts(run: _Run) -> str:
    """The run's cuts ignoring identities, for a refusal (first few and the count)."""
    first = list(itertools.islice(_iter(run.groups, len(run.cells), ()), SHOW))
    return f"{run.raw} possible cut(s): {_show(first, run.raw)}"


def decode_table(
    spec: TableSpec,
    runs: Mapping[str | tuple[str, ...], Sequence[Given]],
    *,
    search_limit: int = SEARCH_LIMIT,
    joint_limit: int = JOINT_LIMIT,
) -> Decoded:
    """Place the values of ``runs`` into their cells, decoding glued rows, or raise ParseError naming the row.

    ``runs`` maps a row key (or a tuple of consecutive row keys printed as one stretch) to its tokens in order.
    As many tokens as cells: the row is separate and taken as is. Fewer: every token must be a digit group and
    the row is decoded. More: refused. Pass the separate rows too — the column identities need them.

    1. Each glued run's candidates are its cuts satisfying the identities that lie inside it (A1 / L1).
    2. Runs left with several candidates are resolved together by the other identities (A2, A3): accepted only if
       exactly one combination satisfies them all.
    3. Decoding by identities assumes the figures are consistent. So every identity touching a cell decoded that
       way must hold; if one fails, the figures are wrong somewhere and the cut cannot be trusted: refused, never
       "repaired". A forced cut (one way only) needs no identity and is kept even if an identity fails — that is
       the audit's finding, as for any printed table.
    """
    row_cells = dict(spec.rows)
    values: dict[str, Value] = {}
    glued: list[_Run] = []
    seen: set[str] = set()
    for key, tokens in runs.items():
        rows = (key,) if isinstance(key, str) else tuple(key)
        if not set(rows) <= set(row_cells) or seen & set(rows) or len(set(rows)) < len(rows):
            raise ValueError(f"rows {rows!r}: unknown to the table, or given twice")  # a caller's mistake
        seen |= set(rows)
        cells = tuple(c for r in rows for c in row_cells[r])
        label = " / ".join(spec.label(r) for r in rows)
        shown = " ".join("-" if t is None else str(t) for t in tokens)
        if len(tokens) == len(cells):
            values.update((c, _value(t, spec.section, label)) for c, t in zip(cells, tokens))
        elif len(tokens) > len(cells):
            raise ParseError(spec.section, label, f"{len(tokens)} values [{shown}]", f"the row has {len(cells)} cells")
        elif not all(isinstance(t, str) and t.isascii() and t.isdigit() for t in tokens):
            raise ParseError(
                spec.section,
                label,
                f"{len(tokens)} values [{shown}] for {len(cells)} cells",
                "only bare digit groups can be decoded; a blank, a decimal or a separator inside glued digits "
                "leaves the cells' positions unknown",
            )
        else:
            glued.append(_Run(label, cells, list(tokens)))  # type: ignore[arg-type]

    known = set(values) | {c for run in glued for c in run.cells}
    usable = [
        i
        for i in spec.identities
        if set(i.cells) <= known and all(values.get(k, 0) is not None for k in i.cells)  # a blank: not evaluable
    ]

    # 1. each run by the identities inside it
    for run in glued:
        n = len(run.cells)
        run.raw = count_splits(run.groups, n)
        if run.raw == 0:
            raise ParseError(
                spec.section,
                run.label,
                f"'{' '.join(run.groups)}' for {n} cells",
                "too few digits, or a leading zero that no cut can avoid",
            )
        if run.raw == 1 and (len(run.groups) == 1 or not _cuts_a_number(run.groups, next(_iter(run.groups, n, ())))):
            # forced: the whole row is one digit group, or every group it cuts could not be one number ("000")
            run.candidates = list(_iter(run.groups, n, ()))
            continue
        run.inner = tuple(i for i in usable if set(i.cells) <= set(run.cells))
        if run.raw == 1 and not run.inner:
            raise ParseError(
                spec.section,
                run.label,
                f"'{' '.join(run.groups)}' for {n} cells",
                "only one cut fits, but it splits a group that is a number by itself: a value may have been dropped "
                "instead, and no identity can tell; the row must be printed with every cell",
            )
        try:
            run.candidates = _search(run.groups, n, _local(run.inner, run.cells), search_limit)
        except _TooLarge:
            raise ParseError(
                spec.section,
                run.label,
                f"'{' '.join(run.groups)}' for {n} cells ({run.raw} possible cuts)",
                f"searching them took more than {search_limit} steps; the row must be printed with separators",
            ) from None
        if not run.candidates:
            names = ", ".join(i.name for i in run.inner) or "none"
            raise ParseError(
                spec.section,
                run.label,
                f"'{' '.join(run.groups)}' for {n} cells",
                f"no cut satisfies its identities ({names}): the printed figures are inconsistent, so the glued "
                f"row cannot be decoded; {_raw_cuts(run)}",
            )

    # 2. ambiguous runs jointly, by the identities that cross them
    for run in glued:
        if len(run.candidates) == 1:
            values.update(zip(run.cells, run.candidates[0]))
    ambiguous = [r for r in glued if len(r.candidates) > 1]
    joint: tuple[Identity, ...] = ()
    if ambiguous:
        amb_cells = {c for r in ambiguous for c in r.cells}
        joint = tuple(i for i in usable if amb_cells & set(i.cells) and not any(i in r.inner for r in ambiguous))
        _resolve(spec.section, ambiguous, joint, values, joint_limit)

    # 3. identities touching cells decoded by identities must hold
    by_identity = {c: run for run in glued if run.inner or run.raw > 1 for c in run.cells}
    for ident in usable:
        touched = {by_identity[c].label: by_identity[c] for c in ident.cells if c in by_identity}
        if touched and not ident.holds(values):
            lhs, rhs = (sum(values[k] for k in side) for side in (ident.lhs, ident.rhs))  # type: ignore[misc]
            first = next(iter(touched.values()))
            raise ParseError(
                spec.section,
                first.label,
                f"'{' '.join(first.groups)}' decoded as {_show([_cut(first, values)])}",
                f"{ident.name} fails ({lhs} ≠ {rhs}) in a table whose glued rows were decoded by its identities: the "
                f"figures are inconsistent, so the cuts of {', '.join(touched)} cannot be trusted; "
                f"{_raw_cuts(first)}",
            )

    decoded = {}
    for run in glued:
        used = (
            ()
            if not run.inner and len(run.candidates) == 1 and run.raw == 1
            else run.inner + (joint if len(run.candidates) > 1 else ())
        )
        identities = tuple(i.name for i in used)
        decoded.update({c: identities for c in run.cells})
    return Decoded(values, decoded)


def _cuts_a_number(groups: Sequence[str], cut: tuple[int, ...]) -> bool:
    """Does ``cut`` split a group that could also be read as one number ("16" -> 1|6)? Then the cut is not forced
    by the digits alone: a value may as well have been dropped elsewhere in a row whose separators are all there,
    so the row's identities must decide (and hold). "000" -> 0|0|0 is forced: "000" is no number."""
    values = iter(cut)
    for group in groups:
        taken, parts = 0, 0
        while taken < len(group):
            taken += len(str(next(values)))
            parts += 1
        if parts > 1 and (group == "0" or not group.startswith("0")):
            return True
    return False


def _cut(run: _Run, values: Mapping[str, Value]) -> tuple[int, ...]:
    return tuple(values[c] for c in run.cells)  # type: ignore[misc]


def _resolve(
    section: str, ambiguous: list[_Run], joint: tuple[Identity, ...], values: dict[str, Value], limit: int
) -> None:
    """Choose one candidate per ambiguous run so that every joint identity holds; exactly one choice, or refuse."""

    def listing() -> str:
        return "; ".join(f"{r.label}: {len(r.candidates)} candidates {_show(r.candidates)}" for r in ambiguous)

    first = ambiguous[0]
    found = f"'{' '.join(first.groups)}' for {len(first.cells)} cells"
    if not joint:
        raise ParseError(section, first.label, found, f"no identity tells the cuts apart: {listing()}")
    combos = math.prod(len(r.candidates) for r in ambiguous)
    if combos > limit:
        raise ParseError(
            section,
            first.label,
            found,
            f"{combos} combinations of candidate cuts, more than the {limit} the decoder tries: {listing()}",
        )
    solutions: list[tuple[tuple[int, ...], ...]] = []
    trial = dict(values)
    for combo in itertools.product(*(r.candidates for r in ambiguous)):
        for run, cut in zip(ambiguous, combo):
            trial.update(zip(run.cells, cut))
        if all(i.holds(trial) for i in joint):
            solutions.append(combo)
            if len(solutions) > 1:
                break
    if len(solutions) != 1:
        why = "no combination of candidates satisfies" if not solutions else "more than one combination satisfies"
        names = ", ".join(i.name for i in joint)
        # name the first run the solutions disagree on (or the first ambiguous run)
        at = next((r for k, r in enumerate(ambiguous) if len({s[k] for s in solutions}) > 1), first)
        raise ParseError(
            section,
            at.label,
            f"'{' '.join(at.groups)}' for {len(at.cells)} cells",
            f"{why} the identities {names}: {listing()}",
        )
    for run, cut in zip(ambiguous, solutions[0]):
        values.update(zip(run.cells, cut))


# --- the search: right to left, pruned by the identities inside the run -------------------------------------------


class _TooLarge(Exception):
    pass


def _local(identities: Sequence[Identity], cells: Sequence[str]) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    pos = {c: i for i, c in enumerate(cells)}
    return tuple((tuple(pos[k] for k in i.lhs), tuple(pos[k] for k in i.rhs)) for i in identities)


def _iter(groups: Sequence[str], n: int, ids: tuple, limit: int = 10**9) -> Iterator[tuple[int, ...]]:
    """Cuts of ``groups`` into ``n`` numbers satisfying the positional identities ``ids``.

    Cells are placed from the right because totals come last (A1, L1): once a total is placed, its parts can be
    pruned as soon as their running sum exceeds it (counts are never negative). ``limit`` bounds the pieces tried.
    """
    before = [0]
    for g in groups:
        before.append(before[-1] + len(g))  # digits in the groups before group i: before[i]
    touching = [[k for k, (lhs, rhs) in enumerate(ids) if i in lhs or i in rhs] for i in range(n)]
    vals: list[int | None] = [None] * n
    tried = 0

    def consistent(i: int) -> bool:
        for k in touching[i]:
            lhs, rhs = ids[k]
            left = [vals[j] for j in lhs]
            right = [vals[j] for j in rhs]
            if None not in left and None not in right:
                if sum(left) != sum(right):  # type: ignore[arg-type]
                    return False
            elif len(lhs) == 1 and left[0] is not None and sum(v for v in right if v is not None) > left[0]:
                return False  # the parts placed so far already exceed their total
        return True

    def reachable(i: int, digits_left: int) -> bool:
        """Can cells 0..i-1 still add up? When they are all parts of one placed total, the digits left must be able
        to make what that total still lacks: their sum is at least 10^(w-1) when the widest of them needs w >= 2
        digits, and below 10^(d-i+1) + 9i when one takes all the spare digits."""
        remaining = set(range(i))
        for lhs, rhs in ids:
            if len(lhs) != 1 or vals[lhs[0]] is None:
                continue
            if {j for j in rhs if vals[j] is None} != remaining or not remaining:
                continue
            lacking = vals[lhs[0]] - sum(vals[j] for j in rhs if vals[j] is not None)  # type: ignore[operator]
            widest = -(-digits_left // i)
            if widest >= 2 and lacking < 10 ** (widest - 1):
                return False
            if lacking >= 10 ** (digits_left - i + 1) + 9 * i:
                return False
        return True

    def place(g: int, end: int, i: int) -> Iterator[tuple[int, ...]]:
        nonlocal tried
        if i < 0:
            yield tuple(vals)  # type: ignore[arg-type]
            return
        digits = groups[g]
        for start in range(end - 1, -1, -1):
            if digits[start] == "0" and start != end - 1:
                continue  # "05" is not a number
            groups_left = g + (start > 0)  # every remaining group needs a cell of its own
            if not groups_left <= i <= start + before[g]:  # i cells remain for that many groups and digits
                continue
            tried += 1
            if tried > limit:
                raise _TooLarge
            vals[i] = int(digits[start:end])
            if consistent(i) and reachable(i, start + before[g]):
                if start > 0:
                    yield from place(g, start, i - 1)
                else:
                    yield from place(g - 1, len(groups[g - 1]) if g > 0 else 0, i - 1)
            vals[i] = None

    if not groups or n <= 0:
        return
    yield from place(len(groups) - 1, len(groups[-1]), n - 1)


def _search(groups: Sequence[str], n: int, ids: tuple, limit: int) -> list[tuple[int, ...]]:
    return sorted(_iter(groups, n, ids, limit))


# --- labels and digits glued in text --------------------------------------------------------------------------------

_OPEN, _CLOSE = "（([【〔［《「『“", "）)]】〕］》」』”"
# A number directly before one of these is a quantity in the label's own text ("2021年", "第3项", "5件"), never a
# cell: no row or column label of the 2021 form begins with one of these characters.
_BOUND_AFTER = frozenset("年月日号號時时分秒条條款项項章节節届屆次个個件份人名家层層期批%％倍周天歲岁")
_JOINERS = frozenset("-/:~～－—–")  # digits joined by these are a date, time, range or document number
_MARKS = frozenset(".、．")  # enumerator marks: "2.其他", "2、其他"
_RUN = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|亿元|元|萬元|億元)?")


def split_glued_text(text: str) -> list[str]:
    """Cut a table-region line into label pieces and digit groups, in order.

    Whitespace is a separator and is kept as a cut ("500000 5" gives two groups). Within a piece, a run of digits
    is a value — a digit group for the decoder, or one number such as "24252.311082", "1,234" or "746.8万元" —
    unless it belongs to the label's own text:

    - inside brackets or quotes: "（本列数据…）", "(1)", "“3安全1稳定”";
    - after 第 ("第20条") or touching a Latin letter ("5G", "OA2");
    - joined to other digits by "-", "/", ":" or "~" ("2024-02-20", "09:37", "2021-2035", "14258248/2023-00042");
    - before a unit that numbers text, not cells ("2021年", "3项", "5件"; see ``_BOUND_AFTER``);
    - a one-digit enumerator: digits followed by "." / "、" / "．" and then a non-digit are a row's digits plus the
      next label's enumerator, so "00000002.其他" is "0000000" + "2.其他" (the form's sub-rows are numbered 1–8,
      never 10 or more), and a lone "1." after label text is label.

    Expects NFKC text (as the tokenizer makes it) and a table region: narrative text is not a table's.
    """
    out: list[str] = []
    for chunk in text.split():
        out += _split_chunk(chunk)
    return out


def _split_chunk(s: str) -> list[str]:
    pieces: list[str] = []
    label: list[str] = []
    depth, i = 0, 0

    def flush() -> None:
        if label:
            pieces.append("".join(label))
            label.clear()

    while i < len(s):
        ch = s[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)  # a stray closer must not make later digits label text
        elif "0" <= ch <= "9" and depth == 0:
            m = _RUN.match(s, i)
            assert m is not None
            run, j = m.group(), m.end()
            before = s[i - 1] if i else ""
            after = s[j] if j < len(s) else ""
            latin = (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
            joined = (before in _JOINERS and s[i - 2 : i - 1].isdigit()) or (
                after in _JOINERS and s[j + 1 : j + 2].isdigit()
            )
            if before == "第" or latin or joined or after in _BOUND_AFTER:
                label.append(run)
                i = j
                continue
            if after in _MARKS and run.isdigit() and not (j + 1 < len(s) and s[j + 1].isdigit()):
                if len(run) == 1:  # "1.属于…": the enumerator of a label
                    label.append(run)
                    i = j
                    continue
                run, j = run[:-1], j - 1  # its last digit is the next label's enumerator
            flush()
            pieces.append(run)
            i = j
            continue
        label.append(ch)
        i += 1
    flush()
    return pieces
