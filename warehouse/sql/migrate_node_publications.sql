-- A district-era publication as the node_publications row of the run's own node, where that row is missing.
-- The row refs copied (run_key/node_id, as the chain names them).
INSERT INTO node_publications
SELECT p.run_key, p.district_id, p.year, p.folder, p.published_at, p.manifest_sha256, p.files
FROM publications p
WHERE NOT EXISTS (SELECT 1 FROM node_publications n WHERE n.run_key = p.run_key AND n.node_id = p.district_id)
RETURNING run_key || '/' || node_id
