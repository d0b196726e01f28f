-- The run's validation results (new_failures, in the table's column order).
INSERT INTO validation_results SELECT * FROM new_failures
