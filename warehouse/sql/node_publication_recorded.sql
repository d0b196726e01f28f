-- 1 when this run's publication of this node is recorded already.
SELECT count(*) FROM node_publications WHERE run_key = ? AND node_id = ?
