-- One run ($1: run_key): which district and year it ran for, on which roster, and when.
SELECT district_id, year, roster_sha256, started_at FROM runs WHERE run_key = ?
