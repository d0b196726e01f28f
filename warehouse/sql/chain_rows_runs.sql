SELECT run_key AS row_ref,
       sha256(concat(chain_field(run_key), chain_field(district_id), chain_field(year), chain_field(roster_sha256),
                     chain_field(n_files), chain_field(epoch_us(started_at)))) AS row_hash
FROM runs
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
ORDER BY row_ref
