-- The checkpoint's expectations of one run ($1: run_key), in the order they ran, with their unexpected rows (JSON).
SELECT expectation, rule, success, unexpected FROM checkpoint_results WHERE run_key = ? ORDER BY seq
