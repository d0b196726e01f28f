-- One hash per submission over the figures it printed outside the layout.
SELECT sha256 AS row_ref,
       sha256(string_agg(concat(chain_field(deviation), chain_field(col_key), chain_field(position),
                                chain_field(value_int), chain_field(raw_text)), '' ORDER BY deviation, col_key)) AS row_hash
FROM cell_deviations
WHERE $all OR sha256 IN (SELECT key FROM chain_scope)
GROUP BY sha256
ORDER BY row_ref
