"""Time the audit report (``OUT/runs/<run key>/audit.html`` and its node pages) on a benchmark data set.

    .venv/bin/python -m benchmarks.audit_pages --size 10000 --format json [--reuse DIR] [--repeat 3]

Runs the whole pipeline once (pipeline.run) into DIR (a temporary folder unless --reuse names one that already
holds ``w.duckdb``), then times ``pipeline.audit_report.write_audit_report`` on its run ``--repeat`` times and
prints the medians, the peak RSS growth, and the sizes of the top page and of the largest node page.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.audit_report import write_audit_report
from pipeline.run import Run, run
from warehouse.store import Warehouse

DATA = Path(__file__).resolve().parent / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--format", default="json")
    parser.add_argument("--root", default="000000")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--reuse", type=Path, default=None, help="a folder holding w.duckdb and out/ of a run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = args.data / str(args.size)
    work = args.reuse or Path(tempfile.mkdtemp(prefix=f"audit-{args.size}-"))
    key_file = work / "run_key"
    if not key_file.is_file():
        t0 = time.perf_counter()
        result = run(
            Run(args.root, args.year, base / "roster.csv", base / args.format, work / "w.duckdb", work / "out")
        )
        print(f"pipeline: {time.perf_counter() - t0:.1f} s wall, status {result.status}, run {result.run_key}")
        key_file.write_text(result.run_key)
    key = key_file.read_text().strip()
    times = []
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Warehouse(work / "w.duckdb", read_only=True) as wh:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            page = write_audit_report(wh, key, work / "out")
            times.append(time.perf_counter() - t0)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    nodes = sorted((page.parent / "nodes").glob("*.html"), key=lambda p: p.stat().st_size) if page else []
    print(f"write_audit_report: median {statistics.median(times):.2f} s of {[round(t, 2) for t in times]}")
    print(f"peak RSS growth during the audit: {(rss1 - rss0) / 1024:.0f} MB (peak {rss1 / 1024:.0f} MB)")
    print(f"top page {page}: {page.stat().st_size / 1e6:.3f} MB")
    if nodes:
        total = sum(p.stat().st_size for p in nodes)
        print(
            f"node pages: {len(nodes)}, {total / 1e6:.1f} MB in all, largest {nodes[-1].name} "
            f"{nodes[-1].stat().st_size / 1e6:.3f} MB"
        )


if __name__ == "__main__":
    main()
