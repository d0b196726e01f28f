"""The on_failure webhook (flows/notify.py) against a real HTTP receiver on 127.0.0.1, and retries only on I/O."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ops_support import DISTRICT, make_district

import flows.consolidate as consolidate_module
from flows.notify import NOTIFY_URL_ENV, post_json, run_link


class Receiver:
    """A small webhook receiver: records each POSTed JSON body; optionally answers slowly."""

    def __init__(self, delay: float = 0.0):
        self.bodies: list[dict] = []
        self.delay = delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.bodies.append(json.loads(body.decode("utf-8")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_post_json_delivers_utf8_json(receiver: Receiver) -> None:
    assert post_json(receiver.url, {"district": DISTRICT, "name": "示范区"}) is True
    assert receiver.bodies == [{"district": DISTRICT, "name": "示范区"}]


def test_post_json_never_raises_when_the_receiver_is_down_slow_or_the_url_is_bad() -> None:
    down = Receiver()
    url = down.url
    down.close()
    assert post_json(url, {"x": 1}, timeout=1) is False
    assert post_json("not a url", {"x": 1}) is False
    slow = Receiver(delay=3)
    try:
        started = time.monotonic()
        assert post_json(slow.url, {"x": 1}, timeout=0.5) is False
        assert time.monotonic() - started < 2.5
    finally:
        slow.close()


def test_run_link_is_the_ui_address_of_the_flow_run() -> None:
    assert run_link("abc", "http://127.0.0.1:4200/") == "http://127.0.0.1:4200/runs/flow-run/abc"
    assert run_link("abc", None) is None


@pytest.mark.slow
def test_a_blocked_run_posts_district_year_failing_rules_and_run_link(
    prefect_server, receiver: Receiver, tmp_path: Path, monkeypatch
) -> None:
    """Runs the real flow in this process against the real server; a published run sends nothing."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    district = make_district(tmp_path / "data", 2024, broken_year=2025)
    monkeypatch.setenv(NOTIFY_URL_ENV, receiver.url)
    kwargs = {
        "district": DISTRICT,
        "roster": str(district.roster),
        "warehouse": str(district.warehouse),
        "out": str(district.out),
    }
    with temporary_settings({PREFECT_API_URL: prefect_server.api_url, PREFECT_API_AUTH_STRING: prefect_server.auth}):
        ok = consolidate_module.consolidate_district(
            year=2024, submissions=str(district.submissions(2024)), **kwargs, return_state=True
        )
        assert ok.is_completed()
        assert receiver.bodies == []
        blocked = consolidate_module.consolidate_district(
            year=2025, submissions=str(district.submissions(2025)), **kwargs, return_state=True
        )
    assert blocked.is_failed()
    [body] = receiver.bodies
    assert body["event"] == "nianbao.publication_blocked"
    assert (body["district"], body["year"]) == (DISTRICT, 2025)
    assert {"A3", "G1"} <= set(body["failing_rules"])
    assert any(f["rule"] == "A3" and f["cell"].startswith("s3.") for f in body["failures"])
    flow_run_id = str(blocked.state_details.flow_run_id)
    assert body["flow_run_id"] == flow_run_id
    assert body["run_link"] == f"{prefect_server.ui_url}/runs/flow-run/{flow_run_id}"
    assert not district.publication(2025).exists()


# --- retries: only on I/O steps -------------------------------------------------------------------------------

IO_TASKS = {"collect", "read-batch", "load", "consolidate", "publish", "audit-report"}
NEVER_RETRIED = {"validate", "cross-year", "checkpoint"}  # a retry would only repeat the same verdict


def tasks_of(module) -> dict[str, object]:
    from prefect import Task

    return {obj.name: obj for obj in vars(module).values() if isinstance(obj, Task)}


def test_validation_and_the_checkpoint_never_retry_and_io_steps_do() -> None:
    tasks = tasks_of(consolidate_module)
    assert NEVER_RETRIED <= set(tasks), sorted(tasks)
    for name in NEVER_RETRIED:
        assert tasks[name].retries == 0, name
    retried = {name for name, t in tasks.items() if t.retries}
    assert retried <= IO_TASKS, f"only I/O steps may retry; also retried: {sorted(retried - IO_TASKS)}"
    assert {"collect", "read-batch", "load", "publish"} <= retried
    for name in retried:
        assert tasks[name].retry_delay_seconds, name


def test_the_flows_themselves_never_retry() -> None:
    from flows.annual import annual_consolidation

    for f in (consolidate_module.consolidate_district, consolidate_module.validate_submissions, annual_consolidation):
        assert not f.retries, f.name
