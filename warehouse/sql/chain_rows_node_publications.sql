SELECT run_key || '/' || node_id AS row_ref,
       sha256(concat(chain_field(run_key), chain_field(node_id), chain_field(year), chain_field(folder),
                     chain_field(epoch_us(published_at)), chain_field(manifest_sha256), chain_field(files))) AS row_hash
FROM node_publications
WHERE $all OR run_key || '/' || node_id IN (SELECT key FROM chain_scope)
ORDER BY row_ref
