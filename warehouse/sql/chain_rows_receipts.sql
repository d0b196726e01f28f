SELECT receipt_no::VARCHAR AS row_ref,
       sha256(concat(chain_field(receipt_no), chain_field(sha256), chain_field(run_key), chain_field(original_name),
                     chain_field(epoch_us(received_at)))) AS row_hash
FROM receipts
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
ORDER BY receipt_no
