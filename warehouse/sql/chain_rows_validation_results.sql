SELECT run_key || '/' || seq AS row_ref,
       sha256(concat(chain_field(run_key), chain_field(seq), chain_field(sha256), chain_field(file), chain_field(unit_id),
                     chain_field(rule), chain_field(severity), chain_field(cell), chain_field(expected),
                     chain_field(actual), chain_field(detail), chain_field(message))) AS row_hash
FROM validation_results
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
ORDER BY run_key, seq
