-- Files of a batch (registered table `batch`: sha256) received before, whose unit's current return (its latest
-- receipt for that year) is now ANOTHER file, with that current receipt's number: receiving them again makes them
-- current, so the batch is not a rerun of the run that first received them (pipeline.steps.run_evidence).
WITH current AS (
    SELECT s.unit_id, s.year, arg_max(s.sha256, r.receipt_no) AS sha256, max(r.receipt_no) AS receipt_no
    FROM submissions s
    JOIN receipts r USING (sha256)
    WHERE s.unit_id IS NOT NULL AND s.year IS NOT NULL
    GROUP BY s.unit_id, s.year
)
SELECT DISTINCT b.sha256, c.receipt_no
FROM batch b
JOIN submissions s ON s.sha256 = b.sha256
JOIN current c ON c.unit_id = s.unit_id AND c.year = s.year
WHERE c.sha256 <> b.sha256
ORDER BY 1
