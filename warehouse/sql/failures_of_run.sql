-- The validation results a run recorded, in order.
SELECT * FROM validation_results WHERE run_key = ? ORDER BY seq
