"""Fixtures for the operations tests: a real ``prefect server start`` on 127.0.0.1 (own port and PREFECT_HOME),
started once per test session and only when a test asks for it. Helpers live in ops_support.py."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_support import VENV_BIN, PrefectServer, free_port, stop, wait_for_http


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[PrefectServer]:
    """``prefect server start`` with embedded SQLite on a free port; PREFECT_SERVER_API_PORT makes the UI call it."""
    home = Path(tempfile.mkdtemp(prefix="nianbao-ops-prefect-"))
    port = free_port()
    server = PrefectServer(port=port, home=home, log=home / "server.log")
    with open(server.log, "wb") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=home,
        )
    try:
        wait_for_http(f"{server.api_url}/health", timeout=120, proc=proc)
        yield server
    finally:
        stop(proc)
        shutil.rmtree(home, ignore_errors=True)
