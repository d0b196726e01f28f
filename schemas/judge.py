"""One verdict: every rule that applies to a batch of returns, in one place.

:func:`judge_batch` is what ``nianbao validate``, the run's judge step (pipeline.judge.judge / cross_year) and the
tests call, so that a file gets the same verdict wherever it is checked. It runs, on returns already read:

* I2, I3 (roster membership, one return per unit in the batch) — only when a roster is given; I4 (unknown keys);
* X0–X3 (narrative ↔ table, schemas.narrative), return by return;
* S2–S6, A1–A4, L1, P1, P4 in ONE vectorised pandera pass over the stacked batch (schemas.validate);
* Y1, P2, P3, P5, P6 and N1 (schemas.crossyear) — only when last year's accepted cells are given (``prior``).

The read-time rules I1 (unreadable file) and S1 (not the 2021 format) come from the readers (intake), before
there is a return to judge; the G rules judge a consolidation, not a return (checkpoint/).

Pure: returns and frames in, failures out; the caller reads the files and fetches ``prior`` from the warehouse.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from schemas.crossyear import check_cross_year
from schemas.failures import Failure, make
from schemas.frame import FEE_NOTE_COLUMN, stack_with_notes
from schemas.narrative import check_narrative, to_simplified
from schemas.returns import CanonicalReturn
from schemas.roster import RosterUnit, units_below
from schemas.single_row import SINGLE_ROW_COLUMN, singles_of
from schemas.validate import validate_frame


@dataclass(frozen=True)
class Verdict:
    """What :func:`judge_batch` found: each failure with the position of its return in the batch, and the batch
    stacked one return per row (schemas.frame.stack, row i = return i): the frame validation ran on, which the
    caller reuses (the warehouse load inserts the cells from it column-wise)."""

    failures: list[tuple[int, Failure]]
    frame: pd.DataFrame

    def blocked(self) -> set[int]:
        """Positions of the returns with a blocking (HARD or HARD-W) failure."""
        return {i for i, f in self.failures if f.blocking}


def judge_batch(
    returns: Sequence[CanonicalReturn],
    *,
    names: Sequence[str],
    year: int | None,
    roster: Sequence[RosterUnit] | None = None,
    district_id: str | None = None,
    prior: pd.DataFrame | None = None,
    narrative_failures: Sequence[list[Failure] | None] | None = None,
    contents: Sequence[str] | None = None,
    county_level: bool = True,
) -> Verdict:
    """Every rule that applies to these returns (see the module's docstring), as one :class:`Verdict`.

    ``names[i]``: the file of ``returns[i]``, as every failure names it (one name per file: the pandera pass's
    failures are placed by it). ``year``: the consolidation year (S5 and
    the cross-year rules; S5 is skipped when None). ``roster`` (all its units) and ``district_id`` (the node whose
    units are expected): a return naming no unit id (a published report) gets the id of the roster unit it names
    (:func:`resolve_unit_ids`, which sets ``ret.unit_id``: the one change made to the inputs), and I2/I3 are
    checked; without a roster they are not. ``prior``: last year's accepted cells, one row per unit
    (schemas.crossyear.wide_from_long; at least the cells of schemas.crossyear.PRIOR_KEYS), or None to skip the
    cross-year rules. ``narrative_failures[i]``: X0–X3 of ``returns[i]`` already checked where the batch was
    read (None: check them here). ``contents[i]``: what identifies the content of ``returns[i]`` (the sha256 of
    its file): two returns of one unit with the same content are one file sent twice, not I3 (None: every return
    is distinct). ``county_level``: P1 (county-level units make no 规章).

    Order of the failures: per return its narrative and I4 failures, then the pandera pass's (by return, then the
    cell's official order), then I2/I3, then the cross-year rules (by return).
    """
    if len(names) != len(returns):
        raise ValueError(f"judge_batch: {len(returns)} returns but {len(names)} names; give one name per return")
    if roster is not None and district_id is None:
        raise ValueError("judge_batch: a roster needs the district_id whose units are expected (I2)")
    if roster is not None:
        resolve_unit_ids(returns, roster, names)
    failures: list[tuple[int, Failure]] = []
    for i, (ret, name) in enumerate(zip(returns, names)):  # X0–X3: the figures the text quotes must be the table's
        found = narrative_failures[i] if narrative_failures is not None else None
        if found is None:
            found = check_narrative(ret) if ret.narrative else []
        failures.extend((i, _with_file(f, name)) for f in found)
        for key in ret.extra_keys:  # a mistyped key must not vanish silently
            failures.append((i, make("I4", ret.unit_id, actual=key, file=name)))

    frame, notes = stack_with_notes(returns, names)
    extra = {FEE_NOTE_COLUMN: notes.to_numpy()}
    singles = singles_of(returns)  # None unless some return prints (六) as one row (S6)
    if singles is not None:
        extra[SINGLE_ROW_COLUMN] = singles.to_numpy()
    position = {name: i for i, name in enumerate(names)}
    for f in validate_frame(frame.assign(**extra), year=year, county_level=county_level):  # one pandera pass
        failures.append((position[f.file], f))

    if roster is not None and district_id is not None:  # (checked above: a roster comes with its district)
        expected = {u.unit_id for u in units_below(roster, district_id)}
        failures.extend(_roster_failures(returns, names, expected, contents))
    if prior is not None and year is not None:
        kinds = {u.unit_id: u.kind for u in roster} if roster is not None else None
        failures.extend(judge_cross_year(frame, prior, year=year, kinds=kinds))
    return Verdict(failures=failures, frame=frame)


def judge_cross_year(
    frame: pd.DataFrame, prior: pd.DataFrame, *, year: int, kinds: Mapping[str, str] | None = None
) -> list[tuple[int, Failure]]:
    """The cross-year rules (Y1, P2, P3, P5, P6, N1) of the batch ``frame`` (as :func:`judge_batch` stacked it,
    row i = return i) against ``prior``; failures with their row's position. Only a return that names its unit
    and is for ``year`` is compared (a wrong year is S5's). The second half of :func:`judge_batch`, called on its
    own by the run, which judges a batch before it opens last year's returns (pipeline.judge.cross_year)."""
    years = frame["year"].tolist()
    rows = np.flatnonzero([bool(u) and _is_year(y, year) for u, y in zip(frame["unit_id"].tolist(), years)])
    if not len(rows):
        return []
    current = frame.iloc[rows].reset_index(drop=True)
    # check_cross_year keeps the row order and names each row's file: map back by (unit_id, file), unique per row
    at = {(u, f): int(rows[j]) for j, (u, f) in enumerate(zip(current["unit_id"].tolist(), current["file"].tolist()))}
    found = check_cross_year(current, prior, year, kinds)
    return [(at[(f.unit_id, f.file)], f) for f in found]


def _is_year(value: object, year: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and int(value) == year


def _roster_failures(
    returns: Sequence[CanonicalReturn], names: Sequence[str], expected: set[str], contents: Sequence[str] | None
) -> list[tuple[int, Failure]]:
    """I2 for a unit not below the district on the roster; I3 for a unit with two different contents in the
    batch (the same file sent twice is one return), naming every file of that unit."""
    content = list(contents) if contents is not None else list(range(len(returns)))
    by_unit: dict[str, list[int]] = defaultdict(list)
    for i, ret in enumerate(returns):
        by_unit[ret.unit_id].append(i)
    out: list[tuple[int, Failure]] = []
    for i, (ret, name) in enumerate(zip(returns, names)):
        unit_id = ret.unit_id
        if unit_id not in expected:
            out.append((i, make("I2", unit_id, actual=unit_id or "(none)", file=name)))
        elif len({content[j] for j in by_unit[unit_id]}) > 1:
            others = sorted(names[j] for j in by_unit[unit_id] if j != i)
            out.append((i, make("I3", unit_id, detail=", ".join([name, *others]), file=name)))
    return out


def _with_file(f: Failure, name: str) -> Failure:
    return f if f.file == name else replace(f, file=name)


# --- a published report's unit, found on the roster ----------------------------------------------------------


def _name_key(name: str) -> str:
    return re.sub(r"\s+", "", to_simplified(name or ""))


def resolve_unit_ids(
    returns: Sequence[CanonicalReturn], roster: Sequence[RosterUnit], names: Sequence[str] = ()
) -> None:
    """A published report names its unit but carries no id. Take the id of the one roster unit
    1. whose name is the report's unit name (spaces and script aside); else
    2. whose name stands in the report's title ("沭阳县发展和改革局…" holds the roster's "县发展和改革局"); else
    3. whose name stands in the file's name (``names``, one per return; a report without a title).
    At each step the longest name found wins; two different units of that length leave the id empty. No match
    leaves it empty too (rule I2 then says so): a name is never guessed. Sets ``ret.unit_id``; idempotent."""
    nameless = [(i, ret) for i, ret in enumerate(returns) if not ret.unit_id and (ret.unit_name or ret.title)]
    if not nameless:  # the usual case: every return names its unit id (normalising 150,000 roster names costs)
        return
    by_name: dict[str, list[str]] = defaultdict(list)
    for u in roster:
        if u.unit_name:
            by_name[_name_key(u.unit_name)].append(u.unit_id)
    for i, ret in nameless:
        ids = by_name.get(_name_key(ret.unit_name), []) if ret.unit_name else []
        if len(ids) != 1:
            for text in (ret.title, names[i] if i < len(names) else ""):
                ids = _named_in(_name_key(text), by_name)
                if ids:
                    break
        if len(ids) == 1:
            ret.unit_id = ids[0]


def _named_in(text: str, by_name: dict[str, list[str]]) -> list[str]:
    """The ids of the longest roster names standing in ``text`` (several ids: ambiguous)."""
    if not text:
        return []
    found = [name for name in by_name if len(name) >= 2 and name in text]
    if not found:
        return []
    longest = max(map(len, found))
    return sorted({i for name in found if len(name) == longest for i in by_name[name]})
