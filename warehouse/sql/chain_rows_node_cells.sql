-- One hash per node of a run over the node's cells in key order.
SELECT run_key || '/' || node_id AS row_ref,
       sha256(string_agg(concat(chain_field(cell_key), chain_field(value_int), chain_field(value_dec)), ''
                         ORDER BY cell_key)) AS row_hash
FROM node_cells
WHERE $all OR run_key IN (SELECT key FROM chain_scope)
GROUP BY run_key, node_id
ORDER BY row_ref
