-- A warehouse written before receipts were recorded: each submission's first receipt, from the submission itself
-- (the run that first received it), numbered in order of receipt after any receipt already there.
INSERT INTO receipts
SELECT (SELECT coalesce(max(receipt_no), 0) FROM receipts)
           + row_number() OVER (ORDER BY s.received_at, s.version NULLS FIRST, s.sha256),
       s.sha256, s.first_run, s.original_name, s.received_at
FROM submissions s
WHERE NOT EXISTS (SELECT 1 FROM receipts r WHERE r.sha256 = s.sha256)
