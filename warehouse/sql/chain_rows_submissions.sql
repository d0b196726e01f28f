SELECT sha256 AS row_ref,
       sha256(concat(chain_field(sha256), chain_field(unit_id), chain_field(year), chain_field(version),
                     chain_field(original_name), chain_field(stored_path), chain_field(size_bytes), chain_field(reader),
                     chain_field(epoch_us(received_at)), chain_field(status), chain_field(first_run))) AS row_hash
FROM submissions
WHERE $all OR sha256 IN (SELECT key FROM chain_scope)
ORDER BY row_ref
