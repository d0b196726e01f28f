"""Refuse to serve runs for a Prefect server that answers anyone.

A server started without ``PREFECT_SERVER_API_AUTH_STRING`` lets anyone who reaches its port start runs, read every
artifact and log, and change concurrency limits. The serve script and nianbao's worker take their work from that
server, so before they start they ask it one question without a credential; if it answers, they stop and say how
to turn authentication on. Standard library only: no Prefect import, so the check runs before Prefect starts.
"""

from __future__ import annotations

import os
import ssl
import urllib.error
import urllib.request


class OpenServer(SystemExit):
    """The Prefect server answers requests that carry no credential."""


def answers_anonymously(api_url: str, timeout: float = 10) -> bool:
    """True when ``api_url`` serves a data request that carries no credential (only health probes may)."""
    request = urllib.request.Request(
        f"{api_url.rstrip('/')}/flows/filter",
        data=b'{"limit": 1}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    cafile = os.environ.get("PREFECT_API_SSL_CERT_FILE") or None
    context = ssl.create_default_context(cafile=cafile) if api_url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context):
            return True
    except urllib.error.HTTPError as error:
        return error.code not in (401, 403)
    except OSError:
        return False  # unreachable: Prefect itself will say so, with its own retries


def require_authentication(api_url: str | None) -> None:
    """Stop with a clear message when the server at ``api_url`` has no authentication (no URL: nothing to check)."""
    if api_url and answers_anonymously(api_url):
        raise OpenServer(
            f"The Prefect server at {api_url} answers requests without a credential: anyone who reaches it could "
            "start runs and read every log. Start it with PREFECT_SERVER_API_AUTH_STRING='user:password' (and "
            "--host 127.0.0.1 behind a TLS proxy; README, 'Production'), then set PREFECT_API_AUTH_STRING to the "
            "same value here."
        )
