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


@pytest.fixture(scope="module")
def prefect_harness():
    """A Prefect test harness (a temporary database and API server) per test module that runs flows in process.
    Per module, not per session: a module's runs must not see another module's concurrency slots (the harness
    does not expire a lease the way a server does)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def lianyun():
    """A fresh copy of the 连云区 2022 return (SPEC §6 figures)."""
    return lianyun_return()
