-- The roster of the latest run for a year ($3) whose tree holds a node ($1, $2): a run asked for that node, or a
-- run of a city, province or country that consolidated it too (node_cells: every node of every run). The roster
-- `nianbao audit` reads.
SELECT r.roster_sha256
FROM runs r
WHERE r.year = $3
  AND (r.district_id = $1 OR EXISTS (SELECT 1 FROM node_cells n WHERE n.run_key = r.run_key AND n.node_id = $2))
ORDER BY r.started_at DESC
LIMIT 1
