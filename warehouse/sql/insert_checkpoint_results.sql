-- The run's checkpoint outcome, one row per expectation (new_checks).
INSERT INTO checkpoint_results SELECT * FROM new_checks
