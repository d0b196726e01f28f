"""Settings read once, at start: offline defaults and where things go.

The offline settings are applied by the tool itself (before Prefect or Great Expectations is imported), so a user
on a machine without internet never sees a telemetry time-out. A value the user set explicitly is kept.
"""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "GX_ANALYTICS_ENABLED": "false",
    # the ephemeral API is slow to start on a small, loaded machine; don't give up at Prefect's default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def apply_offline_settings() -> None:
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


DEFAULT_WAREHOUSE = Path("nianbao-data") / "warehouse.duckdb"
DEFAULT_OUT = Path("nianbao-out")
DEFAULT_DEMO_OUT = Path("nianbao-demo")
