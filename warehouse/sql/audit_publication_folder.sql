-- The folder a run ($1: run_key) published its district report to (NULL rows: it published nothing).
SELECT folder FROM publications WHERE run_key = ?
