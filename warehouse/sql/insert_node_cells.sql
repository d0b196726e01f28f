-- Every node's cells of a run ($1 = run key); the fee arrives as exact text.
INSERT INTO node_cells
SELECT ?, node_id, cell_key, value_int, CAST(value_dec AS DECIMAL(38, 6)) FROM new_node_cells
