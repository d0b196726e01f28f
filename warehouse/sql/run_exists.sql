-- 1 when a run with this key (the same inputs) is recorded already.
SELECT count(*) FROM runs WHERE run_key = ?
