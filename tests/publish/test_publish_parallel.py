"""Many nodes' files written by two processes (publish/parallel.py): the same bytes as one process writes, every
node switched in at once, and a failure in the forked process publishes nothing."""

from __future__ import annotations

import errno
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import pytest
from publish_fixtures import YEAR, make_report

from publish import atomic
from publish.atomic import PublishError, publish_many
from publish.generations import Store
from publish.parallel import map_forked
from schemas.cells import FEE_KEY

NODES = [f"1101{i:02d}" for i in range(10)]  # more than atomic.PARALLEL_FROM


def items(fee: str) -> list[tuple[object, dict]]:
    out = []
    for i, node in enumerate(NODES):
        cells = make_report().cells
        cells[FEE_KEY] = Decimal(fee) + i
        out.append((make_report(district_id=node, cells=cells), {"run": fee, "node": node}))
    return out


def published(out: Path) -> dict[str, str]:
    """node/file -> sha256 of what a reader of OUT/<node>/<year>/ sees."""
    return {
        f"{node}/{f.name}": hashlib.sha256(f.read_bytes()).hexdigest()
        for node in NODES
        for f in sorted((out / node / str(YEAR)).iterdir())
    }


def square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def test_map_forked_keeps_the_order_and_shares_the_work() -> None:
    answers = map_forked(square_and_pid, list(range(7)), 2)
    assert [a for a, _ in answers] == [n * n for n in range(7)]
    pids = {pid for _, pid in answers}
    assert os.getpid() in pids and len(pids) == 2  # this process and one forked child
    assert map_forked(square_and_pid, [3], 2) == [(9, os.getpid())]  # one item: no child


def fail_on_odd(n: int) -> int:
    if n % 2:
        raise OSError(errno.ENOSPC, "No space left on device", f"/out/{n}")
    return n


def test_an_error_in_the_forked_process_is_raised_here_with_its_type() -> None:
    with pytest.raises(OSError) as caught:
        map_forked(fail_on_odd, [0, 1, 2, 3], 2)  # the child has the odd items
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == "/out/1"


def test_two_processes_publish_the_same_bytes_as_one(tmp_path: Path, monkeypatch) -> None:
    publish_many(items("1.5"), tmp_path / "two")
    monkeypatch.setattr(atomic, "PARALLEL_FROM", len(NODES) + 1)  # one process
    publish_many(items("1.5"), tmp_path / "one")
    assert published(tmp_path / "two") == published(tmp_path / "one")
    assert len(published(tmp_path / "two")) == 4 * len(NODES)


def test_a_failure_in_the_forked_process_publishes_nothing(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    publish_many(items("1.5"), out)
    before = published(out)
    real = atomic.write_files

    def full_disk_in_the_child(report, manifest, folder):  # type: ignore[no-untyped-def]
        if report.district_id == NODES[1]:  # the second node: the forked process's share
            raise OSError(errno.ENOSPC, "No space left on device", str(folder))
        return real(report, manifest, folder)

    monkeypatch.setattr(atomic, "write_files", full_disk_in_the_child)
    with pytest.raises(PublishError, match="nothing was changed"):
        publish_many(items("2.25"), out)
    assert published(out) == before  # every node still shows the previous run
    store = Store(out)
    assert not [p for p in store.data.rglob(".tmp-*")]  # no staging folder left
