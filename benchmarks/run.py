"""Time the whole consolidation of 60 / 10,000 / 150,000 returns, stage by stage, against a naive baseline.

    python -m benchmarks.run --size 150000 --format json            # the pipeline's own time (no Prefect)
    python -m benchmarks.run --size 60 --format xlsx --prefect       # and once through the Prefect flow

What it prints (and writes as JSON with ``--json FILE``):

* per stage — collect, read (files → returns, narrative checks), validate (one stacked pandera pass, roster,
  cross-year), keep (originals archived), load (one transaction), consolidate (every level of the tree),
  checkpoint (GX, every node), publish (every node's report; ``--no-publish`` skips it) — wall and CPU seconds;
* wall time of the pipeline, and peak memory (``ru_maxrss`` of this process, and of the read workers);
* the naive baseline, measured in the same run on a sample of the same files (``--baseline-sample``, default
  2,000): loop over the files, read each with pandas, validate each with pandera one by one (the project's own
  schemas, one call per return), sum with pandas; its per-return cost is extrapolated to the whole size, and the
  ratio is baseline ÷ pipeline (read → checkpoint; publishing has no counterpart in the baseline);
* with ``--prefect``: the same files through the ``consolidate-district`` flow in a fresh ``PREFECT_HOME`` (in a
  subprocess), reporting the flow's start-up (ephemeral API server, flow-run creation) apart from its run time.

Reading runs on ``--workers`` processes (default: one per core), batch by batch, as ``nianbao consolidate --dask
local`` does; ``--workers 1`` reads in this process, as the flow does without Dask.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks.generate import FORMATS, SIZES, generate

TOP_NODE = "000000"  # the country row of sampledata.roster.hierarchy
YEAR = 2024


@dataclass
class Stage:
    name: str
    wall: float
    cpu: float


@dataclass
class Report:
    size: int
    format: str
    returns: int = 0
    workers: int = 1
    stages: list[Stage] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    peak_rss_workers_mb: float = 0.0
    accepted: int = 0
    checkpoint_passed: bool | None = None
    baseline_sample: int = 0
    baseline_per_return_ms: float = 0.0
    prefect: dict[str, Any] = field(default_factory=dict)
    machine: str = ""
    cache: str = ""

    def seconds(self, *names: str) -> float:
        return sum(s.wall for s in self.stages if s.name in names)

    @property
    def pipeline_seconds(self) -> float:
        """read → checkpoint (what the baseline does and more), without publishing."""
        return sum(s.wall for s in self.stages if s.name not in ("publish",))

    @property
    def baseline_seconds(self) -> float:
        return self.baseline_per_return_ms * self.returns / 1000

    @property
    def speedup(self) -> float:
        return self.baseline_seconds / self.pipeline_seconds if self.pipeline_seconds else 0.0


@contextmanager
def timed(report: Report, name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    report.stages.append(Stage(name, time.perf_counter() - wall, time.process_time() - cpu))
    print(f"  {name:<12} {report.stages[-1].wall:8.2f} s wall {report.stages[-1].cpu:8.2f} s cpu", flush=True)


def machine() -> str:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores {cpu}, {mem:.0f} GiB, Python {platform.python_version()}, load {load:.1f} at start"


# --- the pipeline, without Prefect ----------------------------------------------------------------------------


def in_process(paths: Sequence[Path], workers: int) -> bool:
    """A few files are read in this process: starting workers would cost more than it saves."""
    from pipeline.collect import READ_BATCH

    return workers <= 1 or len(paths) <= min(READ_BATCH, 1000)


def read_in_workers(paths: Sequence[Path], workers: int, archive: Path | None) -> list:
    """read_checked batch by batch (read, narrative checks, originals archived), on ``workers`` processes."""
    from pipeline.collect import batches
    from pipeline.read import read_checked

    parts = batches(list(paths))
    read = functools.partial(read_checked, archive=archive)
    if in_process(paths, workers):
        return [o for batch in parts for o in read(batch)]
    if len(parts) < workers:  # few files: still give every worker a share
        parts = batches(list(paths), max(1, -(-len(paths) // workers)))
    with ProcessPoolExecutor(workers) as pool:
        return [o for part in pool.map(read, parts) for o in part]


def run_pipeline(report: Report, folder: Path, work: Path, publish: bool) -> None:
    from pipeline.memory import collector_paused

    with collector_paused():  # as the flow does (flows/consolidate.py)
        _pipeline_stages(report, folder, work, publish)


def _pipeline_stages(report: Report, folder: Path, work: Path, publish: bool) -> None:
    """pipeline.run — the sequence the flow wraps — with each step timed (its own ``Steps``)."""
    from pipeline.keep import keep
    from pipeline.load import load
    from pipeline.run import PLAIN, Run, Steps, trace

    def timed_step(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any) -> Any:
            with timed(report, name):
                return call(*args)

        return step

    def read(paths: list[Path], archive: Path | None, root: Path | None) -> list:
        with timed(report, "read"):
            outcomes = read_in_workers(paths, report.workers, archive)
        if in_process(paths, report.workers):
            report.workers = 1  # what the per-form figure below divides by
        return outcomes

    def keep_and_load(wh: Any, key: str, node: str, year: int, roster: Any, judged: Any) -> dict[str, int]:
        with timed(report, "keep"):
            keep(judged, wh.path)
        with timed(report, "load"):
            return load(wh, key, node, year, roster, judged)

    timed_steps = Steps(
        collect=timed_step("collect", PLAIN.collect),
        read=read,
        judge=timed_step("validate", PLAIN.judge),
        cross_year=timed_step("validate", PLAIN.cross_year),
        load=keep_and_load,
        consolidate=timed_step("consolidate", PLAIN.consolidate),
        checkpoint=timed_step("checkpoint", PLAIN.checkpoint),
        publish=timed_step("publish", PLAIN.publish),
    )
    spec = Run(TOP_NODE, YEAR, folder / "roster.csv", folder / report.format, work / "warehouse.duckdb", work / "out")
    spec = replace(spec, data_docs=False)
    done = trace(spec, timed_steps, until="end" if publish else "checkpoint")
    report.returns = sum(o.ret is not None for o in done.outcomes)
    report.accepted = len(done.judged.accepted) if done.judged is not None else 0
    report.checkpoint_passed = bool(done.checkpoint is not None and done.checkpoint.success)
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.peak_rss_workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# --- the naive baseline -----------------------------------------------------------------------------------------


def naive_reader(fmt: str) -> Callable[[Path], list[dict[str, Any]]]:
    """Read one file the obvious way with pandas: a list of {unit_id, year, <cell>: value} rows."""
    import pandas as pd

    from intake.layout import CELL_POS, MAIN_SHEET, UNIT_ID_POS

    def from_json(path: Path) -> list[dict[str, Any]]:
        doc = pd.read_json(path, typ="series", dtype=False)
        return [{"unit_id": doc["unit_id"], "year": doc["year"], **doc["cells"]}]

    def from_csv(path: Path) -> list[dict[str, Any]]:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        pairs = dict(zip(frame["cell"], frame["value"]))
        return [{**pairs, "year": int(pairs["year"])}]

    def from_xlsx(path: Path) -> list[dict[str, Any]]:
        sheet = pd.read_excel(path, sheet_name=MAIN_SHEET, header=None, dtype=object)
        row = {key: sheet.iat[r, c] for key, (r, c) in CELL_POS.items()}
        return [{"unit_id": str(sheet.iat[UNIT_ID_POS]), "year": YEAR, **row}]

    def from_parquet(path: Path) -> list[dict[str, Any]]:
        return pd.read_parquet(path).to_dict("records")

    return {"json": from_json, "csv": from_csv, "xlsx": from_xlsx, "parquet": from_parquet}[fmt]


def run_baseline(report: Report, folder: Path, sample: int) -> None:
    """Per file: pandas read, one pandera validation per return (schemas.validate.validate_frame on a one-row
    frame: the shape and identity schemas); then the sums with pandas. Timed per return on ``sample`` returns."""
    import pandas as pd

    from schemas.cells import CELL_KEYS
    from schemas.frame import stack
    from schemas.returns import from_raw_cells
    from schemas.validate import validate_frame

    read = naive_reader(report.format)
    paths = sorted((folder / report.format).iterdir())
    validate_frame(stack([from_raw_cells("0", "", YEAR, {})]), year=YEAR)  # warm-up: pandera's first call
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for path in paths:
        for raw in read(path):
            ret = from_raw_cells(raw.get("unit_id", ""), "", raw.get("year"), raw)
            validate_frame(stack([ret]), year=YEAR)
            rows.append({"unit_id": ret.unit_id, **ret.cells})
            if len(rows) >= sample:
                break
        if len(rows) >= sample:
            break
    frame = pd.DataFrame(rows)
    units = pd.read_csv(folder / "roster.csv", dtype=str, keep_default_na=False)
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    frame["district"] = frame["unit_id"].map(parent)
    frame["city"] = frame["district"].map(parent)
    frame["province"] = frame["city"].map(parent)
    counts = [k for k in CELL_KEYS if k != "s2.admin_fees.amount_wan"]
    for level in ("district", "city", "province"):
        frame.groupby(level)[counts].sum()
    frame[counts].sum()
    report.baseline_sample = len(rows)
    report.baseline_per_return_ms = (time.perf_counter() - start) * 1000 / max(1, len(rows))
    print(f"  baseline     {report.baseline_per_return_ms:8.2f} ms per return (on {len(rows):,} returns)")


# --- once through Prefect --------------------------------------------------------------------------------------


def run_prefect(report: Report, folder: Path, work: Path, dask: str | None) -> None:
    """The flow in a subprocess with its own PREFECT_HOME (ephemeral API), twice: the first run pays the API's
    start-up; the second shows the flow with the API warm. Each reports Prefect's own run time of the flow."""
    home = work / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "NIANBAO_ALLOWED_ROOTS": f"{folder}{os.pathsep}{work}"}
    env.pop("PREFECT_API_URL", None)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.prefect_run",
        "--submissions",
        str(folder / report.format),
        "--roster",
        str(folder / "roster.csv"),
        "--district",
        TOP_NODE,
        "--year",
        str(YEAR),
        "--work",
        str(work),
    ]
    if dask:
        cmd += ["--dask", dask]
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, check=False
    )
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
        raise SystemExit(f"the Prefect run failed (exit {done.returncode})")
    report.prefect = json.loads(done.stdout.strip().splitlines()[-1])
    p = report.prefect
    print(
        f"  prefect      import {p['import_s']:.2f} s; 1st flow call {p['first_call_s']:.2f} s (flow run "
        f"{p['first_run_s']:.2f} s, start-up {p['first_call_s'] - p['first_run_s']:.2f} s); 2nd call "
        f"{p['second_call_s']:.2f} s (flow run {p['second_run_s']:.2f} s)"
    )


def warm_cache(folder: Path) -> None:
    """Read every file once, so the timed run reads from the page cache (what a second run sees)."""
    start = time.perf_counter()
    for entry in sorted(folder.iterdir()):
        with open(entry, "rb") as fh:
            while fh.read(1 << 20):
                pass
    print(f"  (page cache warmed in {time.perf_counter() - start:.1f} s)")


# --- main -------------------------------------------------------------------------------------------------------


def print_summary(report: Report) -> None:
    print()
    print(
        f"== {report.returns:,} returns from {report.format}, {report.workers} read worker(s), file cache "
        f"{report.cache} — {report.machine}"
    )
    print(
        f"   pipeline (read → checkpoint): {report.pipeline_seconds:.1f} s wall; "
        f"with publish: {sum(s.wall for s in report.stages):.1f} s"
    )
    print(
        f"   peak memory: {report.peak_rss_mb:,.0f} MB (pipeline process), {report.peak_rss_workers_mb:,.0f} MB "
        "(largest read worker)"
    )
    print(f"   accepted {report.accepted:,}; checkpoint {'passed' if report.checkpoint_passed else 'FAILED'}")
    if report.baseline_sample:
        print(
            f"   naive baseline: {report.baseline_per_return_ms:.2f} ms/return on {report.baseline_sample:,} "
            f"returns → {report.baseline_seconds:,.0f} s extrapolated to {report.returns:,}; "
            f"speed-up {report.speedup:.1f}×"
        )
    if report.format == "xlsx":
        read = next(s for s in report.stages if s.name == "read")
        print(
            f"   XLSX read: {read.wall * 1000 * report.workers / max(1, report.returns):.2f} ms per form per core "
            f"(wall × workers ÷ forms)"
        )


def main(argv: Sequence[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description="Time the consolidation pipeline (see benchmarks/README.md).")
    parser.add_argument("--size", type=int, choices=SIZES, default=60)
    parser.add_argument("--format", choices=FORMATS, default="json")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="read processes (default: cores)")
    parser.add_argument(
        "--baseline-sample", type=int, default=2000, help="returns timed for the naive baseline; 0: skip"
    )
    parser.add_argument("--no-publish", action="store_true", help="skip publishing every node's report")
    parser.add_argument("--prefect", action="store_true", help="also run once through the Prefect flow")
    parser.add_argument("--dask", default=None, help="with --prefect: run the flow's read batches on Dask")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="read every input file once before timing (page cache warm: the disk is not measured)",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    parser.add_argument("--keep-work", action="store_true", help="keep the warehouse and reports (printed path)")
    args = parser.parse_args(argv)

    report = Report(size=args.size, format=args.format, workers=args.workers, machine=machine())
    folder = generate(args.size, [args.format])
    work = Path(tempfile.mkdtemp(prefix=f"nianbao-bench-{args.size}-{args.format}-"))
    print(f"Benchmark: {args.size:,} units, {args.format}, data {folder}, work {work}")
    if args.warm:
        warm_cache(folder / args.format)
    report.cache = "warm" if args.warm else "as found (cold after a reboot or memory pressure)"
    try:
        run_pipeline(report, folder, work, publish=not args.no_publish)
        if args.baseline_sample:
            run_baseline(report, folder, min(args.baseline_sample, report.returns))
        if args.prefect:
            run_prefect(report, folder, work / "prefect", args.dask)
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    print_summary(report)
    if args.json:
        payload = asdict(report) | {"pipeline_seconds": report.pipeline_seconds, "speedup": report.speedup}
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
