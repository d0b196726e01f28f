SELECT keep_id::VARCHAR AS row_ref,
       sha256(concat(chain_field(keep_id), chain_field(kind), chain_field(unit_id), chain_field(year),
                     chain_field(sha256), chain_field(version), chain_field(instead_of),
                     chain_field(instead_of_version), chain_field(reason), chain_field(recorded_by),
                     chain_field(epoch_us(recorded_at)), chain_field(refers_to))) AS row_hash
FROM keeps
WHERE $all OR keep_id::VARCHAR IN (SELECT key FROM chain_scope)
ORDER BY keep_id
