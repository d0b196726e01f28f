-- versions_of_units.sql for a warehouse written before waivers existed, opened read-only: the status on receipt
-- is the status, and nothing is waived.
SELECT s.unit_id, s.version, s.sha256, s.original_name, s.reader, s.size_bytes, s.received_at, s.first_run,
       s.status, s.status AS status_at_receipt, false AS waived
FROM submissions s
JOIN scope USING (unit_id)
WHERE s.year = $year AND s.version IS NOT NULL
ORDER BY s.unit_id, s.version
