-- Each run and the node it was asked for: where a retired district-era row now lives (node_cells /
-- node_publications row ref run_key/node_id).
SELECT run_key, district_id FROM runs
