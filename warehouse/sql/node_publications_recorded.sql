-- The nodes whose publication by this run is recorded already.
SELECT node_id FROM node_publications WHERE run_key = ?
