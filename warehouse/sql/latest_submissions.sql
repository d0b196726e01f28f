-- Each unit of `scope` (registered: position, unit_id) with its current submission for $year whatever its status:
-- the one received last (latest receipt; receipts table), to say why a unit has none accepted.
WITH received AS (SELECT sha256, max(receipt_no) AS last_receipt FROM receipts GROUP BY sha256)
SELECT s.unit_id,
       arg_max(sub.sha256, [coalesce(r.last_receipt, 0), sub.version]) AS sha256,
       arg_max(sub.version, [coalesce(r.last_receipt, 0), sub.version]) AS version,
       arg_max(sub.status, [coalesce(r.last_receipt, 0), sub.version]) AS status,
       arg_max(sub.original_name, [coalesce(r.last_receipt, 0), sub.version]) AS original_name
FROM scope s
JOIN submissions sub ON sub.unit_id = s.unit_id AND sub.year = $year
LEFT JOIN received r ON r.sha256 = sub.sha256
GROUP BY s.unit_id
