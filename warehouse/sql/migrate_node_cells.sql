-- A district-era run's consolidated report (consolidated_cells) as the node_cells of its own node, for every run
-- that has no node_cells at all (a run from before the tree). The run keys copied.
INSERT INTO node_cells
SELECT c.run_key, r.district_id, c.cell_key, c.value_int, c.value_dec
FROM consolidated_cells c JOIN runs r USING (run_key)
WHERE NOT EXISTS (SELECT 1 FROM node_cells n WHERE n.run_key = c.run_key)
RETURNING run_key
