"""pipeline.collect sorts path strings (fast) but must return the order ``sorted()`` gives the Paths: a Path
sorts by its parts, so "a/x" comes before "a-b" although "-" sorts before "/" as a character."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.collect import collect

NAMES = [
    "a/x.json",
    "a-b.json",
    "a.b/c.json",
    "a.json",
    "a b/z.json",
    "a/b/c.json",
    "a/b-c.json",
    "a/b.c",
    "a!/q.json",
    "10.json",
    "9.json",
    "1/2.json",
    "1-2.json",
    "1.2.json",
    "中文/报告.json",
    "中文-2.json",
    "z/a/b/c/d.json",
]


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")


def _expected(root: Path) -> list[Path]:
    """What collect returned before it sorted strings: every file (none hidden here) as a Path, sorted()."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


def test_nested_folders_come_out_in_path_order(tmp_path: Path) -> None:
    _tree(tmp_path, NAMES)
    got = collect(tmp_path)
    assert got == _expected(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in got][:4] == ["1/2.json", "1-2.json", "1.2.json", "10.json"]
    assert sorted(map(str, got)) != list(map(str, got))  # plain string order would differ: the case is exercised


def test_a_flat_folder_comes_out_in_path_order(tmp_path: Path) -> None:
    _tree(tmp_path, [n.replace("/", "_") for n in NAMES])
    assert collect(tmp_path) == _expected(tmp_path)


@pytest.mark.parametrize("spelling", ["{root}/", "{root}//./", "./subs", "subs/"])
def test_the_order_does_not_depend_on_how_the_folder_is_spelt(tmp_path: Path, monkeypatch, spelling: str) -> None:
    _tree(tmp_path / "subs", NAMES)
    monkeypatch.chdir(tmp_path)
    folder = spelling.format(root=tmp_path / "subs")
    got = collect(Path(folder))
    assert got == _expected(Path(folder))
    assert all(isinstance(p, Path) for p in got)


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.json", ".hidden.json", ".git/x.json", "b/.c.json", "b/d.json"])
    assert [p.relative_to(tmp_path).as_posix() for p in collect(tmp_path)] == ["a.json", "b/d.json"]
