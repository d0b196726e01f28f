"""``nianbao server start|stop|status`` with a real ``prefect server`` on 127.0.0.1, and ``consolidate`` using it
instead of an ephemeral API (issue 13): the run then exists on that server, asked through its API with the
credential the server was started with. A stale state file is ignored with one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest
from ops_support import DISTRICT, NIANBAO, OFFLINE, ROOT, PrefectServer, api, consolidate_cmd, free_port, make_district

from flows import local_server

YEAR = 2024


def client_env(home: Path, prefect_home: Path) -> dict[str, str]:
    """A user's shell: no Prefect server named anywhere, nianbao's home and Prefect's home of this test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NIANBAO_", "PYTEST_", "PREFECT_"))}
    env.update(OFFLINE, NIANBAO_HOME=str(home), PREFECT_HOME=str(prefect_home))
    return env


def nianbao(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NIANBAO, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.slow
def test_server_start_status_consolidate_stop(tmp_path: Path) -> None:
    home, prefect_home = tmp_path / "nianbao-home", tmp_path / "prefect-home"
    env = client_env(home, prefect_home)
    port = free_port()
    district = make_district(tmp_path / "data", YEAR)
    started = nianbao(env, "server", "start", "--port", str(port))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.startswith(f"nianbao server started: UI http://127.0.0.1:{port}, API")
        state = json.loads((home / "server.json").read_text(encoding="utf-8"))
        assert state["api_url"] == f"http://127.0.0.1:{port}/api" and state["credential_from"] == "generated"
        credential_file = Path(state["credential_file"])
        assert stat.S_IMODE(credential_file.stat().st_mode) == 0o600 and credential_file.parent == home
        server = PrefectServer(
            port=port, home=prefect_home, log=Path(state["log"]), auth=credential_file.read_text().strip()
        )
        with pytest.raises(urllib.error.HTTPError) as anonymous:  # authentication is on
            api(server, "POST", "/flow_runs/filter", {"limit": 1}, credential="")
        assert anonymous.value.code == 401

        again = nianbao(env, "server", "start", "--port", str(port))
        assert again.returncode == 0 and again.stdout.startswith("nianbao server already running")
        assert f"(pid {state['pid']})" in again.stdout
        status = nianbao(env, "server", "status")
        assert status.returncode == 0 and status.stdout.startswith("nianbao server running: ")

        run = nianbao(env, *consolidate_cmd(district, YEAR)[1:])
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"Prefect server http://127.0.0.1:{port}/api" in run.stdout and "PUBLISHED" in run.stdout
        runs = api(server, "POST", "/flow_runs/filter", {"limit": 10})
        assert [(r["flow_id"] is not None, r["parameters"]["district"], r["state_type"]) for r in runs] == [
            (True, DISTRICT, "COMPLETED")
        ]
    finally:
        stopped = nianbao(env, "server", "stop")
    assert stopped.returncode == 0 and stopped.stdout.startswith(f"nianbao server stopped (pid {state['pid']}")
    assert not (home / "server.json").exists()
    deadline = time.monotonic() + 30
    while local_server.process_alive(state["pid"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not local_server.process_alive(state["pid"])
    assert not local_server.answers(state["api_url"], timeout=1)
    status = nianbao(env, "server", "status")
    assert status.returncode == 1 and status.stdout.startswith("nianbao server: not running (none remembered")


def stale_state(home: Path) -> local_server.ServerState:
    """A state file naming a process that has ended and a port nothing listens on."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    home.mkdir(parents=True, exist_ok=True)
    (home / "server-credential").write_text("clerk:x\n", encoding="utf-8")
    state = local_server.ServerState(
        api_url=f"http://127.0.0.1:{free_port()}/api",
        port=0,
        pid=gone.pid,
        log=str(home / "server.log"),
        credential_file=str(home / "server-credential"),
        credential_from="generated",
    )
    (home / "server.json").write_text(json.dumps(state.__dict__), encoding="utf-8")
    return state


def test_a_stale_state_file_is_ignored_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    state = stale_state(home)
    monkeypatch.setenv("NIANBAO_HOME", str(home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_API_AUTH_STRING", raising=False)
    said: list[str] = []
    assert local_server.use_remembered_server(said.append) is None
    expected = (
        f"nianbao server: {home / 'server.json'} names a server at {state.api_url}, but its process {state.pid} is "
        "not running; ignored."
    )
    assert said == [expected]
    assert "PREFECT_API_URL" not in os.environ and "PREFECT_API_AUTH_STRING" not in os.environ

    status = nianbao(client_env(home, tmp_path / "prefect"), "server", "status")
    assert status.returncode == 1 and status.stdout.strip() == said[0]


def test_a_url_the_user_gives_wins_over_the_remembered_server(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    stale_state(home)
    monkeypatch.setenv("NIANBAO_HOME", str(home))
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    said: list[str] = []
    assert local_server.use_remembered_server(said.append) is None
    assert said == [] and os.environ["PREFECT_API_URL"] == "http://127.0.0.1:1/api"
