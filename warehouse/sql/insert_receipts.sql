-- This run's receipts (registered table `new_receipts`: position, sha256, original_name), numbered after the last.
INSERT INTO receipts
SELECT (SELECT coalesce(max(receipt_no), 0) FROM receipts) + n.position, n.sha256, $run_key, n.original_name,
       $received_at
FROM new_receipts n
