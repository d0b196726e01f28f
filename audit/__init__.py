"""The auditor's desk: waivers, the per-run audit report and lineage queries (no Prefect here)."""
