"""A roster read twice in one run is parsed once (intake.roster keeps the last read), and never served stale: a
changed file, another district or a file that became unreadable is read again."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.roster import RosterError, read_roster
from sampledata.roster import district_roster, write_roster_csv


def test_the_same_bytes_give_the_same_roster_and_changed_bytes_a_new_one(tmp_path: Path) -> None:
    path = write_roster_csv(district_roster("320799", "示范区", n_departments=2, n_townships=1), tmp_path / "r.csv")
    first = read_roster(path, "320799")
    assert read_roster(path, "320799") is first  # parsed once
    assert read_roster(path) is not first  # another question (no district): read on its own
    write_roster_csv(district_roster("320799", "示范区", n_departments=3, n_townships=1), path)
    changed = read_roster(path, "320799")
    assert changed.sha256 != first.sha256 and len(changed.units) == len(first.units) + 1
    path.write_text("unit_id,unit_name\n", encoding="utf-8")
    with pytest.raises(RosterError, match="header must be"):
        read_roster(path, "320799")
    path.unlink()
    with pytest.raises(RosterError, match="cannot be read"):
        read_roster(path, "320799")
