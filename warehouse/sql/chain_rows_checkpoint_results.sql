SELECT run_key || '/' || seq AS row_ref,
       sha256(concat(chain_field(run_key), chain_field(seq), chain_field(expectation), chain_field(rule),
                     chain_field(success), chain_field(unexpected))) AS row_hash
FROM checkpoint_results
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
ORDER BY run_key, seq
