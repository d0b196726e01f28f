"""The README's production path, started for real on 127.0.0.1: PostgreSQL (Debian's ``postgresql``), a Prefect
server on it with authentication on, and nginx terminating TLS in front of it with deployments/nginx-prefect.conf.

PostgreSQL refuses to run as root, so as root the cluster is created and started as the ``postgres`` account the
Debian package makes. Each piece is stopped (and its folder removed) by the fixture that started it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ops_support import ROOT, VENV_BIN, PrefectServer, free_port, start, stop, wait_for_http

NGINX_SITE = ROOT / "deployments" / "nginx-prefect.conf"


def postgres_bin() -> Path | None:
    """The folder of initdb/pg_ctl: Debian keeps them under /usr/lib/postgresql/<version>/bin."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def missing_parts() -> list[str]:
    missing = []
    if postgres_bin() is None:
        missing.append("PostgreSQL (Debian package 'postgresql')")
    elif os.geteuid() == 0 and not shutil.which("runuser"):
        missing.append("runuser (to start PostgreSQL as the postgres account)")
    if not shutil.which("nginx"):
        missing.append("nginx (Debian package 'nginx')")
    if not shutil.which("openssl"):
        missing.append("openssl")
    return missing


@dataclass
class Postgres:
    root: Path
    port: int
    password: str
    as_owner: list[str]  # the command prefix that runs a program as the cluster's owner

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://prefect:{self.password}@127.0.0.1:{self.port}/prefect"

    def stop(self) -> None:
        subprocess.run(
            [*self.as_owner, str(postgres_bin() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> Postgres:
    """A fresh cluster on 127.0.0.1 only, password (scram) authentication, with a database ``prefect``."""
    bindir = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    pg = Postgres(root=root, port=free_port(), password="pg-" + os.urandom(8).hex(), as_owner=as_owner)
    pwfile = root / "pw"
    pwfile.write_text(pg.password, encoding="utf-8")
    if as_owner:
        shutil.chown(pwfile, "postgres")

    def owner(*cmd: str) -> None:
        done = subprocess.run([*as_owner, *cmd], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    owner(
        str(bindir / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        "prefect",
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    owner(
        str(bindir / "pg_ctl"),
        "-D",
        str(root / "data"),
        "-l",
        str(root / "postgres.log"),
        "-w",
        "start",
        "-o",
        f"-h 127.0.0.1 -p {pg.port} -k {root}",
    )
    done = subprocess.run(
        [
            str(bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(pg.port),
            "-U",
            "prefect",
            "-d",
            "postgres",
            "-c",
            "CREATE DATABASE prefect",
        ],
        env={**os.environ, "PGPASSWORD": pg.password},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return pg


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    crt, key = folder / "proxy.crt", folder / "proxy.key"
    done = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(crt),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return crt, key


def nginx_site(tls_port: int, http_port: int, upstream_port: int, crt: Path, key: Path) -> str:
    """deployments/nginx-prefect.conf with only the ports and certificate paths replaced (each exactly once, so a
    change to the documented file that this test no longer matches fails loudly)."""
    text = NGINX_SITE.read_text(encoding="utf-8")
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("/etc/ssl/nianbao/prefect.crt", str(crt)),
        ("/etc/ssl/nianbao/prefect.key", str(key)),
        ("http://127.0.0.1:4200", f"http://127.0.0.1:{upstream_port}"),
    ):
        assert text.count(old) == 1, f"{NGINX_SITE.name} no longer holds {old!r} exactly once"
        text = text.replace(old, new)
    return text


@dataclass
class Proxy:
    tls_port: int
    http_port: int
    crt: Path
    process: subprocess.Popen


def start_nginx(folder: Path, upstream_port: int) -> Proxy:
    """nginx in the foreground with its own prefix folder; the documented site file included in a minimal main
    configuration (the part a Debian install provides in /etc/nginx/nginx.conf)."""
    folder.mkdir(parents=True, exist_ok=True)
    crt, key = self_signed_certificate(folder)
    tls_port, http_port = free_port(), free_port()
    site = folder / "prefect.conf"
    site.write_text(nginx_site(tls_port, http_port, upstream_port, crt, key), encoding="utf-8")
    user = "user root root;\n" if os.geteuid() == 0 else ""  # the test's folders are root's own
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {folder}/access.log;\n"
        + "".join(
            f"  {kind}_temp_path {folder}/{kind}-temp;\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {site};\n}}\n",
        encoding="utf-8",
    )
    nginx = shutil.which("nginx")
    check = subprocess.run(
        [nginx, "-t", "-p", str(folder), "-c", str(main)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    process = start(
        [nginx, "-p", str(folder), "-c", str(main), "-g", "daemon off;"], dict(os.environ), folder / "nginx.out"
    )
    return Proxy(tls_port=tls_port, http_port=http_port, crt=crt, process=process)


def start_prefect_server(
    home: Path, port: int, database_url: str, public_url: str, ca: Path
) -> tuple[PrefectServer, subprocess.Popen]:
    """``prefect server start --host 127.0.0.1 --port PORT`` on PostgreSQL with authentication on; the UI calls the
    API at the proxy's public URL (PREFECT_UI_API_URL), as a browser elsewhere on the network must."""
    home.mkdir(parents=True, exist_ok=True)
    server = PrefectServer(port=port, home=home, log=home / "server.log", public_url=public_url, ca=ca)
    env = server.env(PREFECT_API_DATABASE_CONNECTION_URL=database_url, PREFECT_UI_API_URL=server.api_url)
    process = start(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(server.port)],
        env,
        server.log,
    )
    try:
        wait_for_http(f"{server.direct_url}/api/health", timeout=180, proc=process)
    except Exception:
        stop(process)
        raise
    return server, process
