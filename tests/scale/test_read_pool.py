"""The read pool (pipeline/read_pool.py): a run of more than one batch is read on worker processes, with the same
outcomes as reading in the flow's process."""

from __future__ import annotations

import os
from pathlib import Path

from flows.demo import write_returns
from pipeline import collect as collecting
from pipeline import read_pool
from pipeline.read import read_checked
from sampledata.synthetic import build_district


def test_how_many_processes_a_run_gets() -> None:
    batch = collecting.READ_BATCH
    assert read_pool.workers_for(batch, cores=2) == 0  # one batch: read where it is
    assert read_pool.workers_for(batch + 1, cores=2) == 2
    assert read_pool.workers_for(10 * batch, cores=2) == 2
    assert read_pool.workers_for(10 * batch, cores=1) == 0
    assert read_pool.workers_for(3 * batch, cores=8) == 3  # never more processes than batches


def test_batches_read_on_the_pool_equal_batches_read_here(tmp_path: Path, monkeypatch) -> None:
    _, returns = build_district("320799", "示范区", 2024, seed=3)
    subs = tmp_path / "subs"
    write_returns(returns, subs)
    paths = sorted(p for p in subs.iterdir() if p.is_file())
    monkeypatch.setattr(collecting, "READ_BATCH", 10)
    parts = collecting.batches(paths, collecting.READ_BATCH)
    here = [o for part in parts for o in read_checked(part, None, subs)]
    with read_pool.opened(len(paths)) as workers:
        assert workers == min(os.cpu_count() or 1, len(parts)) if (os.cpu_count() or 1) > 1 else workers == 0
        pooled = [o for part in parts for o in read_pool.read_batch(part, None, subs)]
    assert read_pool._pool is None  # closed with the run
    assert [o.path for o in pooled] == [o.path for o in here]
    assert [o.sha256 for o in pooled] == [o.sha256 for o in here]
    assert [o.ret.unit_id if o.ret else None for o in pooled] == [o.ret.unit_id if o.ret else None for o in here]
    assert [dict(o.ret.cells) if o.ret else None for o in pooled] == [
        dict(o.ret.cells) if o.ret else None for o in here
    ]
    assert [[f.rule for f in o.failures] for o in pooled] == [[f.rule for f in o.failures] for o in here]
