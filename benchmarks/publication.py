"""Time the publication of every node of one run (pipeline.publish.publish_all), repeated, one core and two.

    python -m benchmarks.publication --size 10000 --format json --repeat 3
    python -m benchmarks.publication --size 60 --format xlsx

The run is consolidated and checked once (pipeline.run.trace up to the checkpoint, Data Docs built so their size
is reported); publish_all then runs ``--repeat`` times with the staging folders written by two processes
(publish/parallel.py) and ``--repeat`` times by one, each into a fresh OUT folder (the first repetition also
records the nodes' publications; later ones find them recorded). The audit report is left out: it is
pipeline/audit_report.py's, timed by its own benchmark. Per repetition: wall seconds, this process's CPU seconds
(DuckDB's threads included), the forked writer's CPU seconds, and the parts — the evidence chain check
(chain.require_intact), staging and the switch (publish.atomic.publish_many), recording; then the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from pipeline import publish as publish_step
from pipeline.run import Run, trace
from publish import atomic
from warehouse.store import Warehouse

DATA = Path(__file__).parent / "data"


def _timed(parts: dict[str, float], name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

    return timed


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10000")
    parser.add_argument("--format", default="json")
    parser.add_argument("--root", default="000000", help="the node the run consolidates")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    data = args.data / args.size
    work = Path(tempfile.mkdtemp(prefix="nianbao-publication-"))
    try:
        spec = Run(args.root, 2024, data / "roster.csv", data / args.format, work / "wh.duckdb", work / "out")
        t = trace(spec, until="checkpoint")
        assert t.consolidation is not None and t.checkpoint is not None and t.roster is not None
        docs = sorted((work / "out" / "runs").glob("*/data-docs"))
        print(
            f"{args.size} units ({args.format}), {len(t.consolidation.nodes)} nodes; "
            f"Data Docs {sum(_size(d) for d in docs) / 1e6:.2f} MB in {sum(1 for d in docs for _ in d.rglob('*'))} "
            f"entries; checkpoint {'passed' if t.checkpoint.success else 'failed'}"
        )
        if not t.checkpoint.success:
            return
        parts: dict[str, float] = {}
        chain = publish_step.chain
        real = (chain.require_intact, publish_step.publish_many, publish_step._record_nodes)
        chain.require_intact = _timed(parts, "chain check", real[0])  # type: ignore[assignment]
        publish_step.publish_many = _timed(parts, "stage+switch", real[1])  # type: ignore[assignment]
        publish_step._record_nodes = _timed(parts, "record", real[2])  # type: ignore[assignment]
        default_from = atomic.PARALLEL_FROM
        try:
            for mode, parallel_from in (("2 processes", default_from), ("1 process", 10**9)):
                atomic.PARALLEL_FROM = parallel_from  # 10**9 nodes: never forked
                walls: list[float] = []
                for r in range(args.repeat):
                    parts.clear()
                    out = work / f"out-{mode.replace(' ', '-')}-{r}"
                    with Warehouse(work / "wh.duckdb") as wh:
                        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
                        cpu, started = time.process_time(), time.perf_counter()
                        publish_step.publish_all(t.consolidation, t.roster, wh, out, t.key, t.checkpoint)
                        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                        after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    child = (after.ru_utime + after.ru_stime) - (kids.ru_utime + kids.ru_stime)
                    walls.append(wall)
                    shown = " ".join(f"{k} {v:.2f}s" for k, v in parts.items())
                    print(f"{mode} #{r + 1}: wall {wall:.2f}s, CPU {cpu:.2f}s + child {child:.2f}s ({shown})")
                    shutil.rmtree(out)
                print(f"{mode}: median wall {statistics.median(walls):.2f}s")
        finally:
            atomic.PARALLEL_FROM = default_from
            chain.require_intact, publish_step.publish_many, publish_step._record_nodes = real  # type: ignore[assignment]
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
