-- A unit's ($1) current submission for a year ($2) whatever its status: the latest received (receipts: a re-sent
-- older file is current again), then the highest version. What a waiver is tied to.
SELECT s.sha256, s.version, s.status, s.original_name
FROM submissions s
LEFT JOIN (SELECT sha256, max(receipt_no) AS n FROM receipts GROUP BY sha256) r USING (sha256)
WHERE s.unit_id = ? AND s.year = ?
ORDER BY coalesce(r.n, 0) DESC, s.version DESC
LIMIT 1
