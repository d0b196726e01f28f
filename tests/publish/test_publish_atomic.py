"""publish(): four files appear together in OUT/<district>/<year>/ or not at all; same input, same bytes."""

from __future__ import annotations

import hashlib
import json
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from publish_fixtures import DISTRICT_ID, YEAR, make_report

from publish import atomic
from publish.atomic import PublicationExists, PublishedFiles, PublishError, publish
from publish.errors import ReportDataError
from schemas.cells import FEE_KEY

FILES = ["manifest.json", "report.html", "report.json", "report.xlsx"]
MANIFEST = {
    "format": "nianbao.manifest/1",
    "district_id": DISTRICT_ID,
    "year": YEAR,
    "run": "k1",
    "units": [{"unit_id": "320703001", "version": 1, "sha256": "a" * 64}],
}


def digest(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (folders as ``dir``), so leftovers and changes both show."""
    out = {}
    for p in sorted(root.rglob("*")):
        out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def target(out: Path) -> Path:
    return out / DISTRICT_ID / str(YEAR)


def test_publish_writes_the_four_files_and_a_manifest_with_their_hashes(tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(MANIFEST))
    result = publish(make_report(), tmp_path / "out", manifest)
    folder = target(tmp_path / "out")
    assert isinstance(result, PublishedFiles) and result.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == FILES
    assert sorted(p.name for p in folder.parent.iterdir()) == [str(YEAR)]  # no temporary folder left beside it
    assert result.files == {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}
    written = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert written == {**MANIFEST, "files": {n: result.files[n] for n in ("report.html", "report.xlsx", "report.json")}}
    assert manifest == MANIFEST  # the caller's dict is not modified
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["cells"][FEE_KEY] == "1493.688001" and report["scope"] == "全区"


def test_publishing_twice_gives_byte_identical_files(tmp_path: Path) -> None:
    first = publish(make_report(), tmp_path / "a", MANIFEST)
    time.sleep(2.1)  # zip entries record time in 2-second steps: a clock leaking into the bytes would show
    second = publish(make_report(), tmp_path / "b", MANIFEST)
    assert first.files == second.files
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    third = publish(make_report(), tmp_path / "a", MANIFEST)  # republish over itself
    assert third.files == first.files


def test_republishing_a_changed_report_swaps_the_whole_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(make_report(), out, MANIFEST)
    cells = make_report().cells
    cells[FEE_KEY] = Decimal("1.5")
    result = publish(make_report(cells=cells), out, {**MANIFEST, "run": "k2"})
    report = json.loads((target(out) / "report.json").read_text(encoding="utf-8"))
    assert report["cells"][FEE_KEY] == "1.5"
    assert json.loads((target(out) / "manifest.json").read_text(encoding="utf-8"))["run"] == "k2"
    assert result.files["report.json"] == hashlib.sha256((target(out) / "report.json").read_bytes()).hexdigest()
    assert sorted(p.name for p in target(out).parent.iterdir()) == [str(YEAR)]  # old folder deleted


def test_the_files_are_staged_then_switched_in_by_one_rename(tmp_path: Path, monkeypatch) -> None:
    """OUT/<district>/<year> is a symlink through OUT/.published/current; a publication is a payload renamed into
    place, then ONE rename of the `current` pointer (publish/generations.py)."""
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def recording_replace(src, dst):  # type: ignore[no-untyped-def]
        renames.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", recording_replace)
    monkeypatch.setattr("publish.generations.os.replace", recording_replace)
    out = tmp_path / "out"
    publish(make_report(), out, MANIFEST)
    store = out / ".published"
    (staged, payload), (pointer, current) = renames
    assert staged.name.startswith(".tmp-") and payload.parent == store / "data" / DISTRICT_ID / str(YEAR)
    assert current == store / "current" and pointer.parent == store
    assert os.readlink(target(out)) == f"../.published/current/{DISTRICT_ID}/{YEAR}"
    assert target(out).resolve() == payload.resolve()
    renames.clear()
    cells = make_report().cells
    cells[FEE_KEY] = Decimal(3)
    publish(make_report(cells=cells), out, {**MANIFEST, "run": "k2"})  # a new payload, then the one switch
    assert [dst for _, dst in renames][-1] == store / "current"
    assert len(renames) == 2
    assert sorted(p.name for p in (store / "data" / DISTRICT_ID / str(YEAR)).iterdir()) == [renames[0][1].name]


def failing_xlsx(report, path):  # type: ignore[no-untyped-def]
    Path(path).write_bytes(b"PK half a workbook")
    raise RuntimeError("disk went away while writing the workbook")


def test_a_failure_while_rendering_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(atomic, "render_xlsx", failing_xlsx)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk went away"):
        publish(make_report(), out, MANIFEST)
    assert not target(out).exists()
    assert not out.exists()  # the folders this call created are removed again, temp folder included


def test_a_failure_while_rendering_leaves_the_previous_publication_untouched(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    publish(make_report(), out, MANIFEST)
    before = digest(out)
    monkeypatch.setattr(atomic, "render_xlsx", failing_xlsx)
    cells = make_report().cells
    cells["s3.new_received.total"] = 1
    with pytest.raises(RuntimeError):
        publish(make_report(cells=cells), out, {**MANIFEST, "run": "k2"})
    assert digest(out) == before


def test_an_incomplete_report_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    cells = make_report().cells
    del cells["s4.review.total"]
    with pytest.raises(ReportDataError, match=r"s4\.review\.total"):
        publish(make_report(cells=cells), tmp_path / "out", MANIFEST)
    assert not (tmp_path / "out").exists()


def failing_on_call(n: int, calls: list[int]):  # type: ignore[no-untyped-def]
    """An os.replace that fails on its n-th call (1-based) and works otherwise."""
    real_replace = os.replace

    def replace(src, dst):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == n:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    return replace


def test_a_failing_rename_with_no_previous_publication_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(atomic.os, "replace", failing_on_call(1, []))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PublishError, match=f"{DISTRICT_ID} {YEAR}.*No space left"):
        publish(make_report(), out, MANIFEST)
    assert digest(out) == {}  # no year folder, no temp folder, no district folder


@pytest.mark.parametrize("failing_call", [1, 2], ids=["moving-the-old-away", "moving-the-new-in"])
def test_a_failing_swap_restores_the_previous_publication(tmp_path: Path, monkeypatch, failing_call: int) -> None:
    out = tmp_path / "out"
    publish(make_report(), out, MANIFEST)
    before = digest(out)
    calls: list[int] = []
    monkeypatch.setattr(atomic.os, "replace", failing_on_call(failing_call, calls))
    cells = make_report().cells
    cells[FEE_KEY] = Decimal(2)
    with pytest.raises(PublishError):
        publish(make_report(cells=cells), out, {**MANIFEST, "run": "k2"})
    assert len(calls) >= failing_call
    assert digest(out) == before  # same files, same bytes, no .tmp or .old folder left


def test_replace_false_refuses_an_existing_publication(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(make_report(), out, MANIFEST)
    before = digest(out)
    with pytest.raises(PublicationExists, match="already exists"):
        publish(make_report(), out, MANIFEST, replace=False)
    assert digest(out) == before


def test_a_target_holding_foreign_files_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    target(out).mkdir(parents=True)
    (target(out) / "notes.txt").write_text("someone else's file", encoding="utf-8")
    with pytest.raises(PublicationExists, match="notes.txt"):
        publish(make_report(), out, MANIFEST)
    assert [p.name for p in target(out).iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in target(out).parent.iterdir()) == [str(YEAR)]


def test_a_manifest_value_json_cannot_hold_is_refused_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(TypeError, match="object"):
        publish(make_report(), out, {**MANIFEST, "when": object()})
    assert not out.exists()
