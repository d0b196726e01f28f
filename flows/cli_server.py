"""``nianbao worker``: the production path's worker (flows/worker.py), started from the one command line."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        pool: Annotated[str, typer.Option("--pool", help="The work pool (type nianbao-process).")] = "nianbao",
        name: Annotated[str | None, typer.Option("--name", help="The worker's name (default: generated).")] = None,
        run_once: Annotated[bool, typer.Option("--run-once", help="Run the flow runs waiting now, then stop.")] = False,
        limit: Annotated[int | None, typer.Option("--limit", help="At most this many runs at once.")] = None,
    ) -> None:
        """Run the pool's flow runs: only nianbao's own deployments, with nothing overridden. Needs
        NIANBAO_ALLOWED_ROOTS (the data folders), PREFECT_API_URL and PREFECT_API_AUTH_STRING in the environment."""
        from flows.worker import start_worker

        start_worker(pool, name=name, run_once=run_once, limit=limit)
