-- Every version of the returns of the units in the registered table `scope` (position, unit_id) for $year, by unit
-- then oldest first, with its status now (waivers applied, submission_status) and the status it got on receipt.
-- One statement for a unit (`nianbao diff`) or a whole district (the audit).
SELECT s.unit_id, s.version, s.sha256, s.original_name, s.reader, s.size_bytes, s.received_at, s.first_run,
       st.status, st.status_at_receipt, st.waived
FROM submissions s
JOIN scope USING (unit_id)
JOIN submission_status_of($units) st USING (sha256)  -- $units: the scope's ids, or NULL (create_status_views.sql)
WHERE s.year = $year AND s.version IS NOT NULL
ORDER BY s.unit_id, s.version
