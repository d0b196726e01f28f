"""nianbao's worker policy (flows/run_policy.py) and the pinned pool template, on their own; test_production.py
runs the same refusals against a real server and worker."""

from __future__ import annotations

import json

import pytest

from flows.run_policy import CODE_DIR, ENTRYPOINTS, expected_pull_steps, pinned_pool_template, refusals

ON_DEMAND = "flows/consolidate.py:consolidate_district"


def allowed(**changes) -> dict:
    run = {
        "entrypoint": ON_DEMAND,
        "pull_steps": expected_pull_steps(),
        "deployment_job_variables": {},
        "run_job_variables": {},
        "pool_template": pinned_pool_template(),
    }
    run.update(changes)
    return run


def test_the_documented_run_is_allowed() -> None:
    assert refusals(**allowed()) == []
    for entrypoint in ENTRYPOINTS:
        assert refusals(**allowed(entrypoint=entrypoint)) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"entrypoint": "evil.py:flow"}, "entrypoint 'evil.py:flow' is not one of nianbao's flows"),
        ({"entrypoint": None}, "entrypoint None is not one of nianbao's flows"),
        ({"pull_steps": [{"prefect.deployments.steps.run_shell_script": {"script": "id"}}]}, "pull steps"),
        (
            {"pull_steps": [{"prefect.deployments.steps.set_working_directory": {"directory": "/tmp/other-checkout"}}]},
            "/tmp/other-checkout",
        ),
        (
            {"pull_steps": [*expected_pull_steps(), {"prefect.deployments.steps.git_clone": {"repository": "x"}}]},
            "git_clone",
        ),
        ({"pull_steps": []}, "pull steps []"),
        ({"run_job_variables": {"command": "sh -c id"}}, "the flow run sets job variables ['command']"),
        ({"run_job_variables": {"env": {"NIANBAO_ALLOWED_ROOTS": "/"}}}, "the flow run sets job variables ['env']"),
        ({"run_job_variables": {"env.NIANBAO_ALLOWED_ROOTS": "/"}}, "['env.NIANBAO_ALLOWED_ROOTS']"),
        ({"deployment_job_variables": {"working_dir": "/"}}, "the deployment sets job variables ['working_dir']"),
        (
            {"pool_template": {**pinned_pool_template(), "job_configuration": {"command": "sh -c id"}}},
            "base job template differs",
        ),
        ({"pool_template": None}, "base job template differs"),
    ],
)
def test_anything_else_is_refused_saying_what(changes, reason) -> None:
    found = refusals(**allowed(**changes))
    assert len(found) == 1 and reason in found[0], found


def test_a_run_of_no_deployment_is_refused() -> None:
    assert refusals(**allowed(), has_deployment=False) == [
        "the flow run belongs to no deployment; this worker runs only nianbao's deployments"
    ]


def test_the_pinned_template_lets_a_run_override_nothing() -> None:
    template = pinned_pool_template()
    assert template["variables"]["properties"] == {} and template["variables"]["additionalProperties"] is False
    # no value of the job's configuration comes from a variable: nothing a deployment or run sets reaches it
    assert "{{" not in json.dumps(template["job_configuration"])
    assert template["job_configuration"]["command"] is None and template["job_configuration"]["env"] == {}


def test_the_worker_type_offers_the_pinned_template() -> None:
    from prefect.workers.base import BaseWorker

    from flows.worker import WORKER_TYPE, NianbaoWorker

    assert BaseWorker.get_worker_class_from_type(WORKER_TYPE) is NianbaoWorker  # through the entry point
    assert NianbaoWorker.get_default_base_job_template() == pinned_pool_template()
    assert expected_pull_steps() == [{"prefect.deployments.steps.set_working_directory": {"directory": str(CODE_DIR)}}]


def test_the_serve_script_and_worker_refuse_a_server_that_answers_anyone() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from flows.server_guard import OpenServer, answers_anonymously, require_authentication

    codes = iter([200, 401, 403])

    class Server(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(next(codes))
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}/api"
    try:
        with pytest.raises(OpenServer, match="answers requests without a credential"):
            require_authentication(url)  # 200 to an anonymous request
        assert not answers_anonymously(url) and not answers_anonymously(url)  # 401, 403
    finally:
        httpd.shutdown()
    require_authentication(None)  # the ephemeral API: nothing to check
