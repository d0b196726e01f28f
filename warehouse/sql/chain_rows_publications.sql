SELECT run_key AS row_ref,
       sha256(concat(chain_field(run_key), chain_field(district_id), chain_field(year), chain_field(folder),
                     chain_field(epoch_us(published_at)), chain_field(manifest_sha256), chain_field(files))) AS row_hash
FROM publications
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
ORDER BY row_ref
