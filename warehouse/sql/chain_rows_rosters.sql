-- Content hash of each roster row (chain: see create_chain_tables.sql). $all, or the keys in chain_scope.
SELECT roster_sha256 AS row_ref,
       sha256(concat(chain_field(roster_sha256), chain_field(district_id), chain_field(source_name),
                     chain_field(n_units), chain_field(epoch_us(loaded_at)))) AS row_hash
FROM rosters
WHERE $all OR roster_sha256 IN (SELECT key FROM chain_scope)
ORDER BY row_ref
