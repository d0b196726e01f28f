-- The validation results of the wanted files, from the run that first received each.
SELECT v.*
FROM validation_results v
JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key
JOIN wanted w ON w.sha256 = v.sha256
ORDER BY v.unit_id, v.seq
