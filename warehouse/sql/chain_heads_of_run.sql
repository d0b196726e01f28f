-- The head of each table's chain as it stood when a run's evidence was recorded (the run's last link, its
-- publications aside, since they are recorded after the manifest is written): what the run's manifest records.
-- The same for every rerun of the run, which records nothing new before publishing.
WITH mark AS (
    SELECT max(link_id) AS link_id FROM evidence_chain
    WHERE run_key = $run_key AND table_name NOT IN ('publications', 'node_publications')
)
SELECT table_name, max(c.link_id) AS link_id, arg_max(c.link_hash, c.link_id) AS link_hash
FROM evidence_chain c, mark
WHERE c.link_id <= mark.link_id
GROUP BY ALL ORDER BY table_name
