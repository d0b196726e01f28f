"""The consolidation run as plain functions (no Prefect): what flows/ orchestrates."""
