-- Every publication of a node ($1: node_id) for a year ($2), oldest first, with the roster of the run that made it
-- (node_publications: every node a run published; a district is published by its city's run too).
SELECT p.run_key, p.folder, p.published_at, p.manifest_sha256, p.files, r.roster_sha256
FROM node_publications p LEFT JOIN runs r USING (run_key)
WHERE p.node_id = ? AND p.year = ?
ORDER BY p.published_at
