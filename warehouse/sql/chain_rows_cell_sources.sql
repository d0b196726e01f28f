-- One hash per submission over where its cells were read.
SELECT sha256 AS row_ref,
       sha256(string_agg(concat(chain_field(cell_key), chain_field(source), chain_field(decoded_by)), ''
                         ORDER BY cell_key, source, decoded_by)) AS row_hash
FROM cell_sources
WHERE $all OR sha256 IN (SELECT key FROM chain_scope)
GROUP BY sha256
ORDER BY row_ref
