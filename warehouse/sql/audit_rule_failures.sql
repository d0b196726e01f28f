-- How many times a rule ($2) failed on a submission ($1), in any run.
SELECT count(*) FROM validation_results WHERE sha256 = ? AND rule = ?
