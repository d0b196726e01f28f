"""Reading the district roster (SPEC §0.3): ``unit_id,unit_name,kind,parent_id``, UTF-8 CSV."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from schemas.errors import NianbaoError
from schemas.ids import UnsafeId, check_id
from schemas.roster import AGGREGATE_KINDS, KINDS, RosterUnit, units_below

HEADER = ["unit_id", "unit_name", "kind", "parent_id"]


class RosterError(NianbaoError, ValueError):
    """The roster file cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class Roster:
    path: Path
    sha256: str
    units: tuple[RosterUnit, ...]

    def unit(self, unit_id: str) -> RosterUnit | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)

    @property
    def reporting_units(self) -> tuple[RosterUnit, ...]:
        """Units that send returns (not the aggregate rows such as the district itself)."""
        return tuple(u for u in self.units if u.kind not in AGGREGATE_KINDS)

    def below(self, node_id: str) -> tuple[RosterUnit, ...]:
        """Reporting units whose parent chain reaches ``node_id`` (schemas.roster.units_below)."""
        return units_below(self.units, node_id)


# The last roster read, by (path, sha256 of its bytes, district): one run reads its roster several times (the CLI's
# checks before Prefect starts, the flow's first check, the collect step), and at 150,000 rows each parse costs
# seconds. The same bytes give the same immutable Roster, so the parse is done once; the bytes are always re-read.
_last_read: tuple[tuple[Path, str, str | None], Roster] | None = None


def read_roster(path: Path, district_id: str | None = None) -> Roster:
    """Read and check a roster; ``district_id``, when given, must be a row of it."""
    global _last_read
    path = Path(path)
    if district_id is not None:  # it names the run's output folder: refused before the roster is even read
        try:
            check_id(district_id, "district id")
        except UnsafeId as exc:
            raise RosterError(f"Roster {path}: {exc}") from exc
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"Roster {path}: cannot be read ({exc.strerror or exc}).") from exc
    key = (path, hashlib.sha256(data).hexdigest(), district_id)
    if _last_read is not None and _last_read[0] == key:
        return _last_read[1]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"Roster {path}: not UTF-8 (byte {exc.start}); save it as UTF-8 CSV.") from exc
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:  # a NUL byte, an unterminated quote at the end
        raise RosterError(f"Roster {path}: not a CSV file ({exc}).") from exc
    if not rows or [c.strip() for c in rows[0]] != HEADER:
        found = ",".join(rows[0]) if rows else "(empty file)"
        raise RosterError(f"Roster {path}, line 1: header must be {','.join(HEADER)}; found {found!r}.")
    units: list[RosterUnit] = []
    line_of: dict[str, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 4:
            raise RosterError(f"Roster {path}, line {line_no}: expected 4 columns, found {len(row)}: {row!r}.")
        unit_id, unit_name, kind, parent_id = (c.strip() for c in row)
        if not unit_id:
            raise RosterError(f"Roster {path}, line {line_no}, column unit_id: empty.")
        for column, value in (("unit_id", unit_id), ("parent_id", parent_id)):
            if value:  # ids become folder names (OUT/<node>/<year>/): schemas.ids
                try:
                    check_id(value, column)
                except UnsafeId as exc:
                    raise RosterError(f"Roster {path}, line {line_no}, column {column}: {exc}") from exc
        if unit_id in line_of:
            raise RosterError(
                f"Roster {path}, line {line_no}, column unit_id: {unit_id} appears twice (lines {line_of[unit_id]} "
                f"and {line_no}); which row is meant is unknown."
            )
        if kind not in KINDS:
            raise RosterError(
                f"Roster {path}, line {line_no}, column kind: {kind!r} is not one of {', '.join(sorted(KINDS))}."
            )
        line_of[unit_id] = line_no
        units.append(RosterUnit(unit_id, unit_name, kind, parent_id))
    problems = _parent_problems(units, line_of)
    if problems:  # every bad row at once: a unit dropped from the tree would be a report published without it
        shown = "; ".join(problems[:10]) + (f"; … and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise RosterError(f"Roster {path}, column parent_id: {shown}.")
    if district_id is not None and district_id not in line_of:
        raise RosterError(f"Roster {path}: the district {district_id} is not a row of the roster.")
    roster = Roster(path=path, sha256=key[1], units=tuple(units))
    if district_id is not None and not roster.below(district_id):
        raise RosterError(
            f"Roster {path}: no reporting unit (office, department, township) lists {district_id} as its parent, "
            "directly or through its parents; there is nothing to consolidate."
        )
    _last_read = (key, roster)
    return roster


def _parent_problems(units: list[RosterUnit], line_of: dict[str, int]) -> list[str]:
    """Each row whose parent_id breaks the tree, with its line: a reporting unit without a parent or with one that
    is not on the roster, a unit that is its own parent, and every cycle of parents (named once, by its lines)."""
    problems: list[str] = []
    parent = {u.unit_id: u.parent_id for u in units}
    for u in units:
        where = f"line {line_of[u.unit_id]} ({u.unit_id})"
        if u.parent_id == u.unit_id:
            problems.append(f"{where} is its own parent")
        elif not u.parent_id and u.kind not in AGGREGATE_KINDS:
            problems.append(f"{where} is a {u.kind} with an empty parent_id; name the node it reports to")
        elif u.parent_id and u.parent_id not in parent and u.kind not in AGGREGATE_KINDS:
            problems.append(f"{where}: its parent {u.parent_id} is not a unit of this roster")
    done: set[str] = set()
    for u in units:  # cycles longer than one row: walk each chain once
        chain: list[str] = []
        at = u.unit_id
        while at in parent and at not in done and at not in chain:
            chain.append(at)
            at = parent[at]
        if at in chain and parent.get(at) != at:
            cycle = chain[chain.index(at) :]
            lines = ", ".join(f"line {line_of[i]} ({i})" for i in cycle)
            problems.append(f"a cycle of parents: {lines} → {at}")
        done.update(chain)
    return problems
