-- Every version of one unit's return for one year ($unit_id, $year), oldest first, with its status now
-- (waivers applied, from the submission_status view) and the status it got on receipt.
SELECT s.version, s.sha256, s.original_name, s.reader, s.size_bytes, s.received_at, s.first_run,
       st.status, st.status_at_receipt, st.waived
FROM submissions s
JOIN submission_status st USING (sha256)
WHERE s.unit_id = $unit_id AND s.year = $year AND s.version IS NOT NULL
ORDER BY s.version
