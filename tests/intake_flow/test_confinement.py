"""Identifiers are data, files are opened once (issue 11, part 2), through the plain step functions.

- a roster whose district id is ``..`` or absolute is refused, and so is a run naming such a district;
- a submission swapped for a symlink between collect and read is refused unread (I1): the outside file's bytes
  are never hashed, kept or quarantined;
- a submission swapped (for a symlink, or for other bytes) between read and keep/quarantine: what is kept and
  quarantined is the bytes that were read and judged, never the outside file.

Nothing is monkeypatched: the steps are called one by one and the files swapped between them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from intake_flow_support import DISTRICT, YEAR, departments, good_return, return_json_bytes, roster_units

from intake.roster import RosterError, read_roster
from pipeline.audit_report import run_folder
from pipeline.collect import collect
from pipeline.judge import judge
from pipeline.keep import files_root, keep
from pipeline.load import load
from pipeline.read import read
from publish.confine import OutsideOut
from sampledata.roster import write_roster_csv
from schemas.ids import UnsafeId, check_id, is_safe_id
from warehouse.archive import NotTheBytesRead, keep_original
from warehouse.store import Warehouse

SECRET = b'{"root:$6$not-for-you": "outside the submissions folder"}\n'


def everything_under(root: Path) -> list[bytes]:
    """Every file's bytes below ``root``, the members of every originals pack included."""
    out: list[bytes] = []
    for p in root.rglob("*"):
        if p.is_file():
            out.append(p.read_bytes())
            if p.suffix == ".zip":
                with zipfile.ZipFile(p) as pack:
                    out += [pack.read(n) for n in pack.namelist()]
    return out


@pytest.mark.parametrize("bad", ["..", ".", "/etc", "../../tmp/x", "a/b", "", "x" * 65, "-rf", "runs", "区"])
def test_unsafe_ids_are_refused(bad: str) -> None:
    assert not is_safe_id(bad)
    with pytest.raises(UnsafeId, match="district id"):
        check_id(bad, "district id")


def test_safe_ids_pass() -> None:
    for good in ("320703", "320703001", "unit_7", "A-1", "x" * 64):
        assert check_id(good) == good


@pytest.mark.parametrize("bad", ["..", "/etc", "../out"])
def test_a_roster_with_an_unsafe_district_row_is_refused_naming_the_line(tmp_path: Path, bad: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"unit_id,unit_name,kind,parent_id\n{bad},坏区,district,\n3207001,办公室,office,{bad}\n", encoding="utf-8"
    )
    with pytest.raises(RosterError, match=r"line 2, column unit_id: The unit_id .* is not a safe id"):
        read_roster(roster)
    with pytest.raises(RosterError, match="district id"):  # refused before the file is even opened
        read_roster(tmp_path / "does-not-exist.csv", bad)


def test_a_run_folder_outside_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", out / "runs")  # a symlink planted under OUT
    with pytest.raises(OutsideOut, match="not inside the publication folder"):
        run_folder(out, "0123456789abcdef")
    with pytest.raises(UnsafeId):
        run_folder(out, "../x")


def test_a_symlink_swapped_in_between_collect_and_read_is_not_followed(tmp_path: Path) -> None:
    units = roster_units()
    roster = read_roster(write_roster_csv(units, tmp_path / "roster.csv"), DISTRICT)
    subs = tmp_path / "subs"
    subs.mkdir()
    good, swapped = departments(units)[:2]
    (subs / "good.json").write_bytes(return_json_bytes(good_return(good)))
    (subs / "swapped.json").write_bytes(return_json_bytes(good_return(swapped)))
    secret = tmp_path / "secret.json"  # outside the folder, and a valid return: tempting to read
    secret.write_bytes(return_json_bytes(good_return(swapped)).replace(b"}\n", b', "x": 1}\n', 1))

    paths = collect(subs)
    assert [p.name for p in paths] == ["good.json", "swapped.json"]
    (subs / "swapped.json").unlink()
    os.symlink(secret, subs / "swapped.json")  # after collect, before read
    outcomes = read(paths)

    bad = outcomes[1]
    assert bad.ret is None and bad.sha256 == "" and bad.data is None
    [failure] = bad.failures
    assert failure.rule == "I1" and "symbolic link" in failure.detail and failure.file == "swapped.json"
    judged = judge(outcomes, roster, DISTRICT, YEAR, subs)
    warehouse = tmp_path / "w.duckdb"
    keep(judged, warehouse)
    with Warehouse(warehouse) as wh:
        load(wh, "k1", DISTRICT, YEAR, roster, judged)
    kept = everything_under(files_root(warehouse))
    assert return_json_bytes(good_return(good)) in kept
    assert secret.read_bytes() not in kept and not any(b'"x": 1' in data for data in kept)


@pytest.mark.parametrize("swap", ["symlink", "rewritten"])
def test_a_file_swapped_between_read_and_quarantine_is_kept_as_it_was_read(tmp_path: Path, swap: str) -> None:
    units = roster_units()
    roster = read_roster(write_roster_csv(units, tmp_path / "roster.csv"), DISTRICT)
    subs = tmp_path / "subs"
    subs.mkdir()
    unit = departments(units)[0]
    ret = good_return(unit)
    ret.unit_id = "999999999"  # not on the roster: rule I2 rejects it, so it goes to quarantine
    judged_bytes = return_json_bytes(ret)
    (subs / "stranger.json").write_bytes(judged_bytes)
    (tmp_path / "secret.txt").write_bytes(SECRET)

    outcomes = read(collect(subs))
    judged = judge(outcomes, roster, DISTRICT, YEAR, subs)
    assert [s.status for s in judged.submissions] == ["rejected"]
    target = subs / "stranger.json"
    target.unlink()
    if swap == "symlink":
        os.symlink(tmp_path / "secret.txt", target)  # after read and judge, before keep and quarantine
    else:
        target.write_bytes(SECRET)
    warehouse = tmp_path / "w.duckdb"
    keep(judged, warehouse)

    root = files_root(warehouse)
    [quarantined] = [p for p in (root / "quarantine").iterdir() if not p.name.endswith(".reason.txt")]
    assert quarantined.read_bytes() == judged_bytes
    assert SECRET not in everything_under(root)
    assert judged_bytes in everything_under(root / "originals")


def test_a_path_copied_after_reading_must_still_hold_the_bytes_read(tmp_path: Path) -> None:
    """The fallback that copies from a path (a Parquet file, a file too big to hold) checks the hash it copies."""
    src = tmp_path / "return.json"
    src.write_bytes(b"what was read")
    import hashlib

    sha = hashlib.sha256(b"what was read").hexdigest()
    src.write_bytes(SECRET)  # rewritten after reading
    with pytest.raises(NotTheBytesRead, match="changed after it was read"):
        keep_original(src, tmp_path / "files", sha)
    src.unlink()
    (tmp_path / "secret").write_bytes(b"what was read")
    os.symlink(tmp_path / "secret", src)  # even the same bytes through a symlink are not copied
    with pytest.raises(NotTheBytesRead, match="regular file"):
        keep_original(src, tmp_path / "files", sha)
    assert everything_under(tmp_path / "files") == []


def test_a_sub_folder_swapped_for_a_symlink_between_collect_and_read_is_not_entered(tmp_path: Path) -> None:
    """O_NOFOLLOW guards the file's own name; the folders above it are walked down from the submissions folder
    one at a time (openat, O_NOFOLLOW), so a sub-folder replaced by a link to another folder is not entered."""
    units = roster_units()
    unit = departments(units)[0]
    subs = tmp_path / "subs"
    (subs / "dept").mkdir(parents=True)
    (subs / "dept" / "return.json").write_bytes(return_json_bytes(good_return(unit)))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "return.json").write_bytes(SECRET)

    paths = collect(subs)
    (subs / "dept").rename(tmp_path / "moved-away")
    os.symlink(outside, subs / "dept")  # after collect, before read
    [outcome] = read(paths, root=subs)
    assert outcome.ret is None and outcome.sha256 == "" and outcome.data is None
    [failure] = outcome.failures
    assert failure.rule == "I1" and "'dept' on its path is a symbolic link" in failure.detail
    [unguarded] = read(paths)  # without the root only the last name is guarded: why the flow passes it
    assert unguarded.data == SECRET
