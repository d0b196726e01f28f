"""Path confinement (flows/guards.py): every way out of the allowed roots is refused with a message naming the field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.guards import ROOTS_ENV, PathNotAllowed, allowed_roots, confine, confine_all


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "data"
    (r / "returns" / "2024").mkdir(parents=True)
    (r / "roster.csv").write_text("unit_id\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    return r.resolve()


def test_paths_inside_the_root_are_returned_resolved(root: Path) -> None:
    assert confine(root / "returns" / "2024", [root]) == root / "returns" / "2024"
    assert confine(str(root / "roster.csv"), [root]) == root / "roster.csv"
    assert confine(root, [root]) == root  # the root itself is allowed
    # a folder that does not exist yet (the publish folder before the first run) is fine if it is inside
    assert confine(root / "out" / "new", [root]) == root / "out" / "new"
    # a '..' that stays inside is collapsed, not refused
    assert confine(root / "returns" / ".." / "roster.csv", [root]) == root / "roster.csv"


def test_relative_paths_are_taken_from_the_working_directory(root: Path) -> None:
    assert confine("returns/2024", [root], cwd=root) == root / "returns" / "2024"
    with pytest.raises(PathNotAllowed, match="outside"):
        confine("../elsewhere", [root], cwd=root)


@pytest.mark.parametrize(
    "escape",
    ["../elsewhere", "returns/../../elsewhere", "/etc", "/", "~"],
)
def test_every_way_out_is_refused(root: Path, escape: str) -> None:
    path = escape if escape.startswith(("/", "~")) else str(root / escape)
    with pytest.raises(PathNotAllowed) as info:
        confine(path, [root], "submissions folder")
    message = str(info.value)
    assert "submissions folder" in message and str(root) in message and ROOTS_ENV in message
    assert "Nothing was read or written" in message


def test_a_sibling_whose_name_starts_like_the_root_is_outside(root: Path) -> None:
    sibling = root.parent / (root.name + "-evil")
    sibling.mkdir()
    with pytest.raises(PathNotAllowed):
        confine(sibling, [root])


def test_a_symlink_leading_out_is_refused_and_one_staying_inside_is_followed(root: Path) -> None:
    out_link = root / "returns" / "sneaky"
    out_link.symlink_to(root.parent / "elsewhere", target_is_directory=True)
    with pytest.raises(PathNotAllowed, match="elsewhere"):
        confine(out_link, [root], "publish folder")
    with pytest.raises(PathNotAllowed):  # and a path *through* the link, to a file that does not exist yet
        confine(out_link / "report.html", [root])
    in_link = root / "latest"
    in_link.symlink_to(root / "returns" / "2024", target_is_directory=True)
    assert confine(in_link, [root]) == root / "returns" / "2024"


def test_empty_and_nul_paths_are_refused(root: Path) -> None:
    with pytest.raises(PathNotAllowed, match="empty"):
        confine("  ", [root], "roster file")
    with pytest.raises(PathNotAllowed, match="NUL"):
        confine("a\x00b", [root])


def test_roots_come_from_the_environment_or_default_to_the_working_directory(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    env = {ROOTS_ENV: os.pathsep.join([str(a), "", str(b)])}
    assert allowed_roots(env) == [a.resolve(), b.resolve()]
    assert allowed_roots({}, cwd=tmp_path) == [tmp_path.resolve()]
    assert allowed_roots({ROOTS_ENV: "  "}, cwd=tmp_path) == [tmp_path.resolve()]
    assert allowed_roots({ROOTS_ENV: "rel"}, cwd=tmp_path) == [(tmp_path / "rel").resolve()]


def test_a_path_inside_any_of_several_roots_is_allowed(tmp_path: Path) -> None:
    a, b = (tmp_path / "a").resolve(), (tmp_path / "b").resolve()
    assert confine(b / "x", [a, b]) == b / "x"


def test_confine_all_reports_every_bad_field_in_one_message(root: Path) -> None:
    good = confine_all({"roster file": root / "roster.csv"}, [root])
    assert good == {"roster file": root / "roster.csv"}
    with pytest.raises(PathNotAllowed) as info:
        confine_all(
            {"submissions folder": "/etc", "roster file": root / "roster.csv", "publish folder": "/tmp/x/.."}, [root]
        )
    message = str(info.value)
    assert "submissions folder" in message and "publish folder" in message and "roster file" not in message
