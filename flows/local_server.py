"""``nianbao server start|stop|status``: one local Prefect server that ``nianbao consolidate`` and ``flows.serve``
use instead of starting an ephemeral API each time.

``start`` launches ``prefect server start --host 127.0.0.1 --port N`` in the background, in a session of its own,
with ``PREFECT_SERVER_API_PORT=N`` (so the UI calls the API on that port) and Prefect's authentication on (the
credential of ``PREFECT_SERVER_API_AUTH_STRING``, or one generated for this server), waits until ``/api/health``
answers, and remembers the server in ``<nianbao home>/server.json`` (``$NIANBAO_HOME``, else ``~/.nianbao``): its
API URL, pid and log, and where its credential comes from. The credential itself is kept beside it in
``server-credential``, readable by its owner only; the state file names that file, never the secret.

A client (:func:`use_remembered_server`) takes the remembered server only when ``PREFECT_API_URL`` is not set
(a URL the user gives always wins: Prefect reads it itself) and the server answers; a state file whose process is
gone or whose port does not answer is ignored with one line, and the run falls back to the ephemeral API.

Standard library only, no Prefect: the choice is made before Prefect is imported, since Prefect reads its
settings when it is first imported.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from schemas.errors import NianbaoError

HOME_ENV = "NIANBAO_HOME"
DEFAULT_PORT = 4200
SERVER_AUTH_ENV = "PREFECT_SERVER_API_AUTH_STRING"  # read by the server
CLIENT_AUTH_ENV = "PREFECT_API_AUTH_STRING"  # read by every client
GENERATED = "generated"
# SQLite on a small, loaded machine: give statements and connections time instead of answering 503
SERVER_ENV_DEFAULTS = {"PREFECT_SERVER_DATABASE_TIMEOUT": "60", "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT": "30"}


class ServerError(NianbaoError, RuntimeError):
    """The server could not be started or stopped; the message says why (and where its log is)."""


@dataclass(frozen=True)
class ServerState:
    """What ``server.json`` remembers of the running server."""

    api_url: str  # http://127.0.0.1:N/api
    port: int
    pid: int  # the ``prefect server start`` process, leader of its own session
    log: str  # the server's output
    credential_file: str  # the credential clients present (owner-only file)
    credential_from: str  # PREFECT_SERVER_API_AUTH_STRING, or "generated"

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def credential(self) -> str:
        return Path(self.credential_file).read_text(encoding="utf-8").strip()


def nianbao_home() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".nianbao")


def state_file() -> Path:
    return nianbao_home() / "server.json"


def read_state() -> ServerState | None:
    """The remembered server, or None when there is none (a file that cannot be read is no server either)."""
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
        return ServerState(**data)
    except (OSError, ValueError, TypeError):
        return None


def answers(api_url: str, timeout: float = 2.0) -> bool:
    """True when the server's health probe answers (the one request Prefect serves without a credential)."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def process_alive(pid: int) -> bool:
    """True when ``pid`` is a live ``prefect`` process (a reused pid of another program is not our server)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not the server this user started
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():  # no /proc: the signal check is all there is
        return True
    try:
        return b"prefect" in cmdline.read_bytes()
    except OSError:
        return False


def why_not_running(state: ServerState) -> str | None:
    """None when the remembered server runs and answers; else why it does not, in a few words."""
    if not process_alive(state.pid):
        return f"its process {state.pid} is not running"
    if not answers(state.api_url):
        return f"it does not answer at {state.api_url}"
    return None


def running() -> ServerState | None:
    state = read_state()
    return state if state is not None and why_not_running(state) is None else None


def stale_line(state: ServerState, why: str) -> str:
    return f"nianbao server: {state_file()} names a server at {state.api_url}, but {why}; ignored."


def use_remembered_server(say: Callable[[str], object] = print) -> ServerState | None:
    """Point this process's Prefect client at the remembered server (PREFECT_API_URL, and the credential when
    PREFECT_API_AUTH_STRING is not set) when PREFECT_API_URL is not set and the server answers. Call before
    Prefect is imported. A stale state file is ignored, said in one line through ``say``."""
    if os.environ.get("PREFECT_API_URL") or not state_file().exists():
        return None
    state = read_state()
    if state is None:
        say(f"nianbao server: cannot read {state_file()}; ignored.")
        return None
    why = why_not_running(state)
    if why is not None:
        say(stale_line(state, why))
        return None
    try:
        credential = state.credential()
    except OSError as exc:
        say(f"nianbao server: cannot read the credential {state.credential_file} ({exc.strerror}); ignored.")
        return None
    os.environ["PREFECT_API_URL"] = state.api_url
    os.environ.setdefault(CLIENT_AUTH_ENV, credential)
    return state


def _prefect_command() -> list[str]:
    beside = Path(sys.executable).parent / "prefect"  # the venv's own Prefect, whatever PATH says
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "prefect"]


def _keep_credential(home: Path) -> tuple[Path, str]:
    """The credential of the server to start, written owner-only under ``home``, and where it came from."""
    given = os.environ.get(SERVER_AUTH_ENV, "").strip()
    credential, source = (given, SERVER_AUTH_ENV) if given else (f"nianbao:{secrets.token_urlsafe(24)}", GENERATED)
    path = home / "server-credential"
    path.unlink(missing_ok=True)  # created anew, so its mode is 0600 whatever an older file had
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(credential + "\n")
    return path, source


def start(port: int = DEFAULT_PORT, wait: float = 180.0) -> tuple[ServerState, bool]:
    """Start the server (or find it already running); (its state, whether this call started it)."""
    already = running()
    if already is not None:
        return already, False
    home = nianbao_home()
    home.mkdir(parents=True, exist_ok=True)
    credential_file, source = _keep_credential(home)
    log = home / "server.log"
    env = {**SERVER_ENV_DEFAULTS, **os.environ}
    env.pop("PREFECT_API_URL", None)  # the server is no client of another server
    env.update(
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),  # the UI calls the API on this port
        PREFECT_SERVER_API_AUTH_STRING=credential_file.read_text(encoding="utf-8").strip(),
    )
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*_prefect_command(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this command; stopped as a group by ``stop``
            cwd=home,
        )
    state = ServerState(
        api_url=f"http://127.0.0.1:{port}/api",
        port=port,
        pid=proc.pid,
        log=str(log),
        credential_file=str(credential_file),
        credential_from=source,
    )
    deadline = time.monotonic() + wait
    while not answers(state.api_url, timeout=1.0):
        if proc.poll() is not None:
            raise ServerError(f"prefect server exited with {proc.returncode} before it answered; see {log}")
        if time.monotonic() > deadline:
            _end(proc.pid)
            raise ServerError(f"prefect server did not answer within {wait:g} s, stopped; see {log}")
        time.sleep(0.3)
    _remember(state)
    return state, True


def _remember(state: ServerState) -> None:
    path = state_file()
    staged = path.with_suffix(".json.tmp")
    staged.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    staged.replace(path)


def _end(pid: int, grace: float = 20.0) -> None:
    """SIGTERM to the server's session (the server and what it started), SIGKILL after ``grace`` seconds."""
    for sig, patience in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):  # our child (start's time-out): reaped
                    return
            except ChildProcessError:  # started by another nianbao command: watch it go
                if not process_alive(pid):
                    return
            time.sleep(0.2)


def stop() -> tuple[ServerState | None, str | None]:
    """Stop the remembered server; (its state or None when none was remembered, why it was not running)."""
    state = read_state()
    if state is None:
        return None, None
    why = None if process_alive(state.pid) else f"its process {state.pid} is not running"
    if why is None:
        _end(state.pid)
    state_file().unlink(missing_ok=True)
    return state, why
