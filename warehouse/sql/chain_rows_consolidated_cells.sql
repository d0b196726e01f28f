-- One hash per run over its consolidated report's cells in key order.
SELECT run_key AS row_ref,
       sha256(string_agg(concat(chain_field(cell_key), chain_field(value_int), chain_field(value_dec)), ''
                         ORDER BY cell_key)) AS row_hash
FROM consolidated_cells
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
GROUP BY run_key
ORDER BY row_ref
