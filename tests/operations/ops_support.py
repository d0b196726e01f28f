"""Helpers for the operations tests: the Prefect server handle, sample districts written with ``sampledata``,
and running the ``nianbao`` CLI in a subprocess against the server (a module name of its own: several test
folders have a conftest.py)."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flows.demo import write_returns
from sampledata.roster import district_roster, write_roster_csv
from sampledata.synthetic import break_a3, returns_for

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NIANBAO = str(VENV_BIN / "nianbao")
DISTRICT = "320799"
OFFLINE = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "GX_ANALYTICS_ENABLED": "false",
    # SQLite under a loaded 2-core machine: give statements and connections time instead of answering 503
    "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
    "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT": "30",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen, grace: float = 10) -> None:
    """End a process we started (and its children: each is started in its own session) by its id."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


# The tests' servers run as production does: with Prefect's own authentication on. Clients (CLI, serve script,
# worker, the REST helper below, the browser's login page) present this credential.
AUTH = "clerk:nianbao-test-credential"


def basic_auth(credential: str) -> str:
    return "Basic " + base64.b64encode(credential.encode()).decode()


@dataclass
class PrefectServer:
    port: int
    home: Path
    log: Path
    auth: str = AUTH
    public_url: str | None = None  # https://127.0.0.1:N when clients reach the server through the TLS proxy
    ca: Path | None = None  # the proxy's (self-signed) certificate, which clients trust

    @property
    def ui_url(self) -> str:
        return self.public_url or self.direct_url

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    @property
    def direct_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a client process (CLI, serve script, worker) of this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NIANBAO_", "PYTEST_"))}
        env.update(OFFLINE)
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_API_URL=self.api_url,
            PREFECT_SERVER_API_PORT=str(self.port),
            PREFECT_SERVER_API_AUTH_STRING=self.auth,  # read by the server process only
            PREFECT_API_AUTH_STRING=self.auth,  # read by every client
            PREFECT_LOGGING_LEVEL="INFO",
        )
        if self.ca is not None:
            env["PREFECT_API_SSL_CERT_FILE"] = str(self.ca)
        env.update(extra)
        return env


# The Prefect server answers 503 for errors a client may retry (SQLite busy on a loaded 2-core machine); its own
# client retries those with backoff, so the tests' direct REST calls do the same.
RETRYABLE = {429, 502, 503}


def api(
    server: PrefectServer,
    method: str,
    path: str,
    body: dict | None = None,
    attempts: int = 6,
    credential: str | None = None,
    base: str | None = None,
):
    """One REST call to the test server (at ``base``, default its API URL), as the clerk (or with ``credential``;
    "" = anonymous); the decoded JSON answer (None when empty)."""
    base = base or server.api_url
    context = ssl.create_default_context(cafile=str(server.ca)) if base.startswith("https:") else None
    data = None if body is None else json.dumps(body).encode()
    credential = server.auth if credential is None else credential
    headers = {"Content-Type": "application/json"}
    if credential:
        headers["Authorization"] = basic_auth(credential)
    for attempt in range(attempts):
        request = urllib.request.Request(f"{base}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:
                text = response.read()
            return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            if error.code not in RETRYABLE or attempt == attempts - 1:
                raise
            time.sleep(0.5 * 2**attempt)


# --- the UI in a browser -------------------------------------------------------------------------------------


def log_in(page, server: PrefectServer) -> None:
    """The server has authentication on: the UI shows its login page until the clerk gives the credential."""
    page.goto(f"{server.ui_url}/deployments")
    page.wait_for_url("**/login**")
    page.get_by_placeholder("admin:pass").fill(server.auth)
    page.get_by_role("button", name="Login", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


# --- sample data ----------------------------------------------------------------------------------------------


@dataclass
class District:
    root: Path  # the data folder: roster.csv, returns/<year>/, warehouse.duckdb, published/
    roster: Path
    units: int

    def submissions(self, year: int) -> Path:
        return self.root / "returns" / str(year)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def out(self) -> Path:
        return self.root / "published"

    def publication(self, year: int) -> Path:
        return self.out / DISTRICT / str(year)


def make_district(
    root: Path, year: int, departments: int = 4, townships: int = 2, broken_year: int | None = None, seed: int = 7
) -> District:
    """A roster of 1 + 1 + departments + townships rows (all but the district report) and one return per unit for
    ``year`` (XLSX forms, one JSON, one CSV), under ``root/returns/<year>/``. With ``broken_year``, also writes that
    year's returns with one breaking A3."""
    units = district_roster(DISTRICT, "示范区", n_departments=departments, n_townships=townships)
    roster = write_roster_csv(units, root / "roster.csv")
    write_returns(returns_for(units, year, seed), root / "returns" / str(year))
    if broken_year is not None:
        returns = returns_for(units, broken_year, seed)
        returns[3] = break_a3(returns[3])
        write_returns(returns, root / "returns" / str(broken_year))
    return District(root=root, roster=roster, units=len(units) - 1)


def consolidate_cmd(district: District, year: int, submissions: Path | None = None) -> list[str]:
    return [
        NIANBAO,
        "consolidate",
        "--district",
        DISTRICT,
        "--year",
        str(year),
        "--submissions",
        str(submissions or district.submissions(year)),
        "--roster",
        str(district.roster),
        "--warehouse",
        str(district.warehouse),
        "--out",
        str(district.out),
    ]


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``cmd`` in its own session (so a test can signal it and its children), output to ``log``."""
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)


def wait_for_file(path: Path, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before creating {path}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout} s")
        time.sleep(0.1)
