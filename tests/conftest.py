"""Shared test set-up: offline settings and a private PREFECT_HOME and NIANBAO_HOME for the whole session."""

from __future__ import annotations

import os
import tempfile

# Offline and quiet before anything imports Prefect or Great Expectations.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="nianbao-prefect-home-")
# no test (nor the CLI it runs) takes the developer's `nianbao server` for its own (flows/local_server.py)
os.environ["NIANBAO_HOME"] = tempfile.mkdtemp(prefix="nianbao-home-")

import pytest

from sampledata.lianyun import lianyun_return


@pytest.fixture(scope="session")
def _prefect_session_harness():
    """One Prefect test harness (a temporary database and API server) for the session: its start-up costs 10-20 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _nianbao_limits():
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return [c for c in client.read_global_concurrency_limits(limit=200) if c.name.startswith("nianbao-")]


@pytest.fixture(scope="module")
def prefect_harness(_prefect_session_harness, request):
    """The session's harness, for a module that runs flows in process. Each module starts with no run slot
    (``nianbao-<district>-<year>``) defined, and must leave none held: the harness runs no lease-expiry service,
    so a slot a run failed to give back would stay taken and block the next module's run of that district."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for limit in _nianbao_limits():
            client.delete_global_concurrency_limit_by_name(limit.name)
    yield
    held = [f"{c.name} ({c.active_slots} held)" for c in _nianbao_limits() if c.active_slots]
    assert not held, f"{request.module.__name__} left run slots held: {', '.join(held)}"


@pytest.fixture
def lianyun():
    """A fresh copy of the 连云区 2022 return (SPEC §6 figures)."""
    return lianyun_return()
