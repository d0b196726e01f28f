-- One hash per roster over its units in roster order.
SELECT roster_sha256 AS row_ref,
       sha256(string_agg(concat(chain_field(position), chain_field(unit_id), chain_field(unit_name), chain_field(kind),
                                chain_field(parent_id)), '' ORDER BY position, unit_id)) AS row_hash
FROM roster_units
WHERE $all OR roster_sha256 IN (SELECT key FROM chain_scope)
GROUP BY roster_sha256
ORDER BY row_ref
