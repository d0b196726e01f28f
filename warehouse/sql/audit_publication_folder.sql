-- The folder a run ($1: run_key) published the report of its own node ($2) to (no row: it published nothing).
SELECT folder FROM node_publications WHERE run_key = ? AND node_id = ?
