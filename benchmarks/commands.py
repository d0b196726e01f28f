"""Time the commands users run, as processes, end to end (publication, audit report, Data Docs and artifacts
included): what a clerk waits for, not what the pipeline costs inside one warm process (that is benchmarks.run).

    python -m benchmarks.commands --size 60 --format xlsx --repeat 3          # all five commands
    python -m benchmarks.commands --size 10000 --format json --commands consolidate,server
    python -m benchmarks.commands --size 150000 --format parquet --commands consolidate --repeat 1

The commands (``--commands``, comma-separated; default all five at 60 units, ``consolidate`` above):

* ``validate`` — ``nianbao validate FILE`` on one form, and on 60 files as a shell passes ``folder/*``;
* ``wrong-path`` — ``nianbao consolidate`` of a submissions folder that does not exist, until it fails;
* ``consolidate`` — ``nianbao consolidate`` of the whole tree with Prefect's ephemeral API (``PREFECT_API_URL``
  unset; one ``PREFECT_HOME`` for the benchmark, made fresh at its start, shared by its runs);
* ``server`` — the same command against a running ``prefect server start`` (started here on 127.0.0.1 with its own
  PREFECT_HOME and Prefect's authentication on, as tests/operations does; its start-up is reported apart);
* ``ui`` — a deployment run as the UI's **Run** button starts it: ``python -m flows.serve`` running, then
  ``POST /api/deployments/{id}/create_flow_run`` with the run's parameters, timed from that POST until
  ``/api/flow_runs/{id}`` says Completed (the serve process asks the server for work every
  ``PREFECT_RUNNER_POLL_FREQUENCY`` seconds, 10 by default: that wait is part of what the clerk sees).

Each command is the checkout's own code (``python -m flows.cli``, PYTHONPATH = this checkout) in a fresh warehouse
and publication folder per run. Wall time is taken by this process; CPU (user + system) and peak memory (the
largest process) of the command's process tree from ``os.wait4`` (children reaped by the command are included).
The stage log (``NIANBAO_STAGE_LOG``, pipeline/stagelog.py) splits a consolidation into start-up (process start →
first step: imports, Prefect's API, the flow run's creation), each step of pipeline.run, the gaps between steps
(run key), and what follows the last step (artifacts, flow-run end, shutdown). For a ``ui`` run, the flow run's
own process reports its CPU and peak memory through the stage log and the serve process's reaped children.

The naive per-file loop (benchmarks.run.run_baseline: pandas reads each file, pandera validates each return, pandas
sums by district, city and province) runs once in the same invocation, after the commands, over the same files:
in full when it would take a few minutes at most, else on ``--baseline-sample`` returns and extrapolated (the
output says which). The ratio is naive ÷ the command's median wall time.

Figures: median of ``--repeat`` runs per row (each stage's median on its own, so the rows need not add up to the
total exactly). A table is printed; ``--json FILE`` writes every run's figures too.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.generate import DATA_ROOT, FORMATS, SIZES, generate
from benchmarks.run import TOP_NODE, YEAR, Report, machine, run_baseline, warm_cache
from pipeline.stagelog import STAGE_LOG_ENV

ROOT = Path(__file__).resolve().parent.parent  # the checkout whose code is timed
COMMANDS = ("validate", "wrong-path", "consolidate", "server", "ui")
OFFLINE = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "GX_ANALYTICS_ENABLED": "false",
}
AUTH = "bench:nianbao-benchmark-credential"  # the benchmark's own server, on 127.0.0.1, for its own runs
NOT_COMPARED = {"validate-one", "validate-folder", "wrong-path"}  # no naive-loop counterpart
VALIDATE_FOLDER = 60  # files in the "folder" validate call
BASELINE_FULL_UP_TO = 1_000  # returns: the naive loop (~0.1 s per return) runs in full up to here, else a sample
BASELINE_SAMPLE = 500


Row = dict[str, float | None]  # a table row's wall, cpu, peak_mb


@dataclass
class Measure:
    """One run of one command."""

    wall: float
    cpu: float | None  # user + system seconds of the process tree (None: not measurable)
    peak_mb: float | None  # the largest process's peak RSS
    exit: int | None
    stages: dict[str, Row] = field(default_factory=dict)  # row → wall, cpu, peak_mb
    note: str = ""


@dataclass
class Result:
    name: str
    command: str
    runs: list[Measure] = field(default_factory=list)
    fails: bool = False  # the command is meant to fail (a wrong path): a run counts when it exits non-zero

    def counts(self, m: Measure) -> bool:
        return m.exit is not None and (m.exit != 0) == self.fails

    def median(self) -> dict[str, Any]:
        """Median of each figure and of each stage's figures, over the runs that exited (or all, if none did)."""
        runs = [r for r in self.runs if self.counts(r)] or self.runs
        out: dict[str, Any] = {"runs": len(runs), "wall": med([r.wall for r in runs])}
        out["cpu"] = med([r.cpu for r in runs if r.cpu is not None])
        out["peak_mb"] = med([r.peak_mb for r in runs if r.peak_mb is not None])
        rows: list[str] = []
        for r in runs:
            rows += [k for k in r.stages if k not in rows]
        out["stages"] = {
            row: {
                what: med([v for r in runs if row in r.stages and (v := r.stages[row].get(what)) is not None])
                for what in ("wall", "cpu", "peak_mb")
            }
            for row in rows
        }
        return out


def med(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


# --- processes ---------------------------------------------------------------------------------------------------


def base_env(**extra: str) -> dict[str, str]:
    """This environment without nianbao's or Prefect's own settings, offline, the checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NIANBAO_", "PREFECT_", "PYTEST_"))}
    env.update(OFFLINE)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def nianbao(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def timed_process(cmd: list[str], env: dict[str, str], cwd: Path, log: Path, timeout: float) -> Measure:
    """Run ``cmd`` in its own session; wall from here, CPU and peak memory of its tree from ``os.wait4``. Past
    ``timeout`` the whole session is killed (exit None, noted)."""
    stage_log = log.with_suffix(".stages.jsonl")
    stage_log.unlink(missing_ok=True)
    env = {**env, STAGE_LOG_ENV: str(stage_log)}
    started, t0 = time.time(), time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    killed: list[bool] = []

    def kill() -> None:
        killed.append(True)
        os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    ended, wall = time.time(), time.perf_counter() - t0
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    m = Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, None if killed else proc.returncode)
    if killed:
        m.note = f"killed after {timeout:.0f} s; stages up to then"
    label = "after the last logged step → killed" if killed else "after the last step → exit"
    m.stages = stage_rows(read_stage_log(stage_log), started, ended, ended_label=label)
    return m


def read_stage_log(path: Path, pid: int | None = None) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [x for x in lines if pid is None or x["pid"] == pid]


def stage_rows(lines: list[dict[str, Any]], started: float, ended: float | None, ended_label: str) -> dict[str, Row]:
    """The table's rows from one process's stage log: start-up (``started`` → the begin line), each step (a step
    inside another indented under it), the gaps between steps, and ``ended_label`` (the last step → ``ended``)."""
    begin = next((x for x in lines if x["event"] == "begin"), None)
    steps = [x for x in lines if x["event"] == "step"]
    if begin is None:
        return {}
    rows: dict[str, Row] = {
        "start-up (process start → first step)": {
            "wall": begin["t"] - started,
            "cpu": begin["cpu"],
            "peak_mb": begin["maxrss_mb"],
        }
    }
    top = [x for x in steps if not x.get("within")]
    for x in top:  # a step, then the steps logged inside it
        rows[x["step"]] = {"wall": x["wall"], "cpu": x["cpu"], "peak_mb": x["maxrss_mb"]}
        for inner in (y for y in steps if y.get("within") == x["step"]):
            rows[f"  {x['step']}: {inner['step']}"] = {"wall": inner["wall"], "cpu": inner["cpu"], "peak_mb": None}
    gaps = [b["start"] - a["end"] for a, b in itertools.pairwise(top)]
    if gaps:
        rows["between steps (run key, …)"] = {"wall": sum(gaps), "cpu": None, "peak_mb": None}
    if top and ended is not None:
        rows[ended_label] = {"wall": ended - top[-1]["end"], "cpu": None, "peak_mb": None}
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process this benchmark started, and its session, by its id."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


# --- a running Prefect server --------------------------------------------------------------------------------------


class Server:
    """``prefect server start`` on 127.0.0.1 with its own PREFECT_HOME and authentication on."""

    def __init__(self, work: Path) -> None:
        self.home = work / "server-home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log = work / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    def env(self, **extra: str) -> dict[str, str]:
        return base_env(
            PREFECT_HOME=str(self.home),
            PREFECT_API_URL=self.api_url,
            PREFECT_SERVER_API_PORT=str(self.port),
            PREFECT_SERVER_API_AUTH_STRING=AUTH,  # read by the server
            PREFECT_API_AUTH_STRING=AUTH,  # read by every client
            # SQLite on a loaded 2-core machine: time instead of 503s (as tests/operations does)
            PREFECT_SERVER_DATABASE_TIMEOUT="60",
            PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT="30",
            **extra,
        )

    def start(self) -> None:
        prefect = Path(sys.executable).parent / "prefect"
        t0 = time.perf_counter()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env(),
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"prefect server exited ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2):
                    self.startup_s = time.perf_counter() - t0
                    print(f"  prefect server on :{self.port} answered in {self.startup_s:.1f} s", flush=True)
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("prefect server did not answer within 180 s")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode(),
        }
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(6):
            request = urllib.request.Request(f"{self.api_url}{path}", data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    text = response.read()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as error:
                if error.code not in (429, 502, 503) or attempt == 5:
                    raise
                time.sleep(0.5 * (attempt + 1))
        return None


# --- the benchmark -------------------------------------------------------------------------------------------------


@dataclass
class Bench:
    size: int
    fmt: str
    folder: Path  # the size's data folder (roster.csv, <format>/)
    work: Path
    repeat: int
    timeout: float

    @property
    def submissions(self) -> Path:
        return self.folder / self.fmt

    @property
    def roster(self) -> Path:
        return self.folder / "roster.csv"

    def consolidate_args(self, run: Path) -> list[str]:
        return [
            "consolidate",
            "--district",
            TOP_NODE,
            "--year",
            str(YEAR),
            "--submissions",
            str(self.submissions),
            "--roster",
            str(self.roster),
            "--warehouse",
            str(run / "warehouse.duckdb"),
            "--out",
            str(run / "out"),
        ]

    def run_dir(self, name: str, i: int) -> Path:
        run = self.work / f"{name}-{i + 1}"
        run.mkdir(parents=True, exist_ok=True)
        return run

    def repeated(self, name: str, shown: str, cmd_of: Any, env: dict[str, str], fails: bool = False) -> Result:
        result = Result(name, shown, fails=fails)
        for i in range(self.repeat):
            run = self.run_dir(name, i)
            m = timed_process(cmd_of(run), env, run, run / "command.log", self.timeout)
            result.runs.append(m)
            print(f"  {name} #{i + 1}: {m.wall:.1f} s wall, exit {m.exit} {m.note}".rstrip(), flush=True)
            if not result.counts(m):
                print((run / "command.log").read_text(errors="replace")[-1500:])
                break  # a killed or failed run may hold the run's concurrency slot: no more repeats
            shutil.rmtree(run / "out", ignore_errors=True)  # keep the disk free; the logs stay
            (run / "warehouse.duckdb").unlink(missing_ok=True)
            shutil.rmtree(run / "warehouse.files", ignore_errors=True)
        return result

    # the commands ---------------------------------------------------------------------------------------------

    def validate(self) -> list[Result]:
        files = sorted(p for p in self.submissions.iterdir() if p.is_file())
        env = base_env(PREFECT_HOME=str(self.work / "prefect-home"))
        one = self.repeated(
            "validate-one", f"nianbao validate {files[0].name}", lambda _: nianbao("validate", str(files[0])), env
        )
        some = [str(p) for p in files[:VALIDATE_FOLDER]]
        many = self.repeated(
            "validate-folder", f"nianbao validate <{len(some)} files>", lambda _: nianbao("validate", *some), env
        )
        return [one, many]

    def consolidate(self) -> list[Result]:
        env = base_env(PREFECT_HOME=str(self.work / "prefect-home"), NIANBAO_ALLOWED_ROOTS=self.roots())
        return [
            self.repeated(
                "consolidate",
                "nianbao consolidate (ephemeral API)",
                lambda run: nianbao(*self.consolidate_args(run)),
                env,
            )
        ]

    def wrong_path(self) -> list[Result]:
        """``consolidate`` of a submissions folder that does not exist: how long until the error."""
        env = base_env(PREFECT_HOME=str(self.work / "prefect-home"), NIANBAO_ALLOWED_ROOTS=self.roots())

        def cmd(run: Path) -> list[str]:
            args = self.consolidate_args(run)
            args[args.index("--submissions") + 1] = str(run / "no-such-folder")
            return nianbao(*args)

        return [self.repeated("wrong-path", "nianbao consolidate --submissions <missing folder>", cmd, env, fails=True)]

    def server(self, server: Server) -> list[Result]:
        env = server.env(NIANBAO_ALLOWED_ROOTS=self.roots())
        shown = "nianbao consolidate (running server)"
        return [self.repeated("consolidate-server", shown, lambda run: nianbao(*self.consolidate_args(run)), env)]

    def roots(self) -> str:
        return f"{self.folder.resolve()}{os.pathsep}{self.work.resolve()}"

    def ui(self, server: Server) -> list[Result]:
        data = self.work / "serve-data"
        data.mkdir(parents=True, exist_ok=True)
        stage_log = self.work / "serve.stages.jsonl"
        env = server.env(NIANBAO_ALLOWED_ROOTS=self.roots(), **{STAGE_LOG_ENV: str(stage_log)})
        if "PREFECT_RUNNER_POLL_FREQUENCY" in os.environ:
            env["PREFECT_RUNNER_POLL_FREQUENCY"] = os.environ["PREFECT_RUNNER_POLL_FREQUENCY"]
        poll = env.get("PREFECT_RUNNER_POLL_FREQUENCY", "10 (default)")
        log = open(self.work / "serve.log", "wb")  # noqa: SIM115 — open for the serve process's whole life
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows.serve", "--district", TOP_NODE, "--data", str(data)],
            env=env,
            cwd=self.work,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        result = Result("ui", f"UI Run → Completed (flows.serve, runner poll {poll} s)")
        try:
            deployment = wait_for_deployment(server, serve)
            for i in range(self.repeat):
                m = ui_run(
                    server, serve, deployment, self.ui_parameters(self.run_dir("ui", i)), stage_log, self.timeout
                )
                result.runs.append(m)
                print(f"  ui #{i + 1}: {m.wall:.1f} s POST → Completed, {m.note}", flush=True)
                if m.exit != 0:
                    print((self.work / "serve.log").read_text(errors="replace")[-1500:])
                    break
        finally:
            stop(serve)
            log.close()
        return [result]

    def ui_parameters(self, run: Path) -> dict[str, Any]:
        return {
            "district": TOP_NODE,
            "year": YEAR,
            "submissions": str(self.submissions),
            "roster": str(self.roster),
            "warehouse": str(run / "warehouse.duckdb"),
            "out": str(run / "out"),
        }


def wait_for_deployment(server: Server, serve: subprocess.Popen[bytes], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise SystemExit(f"flows.serve exited ({serve.returncode})")
        try:
            return dict(server.api("GET", "/deployments/name/consolidate-district/on-demand"))
        except urllib.error.HTTPError:
            time.sleep(0.5)
    raise SystemExit("the on-demand deployment did not appear")


FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def serve_cpu(serve: subprocess.Popen[bytes]) -> float | None:
    """CPU of the serve process and of its reaped children (the flow runs' processes), when psutil is there."""
    try:
        import psutil
    except ImportError:
        return None
    t = psutil.Process(serve.pid).cpu_times()
    return float(t.user + t.system + t.children_user + t.children_system)


def ui_run(
    server: Server,
    serve: subprocess.Popen[bytes],
    deployment: dict[str, Any],
    parameters: dict[str, Any],
    stage_log: Path,
    timeout: float,
) -> Measure:
    """What the UI's Run button does (POST create_flow_run with the form's parameters), then poll the run until it
    is final. Rows: waiting for the runner (POST → Pending), the flow run's process start-up (Pending → first step),
    its steps, and the last step → Completed as the API reports it."""
    cpu0 = serve_cpu(serve)
    seen = {x["pid"] for x in read_stage_log(stage_log)}
    started, t0 = time.time(), time.perf_counter()
    body = {"parameters": parameters, "state": {"type": "SCHEDULED"}}
    run_id = server.api("POST", f"/deployments/{deployment['id']}/create_flow_run", body)["id"]
    state = ""
    while time.perf_counter() - t0 < timeout:
        state = server.api("GET", f"/flow_runs/{run_id}")["state_type"]
        if state in FINAL:
            break
        time.sleep(0.1)
    ended, wall = time.time(), time.perf_counter() - t0
    if state not in FINAL:
        server.api("POST", f"/flow_runs/{run_id}/set_state", {"state": {"type": "CANCELLING"}, "force": True})
    # the runner reaps the run's process a moment after the state is final: wait for it, for its CPU
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _children_gone(serve):
        time.sleep(0.2)
    cpu1 = serve_cpu(serve)
    lines = [x for x in read_stage_log(stage_log) if x["pid"] not in seen]
    steps = [x for x in lines if x["event"] == "step"]
    peak = max((x["maxrss_mb"] for x in steps), default=None)
    m = Measure(wall, None if cpu0 is None or cpu1 is None else cpu1 - cpu0, peak, 0 if state == "COMPLETED" else 1)
    m.note = state.lower() if state else "no state"
    rows = stage_rows(lines, started, ended, ended_label="after the last step → Completed")
    pending = first_state_time(server, run_id, "PENDING")
    if rows and pending is not None:
        startup = rows.pop("start-up (process start → first step)")
        begun = started + (startup["wall"] or 0.0)  # the run process's first step
        rows = {
            "waiting for the runner (POST → Pending)": {"wall": pending - started, "cpu": None, "peak_mb": None},
            "run process start-up (Pending → first step)": {**startup, "wall": begun - pending},
            **rows,
        }
    m.stages = rows
    return m


def _children_gone(serve: subprocess.Popen[bytes]) -> bool:
    try:
        import psutil
    except ImportError:
        return True
    return not psutil.Process(serve.pid).children()


def first_state_time(server: Server, run_id: str, state_type: str) -> float | None:
    """When the run first entered ``state_type`` (the server's clock: this machine's)."""
    from datetime import datetime

    try:
        states = server.api("GET", f"/flow_run_states/?flow_run_id={run_id}")
    except urllib.error.HTTPError:
        return None
    times = [datetime.fromisoformat(s["timestamp"]).timestamp() for s in states if s["type"] == state_type]
    return min(times) if times else None


# --- the naive loop, the table ------------------------------------------------------------------------------------


def count_returns(folder: Path, fmt: str) -> int:
    done = folder / f".done-{fmt}"
    return int(done.read_text().strip()) if done.exists() else sum(1 for _ in (folder / fmt).iterdir())


def naive_loop(bench: Bench, returns: int, sample: int | None) -> dict[str, Any]:
    """benchmarks.run's naive baseline over the same files, in full or on a sample (extrapolated)."""
    if sample is None:
        sample = returns if returns <= BASELINE_FULL_UP_TO else BASELINE_SAMPLE
    report = Report(size=bench.size, format=bench.fmt)
    run_baseline(report, bench.folder, min(sample, returns))
    full = report.baseline_sample >= returns
    return {
        "returns": returns,
        "measured_on": report.baseline_sample,
        "per_return_ms": report.baseline_per_return_ms,
        "seconds": report.baseline_per_return_ms * returns / 1000,
        "how": "measured in full"
        if full
        else f"measured on {report.baseline_sample:,} of {returns:,} returns, extrapolated",
    }


def fmt_num(value: float | None, spec: str = ".2f") -> str:
    return "—" if value is None else format(value, spec)


def print_table(result: Result, naive: dict[str, Any] | None, consolidates: bool) -> None:
    m = result.median()
    print()
    print(f"== {result.command} — median of {m['runs']} run(s)")
    print(f"   {'stage':<44} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for row, v in m["stages"].items():
        print(f"   {row:<44} {fmt_num(v['wall']):>8} {fmt_num(v['cpu']):>8} {fmt_num(v['peak_mb'], ',.0f'):>8}")
    print(f"   {'total':<44} {fmt_num(m['wall']):>8} {fmt_num(m['cpu']):>8} {fmt_num(m['peak_mb'], ',.0f'):>8}")
    notes = sorted({r.note for r in result.runs if r.note})
    if notes:
        print(f"   ({'; '.join(notes)})")
    if naive and consolidates and m["wall"]:
        finished = any(result.counts(r) for r in result.runs)  # a killed run only bounds the ratio from above
        print(
            f"   naive per-file loop: {naive['seconds']:,.1f} s ({naive['per_return_ms']:.1f} ms/return, {naive['how']})"
            f" → the command is {'' if finished else 'at most '}{naive['seconds'] / m['wall']:.2f}× the naive loop"
        )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Time nianbao's commands as processes (see benchmarks/README.md).")
    parser.add_argument("--size", type=int, choices=SIZES, default=60)
    parser.add_argument("--format", choices=FORMATS, default="xlsx")
    parser.add_argument("--commands", default=None, help=f"comma-separated, of {','.join(COMMANDS)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command; the median is shown")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    parser.add_argument("--baseline-sample", type=int, default=None, help="returns for the naive loop; 0: skip")
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT, help="where benchmarks.generate keeps data")
    parser.add_argument("--warm", action="store_true", help="read the input files once before timing")
    parser.add_argument("--json", type=Path, help="write every run's figures to this file")
    parser.add_argument("--keep-work", action="store_true", help="keep the work folder (logs, last outputs)")
    args = parser.parse_args(argv)
    wanted = (args.commands or (",".join(COMMANDS) if args.size <= 60 else "consolidate")).split(",")
    unknown = set(wanted) - set(COMMANDS)
    if unknown:
        parser.error(f"unknown command(s): {', '.join(sorted(unknown))}")

    folder = generate(args.size, [args.format], root=args.data_root)
    work = Path(tempfile.mkdtemp(prefix=f"nianbao-commands-{args.size}-{args.format}-"))
    bench = Bench(args.size, args.format, folder, work, args.repeat, args.timeout)
    returns = count_returns(folder, args.format)
    print(f"Commands benchmark: {args.size:,} units ({returns:,} returns, {args.format}), data {folder}, work {work}")
    print(f"  {machine()}")
    if args.warm:
        warm_cache(bench.submissions)
    results: list[Result] = []
    server: Server | None = None
    try:
        if "validate" in wanted:
            results += bench.validate()
        if "wrong-path" in wanted:
            results += bench.wrong_path()
        if "consolidate" in wanted:
            results += bench.consolidate()
        if "server" in wanted or "ui" in wanted:
            server = Server(work)
            server.start()
            if "server" in wanted:
                results += bench.server(server)
            if "ui" in wanted:
                results += bench.ui(server)
    finally:
        if server is not None:
            server.stop()
    naive = None
    if args.baseline_sample != 0 and any(r.name not in NOT_COMPARED for r in results):
        naive = naive_loop(bench, returns, args.baseline_sample)
    print()
    print(f"== {args.size:,} units, {args.format}: {returns:,} returns; cache {'warm' if args.warm else 'as found'}")
    for r in results:
        print_table(r, naive, consolidates=r.name not in NOT_COMPARED)
    if server is not None:
        print(
            f"\n   (prefect server start → /api/health answering: {server.startup_s:.1f} s, not in the figures above)"
        )
    payload = {
        "size": args.size,
        "format": args.format,
        "returns": returns,
        "machine": machine(),
        "cache": "warm" if args.warm else "as found",
        "peak_mb_this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "server_startup_s": server.startup_s if server else None,
        "naive": naive,
        "commands": {
            r.name: {"command": r.command, "median": r.median(), "runs": [asdict(x) for x in r.runs]} for r in results
        },
    }
    if args.json:
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"   work folder kept: {work}")
    return payload


if __name__ == "__main__":
    main()
