"""The production path as the README documents it, run for real: PostgreSQL on 127.0.0.1, a Prefect server on it
with authentication on (bound to 127.0.0.1), nginx terminating TLS in front of it (deployments/nginx-prefect.conf),
nianbao's work pool (deployments/work-pool.json) and ``prefect deploy`` of deployments/prefect.yaml through the
proxy, then ``nianbao worker --run-once``.

What must hold:
- no request without the credential gets anything but 401, directly or through the proxy (health probes aside);
- the server listens on 127.0.0.1 only; plain HTTP on the proxy only redirects to HTTPS;
- no run can override the command or the environment: the server refuses such a run (422), and a run that slips
  past the server (created directly, or from a deployment whose pull steps or entrypoint were changed) is refused
  by nianbao's worker, which starts no process for it;
- the folders a run may use come from the worker's environment: a run naming another folder fails before any work;
- the documented run publishes, and the clerk can log in to the UI through the proxy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from ops_support import (
    DISTRICT,
    NIANBAO,
    ROOT,
    VENV_BIN,
    api,
    free_port,
    log_in,
    make_district,
    stop,
)
from production_stack import missing_parts, start_nginx, start_postgres, start_prefect_server

from flows.run_policy import expected_pull_steps
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow
if missing := missing_parts():
    pytest.skip(
        f"not installed: {', '.join(missing)} (make system-deps installs them as root)", allow_module_level=True
    )

YEAR = 2025
ON_DEMAND = "consolidate-district/on-demand"


@pytest.fixture(scope="module")
def stack():
    """PostgreSQL, the Prefect server on it behind nginx, the pool, the deployments, a district's data folder."""
    pg = start_postgres()
    work = Path(tempfile.mkdtemp(prefix="nianbao-prod-"))
    proxy = server_process = None
    try:
        upstream = free_port()
        proxy = start_nginx(work / "nginx", upstream_port=upstream)
        server, server_process = start_prefect_server(
            work / "prefect", upstream, pg.url, f"https://127.0.0.1:{proxy.tls_port}", proxy.crt
        )
        data = work / "data"
        district = make_district(data, YEAR)
        env = server.env(NIANBAO_CODE=str(ROOT), NIANBAO_DATA=str(data), NIANBAO_DISTRICT=DISTRICT)
        prefect(env, "work-pool", "create", "nianbao", "--type", "nianbao-process")
        prefect(env, "--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml")
        yield SimpleNamespace(pg=pg, server=server, proxy=proxy, data=data, district=district, env=env, work=work)
    finally:
        if server_process is not None:
            stop(server_process)
        if proxy is not None:
            stop(proxy.process)
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def prefect(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(VENV_BIN / "prefect"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def status(url: str, method: str = "GET", credential: str = "", ca: Path | None = None, body: bytes | None = None):
    """The HTTP status of one request (no redirects followed)."""
    import base64
    import ssl

    headers = {"Content-Type": "application/json"}
    if credential:
        headers["Authorization"] = "Basic " + base64.b64encode(credential.encode()).decode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# --- no door open --------------------------------------------------------------------------------------------


def test_without_the_credential_every_api_call_is_401(stack) -> None:
    server = stack.server
    limit = "nianbao-probe-limit"
    api(server, "POST", "/v2/concurrency_limits/", {"name": limit, "limit": 1})
    calls = [
        ("POST", "/flow_runs/filter", b"{}"),
        ("POST", "/deployments/filter", b"{}"),
        ("POST", "/artifacts/filter", b"{}"),
        ("POST", "/logs/filter", b"{}"),
        ("GET", "/work_pools/nianbao", None),
        ("PATCH", f"/v2/concurrency_limits/{limit}", b'{"limit": 50}'),
        ("POST", f"/deployments/{deployment(stack)['id']}/create_flow_run", b"{}"),
    ]
    for base, ca in ((server.direct_url, None), (server.ui_url, stack.proxy.crt)):
        for method, path, body in calls:
            for credential in ("", "clerk:wrong", "nobody:" + server.auth.split(":", 1)[1]):
                assert status(f"{base}/api{path}", method, credential, ca, body) == 401, (base, method, path)
        assert status(f"{base}/api/health", ca=ca) == 200  # the unauthenticated probe Prefect keeps
        assert status(f"{base}/api/flow_runs/filter", "POST", server.auth, ca, b"{}") == 200
    assert api(server, "GET", f"/v2/concurrency_limits/{limit}")["limit"] == 1  # the anonymous PATCH changed nothing
    assert not api(server, "POST", "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}})


def test_the_server_listens_on_localhost_only_and_http_redirects_to_https(stack) -> None:
    listening = listening_addresses(stack.server.port)
    assert listening == {"127.0.0.1"}, listening
    assert (
        status(f"http://127.0.0.1:{stack.proxy.http_port}/api/flow_runs/filter", "POST", stack.server.auth, body=b"{}")
        == 301
    )


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(decode_address(address))
    return found


def decode_address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]
    return ":".join(w.hex() for w in words)  # IPv6, shown raw (any IPv6 listener fails the test)


# --- a run can override nothing ------------------------------------------------------------------------------


def deployment(stack, name: str = ON_DEMAND) -> dict:
    return api(stack.server, "GET", f"/deployments/name/{name}")


def test_the_server_refuses_a_run_that_overrides_the_command_or_the_environment(stack) -> None:
    for variable, value in (
        ("command", "sh -c 'id > /tmp/nianbao-pwned'"),
        ("env", '{"NIANBAO_ALLOWED_ROOTS": "/"}'),
        ("working_dir", "/"),
    ):
        done = prefect(
            stack.env,
            "deployment",
            "run",
            ON_DEMAND,
            "--param",
            f"year={YEAR}",
            "--job-variable",
            f"{variable}={value}",
            check=False,
        )
        assert done.returncode != 0
        said = " ".join((done.stdout + done.stderr).split())  # the CLI wraps its message to the terminal width
        assert f"Additional properties are not allowed ('{variable}' was unexpected)" in said
    with pytest.raises(urllib.error.HTTPError) as refused:
        api(
            stack.server,
            "POST",
            f"/deployments/{deployment(stack)['id']}/create_flow_run",
            {"job_variables": {"env": {"LD_PRELOAD": "/srv/nianbao/returns/x.so"}}},
        )
    assert refused.value.code == 422


@pytest.fixture(scope="module")
def worker_pass(stack):
    """Queue the documented run, a run naming a folder outside the data folder, and three runs that slipped past
    the server; then one ``nianbao worker --run-once`` with the installation's settings in its environment."""
    server, d = stack.server, deployment(stack)
    marker = stack.work / "pwned"
    outside = stack.work / "elsewhere"
    runs = {}

    def queue(name: str, deployment_id: str, parameters: dict, job_variables: dict | None = None) -> None:
        body = {"name": name, "parameters": parameters, "state": {"type": "SCHEDULED"}}
        if job_variables is not None:
            body["job_variables"] = job_variables
        runs[name] = api(server, "POST", f"/deployments/{deployment_id}/create_flow_run", body)["id"]

    def slipped(name: str, deployment_id: str, job_variables: dict) -> None:
        # POST /flow_runs/ names the deployment and the pool but does not check job variables on the server
        body = {
            "name": name,
            "flow_id": d["flow_id"],
            "deployment_id": deployment_id,
            "parameters": good,
            "job_variables": job_variables,
            "work_pool_name": "nianbao",
            "state": {"type": "SCHEDULED"},
        }
        runs[name] = api(server, "POST", "/flow_runs/", body)["id"]

    good = {"year": YEAR, "submissions": str(stack.district.submissions(YEAR))}
    queue("documented", d["id"], good)
    queue("outside", d["id"], {**good, "out": str(outside)})
    slipped("command", d["id"], {"command": f"sh -c 'id > {marker}'"})
    slipped("env", d["id"], {"env": {"NIANBAO_ALLOWED_ROOTS": "/"}})
    # a deployment whose pull steps run a shell command, created with the credential
    shell = api(
        server,
        "POST",
        "/deployments/",
        {
            "name": "tampered",
            "flow_id": d["flow_id"],
            "entrypoint": d["entrypoint"],
            "work_pool_name": "nianbao",
            "pull_steps": [{"prefect.deployments.steps.run_shell_script": {"script": f"touch {marker}"}}],
            "parameters": d["parameters"],
        },
    )
    queue("pull-steps", shell["id"], good)
    env = stack.server.env(NIANBAO_ALLOWED_ROOTS=str(stack.data))
    done = subprocess.run(
        [NIANBAO, "worker", "--pool", "nianbao", "--run-once"],
        env=env,
        cwd=stack.work,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    states = {name: api(server, "GET", f"/flow_runs/{run_id}") for name, run_id in runs.items()}
    return SimpleNamespace(done=done, states=states, marker=marker, outside=outside)


def test_the_documented_run_publishes(stack, worker_pass) -> None:
    d = deployment(stack)
    assert d["work_pool_name"] == "nianbao" and d["job_variables"] == {}
    assert d["pull_steps"] == expected_pull_steps(ROOT)
    run = worker_pass.states["documented"]
    assert run["state_type"] == "COMPLETED", worker_pass.done.stdout[-3000:] + worker_pass.done.stderr[-3000:]
    assert (stack.district.publication(YEAR) / "report.html").exists()
    assert f"allowed roots {stack.data}" in worker_pass.done.stdout


def test_a_folder_outside_the_installations_roots_is_refused(worker_pass) -> None:
    run = worker_pass.states["outside"]
    assert run["state_type"] == "FAILED"
    assert "outside the folders this nianbao installation may use" in run["state"]["message"]
    assert not worker_pass.outside.exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("command", "the flow run sets job variables ['command']"),
        ("env", "the flow run sets job variables ['env']"),
        ("pull-steps", 'pull steps [{"prefect.deployments.steps.run_shell_script"'),
    ],
)
def test_nianbaos_worker_refuses_what_slipped_past_the_server(worker_pass, name, reason) -> None:
    run = worker_pass.states[name]
    assert run["state_type"] == "CRASHED"
    assert "nianbao's worker refuses this run" in run["state"]["message"] and reason in run["state"]["message"]
    assert not worker_pass.marker.exists()  # no process ran the command, the shell step or the environment


def test_the_worker_will_not_start_without_its_roots(stack) -> None:
    done = subprocess.run(
        [NIANBAO, "worker", "--pool", "nianbao", "--run-once"],
        env=stack.server.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "NIANBAO_ALLOWED_ROOTS is not set" in done.stderr


# --- the clerk's UI, through the proxy -----------------------------------------------------------------------


@pytest.mark.browser
def test_the_clerk_logs_in_to_the_ui_through_the_proxy(stack) -> None:
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(ignore_https_errors=True).new_page()  # the test's self-signed certificate
        page.set_default_timeout(30_000)
        page.goto(f"{stack.server.ui_url}/deployments")
        page.wait_for_url("**/login**")
        page.get_by_placeholder("admin:pass").fill("clerk:wrong")
        page.get_by_role("button", name="Login", exact=True).click()
        page.get_by_text("Authentication failed").first.wait_for()
        assert "/login" in page.url
        log_in(page, stack.server)
        page.goto(f"{stack.server.ui_url}/deployments")
        page.get_by_text("on-demand", exact=True).first.wait_for()
        browser.close()
