"""Prefect flows and the command line: thin orchestration over pipeline/, intake/, warehouse/, checkpoint/, publish/."""

from flows.settings import apply_offline_settings

apply_offline_settings()
