"""Reading the district roster (SPEC §0.3): ``unit_id,unit_name,kind,parent_id``, UTF-8 CSV."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from schemas.ids import UnsafeId, check_id
from schemas.roster import AGGREGATE_KINDS, KINDS, RosterUnit

HEADER = ["unit_id", "unit_name", "kind", "parent_id"]


class RosterError(ValueError):
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
        """Reporting units whose parent chain reaches ``node_id``."""
        parent = {u.unit_id: u.parent_id for u in self.units}

        def reaches(unit_id: str) -> bool:
            seen: set[str] = set()
            while unit_id and unit_id not in seen:
                if unit_id == node_id:
                    return True
                seen.add(unit_id)
                unit_id = parent.get(unit_id, "")
            return False

        return tuple(u for u in self.reporting_units if reaches(u.parent_id))


def read_roster(path: Path, district_id: str | None = None) -> Roster:
    """Read and check a roster; ``district_id``, when given, must be a row of it."""
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
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"Roster {path}: not UTF-8 (byte {exc.start}); save it as UTF-8 CSV.") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != HEADER:
        found = ",".join(rows[0]) if rows else "(empty file)"
        raise RosterError(f"Roster {path}, line 1: header must be {','.join(HEADER)}; found {found!r}.")
    units: list[RosterUnit] = []
    seen: set[str] = set()
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
        if unit_id in seen:
            raise RosterError(f"Roster {path}, line {line_no}, column unit_id: {unit_id} appears twice.")
        if kind not in KINDS:
            raise RosterError(
                f"Roster {path}, line {line_no}, column kind: {kind!r} is not one of {', '.join(sorted(KINDS))}."
            )
        seen.add(unit_id)
        units.append(RosterUnit(unit_id, unit_name, kind, parent_id))
    for line_no, u in enumerate(units, start=2):
        if u.parent_id and u.parent_id not in seen and u.kind not in AGGREGATE_KINDS:
            raise RosterError(
                f"Roster {path}, unit {u.unit_id}, column parent_id: {u.parent_id} is not a unit of this roster."
            )
    if district_id is not None and district_id not in seen:
        raise RosterError(f"Roster {path}: the district {district_id} is not a row of the roster.")
    return Roster(path=path, sha256=hashlib.sha256(data).hexdigest(), units=tuple(units))
