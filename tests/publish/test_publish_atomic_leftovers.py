"""A publisher killed mid-way leaves hidden leftovers; the next publication clears them first (recovery), and a
``<year>`` folder left by an older nianbao is migrated under the `current` pointer without a change its readers
could see."""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from publish_fixtures import make_report

from publish.atomic import PublicationExists, publish, write_files
from publish.generations import Store
from schemas.cells import FEE_KEY


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_leftovers_of_a_killed_publisher_are_removed_and_the_publication_is_whole(tmp_path: Path) -> None:
    report = make_report()
    first = publish(report, tmp_path, {"run": "a"})
    store = Store(tmp_path)
    data = store.data / report.district_id / str(report.year)
    # what a publisher killed at various points leaves: a half-written staging folder, a payload never listed,
    # a generation never switched to, a pointer never renamed over `current`
    (data / ".tmp-dead").mkdir()
    (data / ".tmp-dead" / "report.html").write_text("half written", encoding="utf-8")
    (data / "0123456789abcdef").mkdir()
    (store.root / "gen-deadbeefdeadbeef" / report.district_id).mkdir(parents=True)
    os.symlink("gen-deadbeefdeadbeef", store.root / ".current.next-99999")
    assert files_of(first.folder)  # readers still see the publication through `current`

    cells = make_report().cells
    cells[FEE_KEY] = Decimal(7)
    second = publish(make_report(cells=cells), tmp_path, {"run": "b"})
    assert sorted(p.name for p in store.root.iterdir()) == ["current", "data", store.current(), "lock"]
    assert sorted(p.name for p in data.iterdir()) == [second.files["manifest.json"][:16]]
    assert json.loads((second.folder / "manifest.json").read_text(encoding="utf-8"))["run"] == "b"
    assert {n: hashlib.sha256(b).hexdigest() for n, b in files_of(second.folder).items()} == second.files
    assert sorted(p.name for p in second.folder.parent.iterdir()) == [str(report.year)]


def test_a_folder_published_by_an_older_nianbao_is_migrated_then_replaced(tmp_path: Path) -> None:
    report = make_report()
    legacy = tmp_path / report.district_id / str(report.year)
    legacy.mkdir(parents=True)
    old_files = write_files(report, {"run": "old"}, legacy)  # what the previous publisher left: a real folder
    # and what it left when killed between its two renames: an old folder moved aside, a staging folder
    (legacy.parent / f".{report.year}.tmp-dead").mkdir()
    before = files_of(legacy)

    cells = make_report().cells
    cells[FEE_KEY] = Decimal(9)
    result = publish(make_report(cells=cells), tmp_path, {"run": "new"})
    assert legacy.is_symlink() and result.folder == legacy
    assert json.loads((legacy / "manifest.json").read_text(encoding="utf-8"))["run"] == "new"
    assert files_of(legacy) != before and old_files["manifest.json"] != result.files["manifest.json"]
    assert sorted(p.name for p in legacy.parent.iterdir()) == [str(report.year)]
    assert not list(tmp_path.rglob("*.swap-*"))


def test_a_killed_older_swap_puts_the_moved_aside_folder_back_before_anything_else(tmp_path: Path) -> None:
    report = make_report()
    aside = tmp_path / report.district_id / f".{report.year}.old-dead"
    aside.mkdir(parents=True)
    write_files(report, {"run": "old"}, aside)  # the year folder itself is missing: the older swap died there
    with pytest.raises(PublicationExists, match="already exists"):  # the folder is back, and may not be replaced
        publish(report, tmp_path, {"run": "new"}, replace=False)
    target = tmp_path / report.district_id / str(report.year)
    assert target.is_dir() and not target.is_symlink()
    assert json.loads((target / "manifest.json").read_text(encoding="utf-8"))["run"] == "old"


def test_a_symlink_not_made_by_the_publisher_is_refused(tmp_path: Path) -> None:
    report = make_report()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / report.district_id).mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / report.district_id / str(report.year))
    with pytest.raises(PublicationExists, match="did not make"):
        publish(report, tmp_path / "out", {"run": "a"})
    assert list((tmp_path / "elsewhere").iterdir()) == []
