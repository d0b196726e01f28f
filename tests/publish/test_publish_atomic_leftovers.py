"""A run killed mid-publish leaves hidden folders; the next publication of that year clears them up."""

from __future__ import annotations

import os
from pathlib import Path

from publish.atomic import publish
from publish_fixtures import make_report


def test_leftover_staging_is_removed_and_a_moved_aside_publication_cleared(tmp_path: Path) -> None:
    report = make_report()
    first = publish(report, tmp_path, {"run": "a"})
    district_dir = first.folder.parent
    (district_dir / f".{report.year}.tmp-dead").mkdir()
    (district_dir / f".{report.year}.tmp-dead" / "report.html").write_text("half written", encoding="utf-8")
    os.replace(first.folder, district_dir / f".{report.year}.old-dead")  # killed between the two renames
    second = publish(report, tmp_path, {"run": "a"})
    assert sorted(p.name for p in district_dir.iterdir()) == [str(report.year)]
    assert second.files == first.files  # the same report, republished whole


def test_a_publication_moved_aside_by_a_killed_swap_is_put_back_first(tmp_path: Path) -> None:
    """If the swap died after moving the old folder away, the old publication returns before anything else."""
    report = make_report()
    first = publish(report, tmp_path, {"run": "a"})
    before = {p.name: p.read_bytes() for p in first.folder.iterdir()}
    district_dir = first.folder.parent
    os.replace(first.folder, district_dir / f".{report.year}.old-dead")
    from publish.atomic import _remove_leftovers

    _remove_leftovers(district_dir, report.year)
    assert {p.name: p.read_bytes() for p in first.folder.iterdir()} == before
