-- For the checkpoint, not the report: each node's cells summed over the reporting units that report to it
-- DIRECTLY (registered table `homes` (unit_id, node_id)), with the number of blank values in each sum. The
-- checkpoint adds the node's child nodes to this and compares with consolidate_nodes.sql, which sums over the
-- closure instead: two different paths to the same figures. A blank is not zero: `blanks` > 0 makes the
-- expected value unknown, so G3 fails on that cell.
WITH accepted AS (  -- the return in force: the latest received accepted one, or the kept version
    SELECT unit_id, sha256 FROM returns_in_force WHERE year = $year  -- (create_keep_tables.sql)
),
members AS (
    SELECT h.node_id, a.sha256
    FROM homes h
    JOIN accepted a USING (unit_id)
)
SELECT m.node_id, c.cell_key,
       sum(c.value_int)::BIGINT AS value_int,
       sum(c.value_dec)::DECIMAL(38, 6) AS value_dec,
       -- a stand-in row replaces exactly one NULL sub-row cell of its return (create_deviation_tables.sql)
       count(*) FILTER (WHERE CASE WHEN k.is_fee THEN c.value_dec IS NULL ELSE c.value_int IS NULL END AND NOT c.stand_in)
         - count(*) FILTER (WHERE c.stand_in) AS blanks
FROM (
    SELECT sha256, cell_key, value_int, value_dec, false AS stand_in FROM cells
    UNION ALL SELECT sha256, cell_key, value_int, NULL, true FROM stand_in_cells
) c
JOIN members m USING (sha256)
JOIN cell_keys k USING (cell_key)
GROUP BY m.node_id, c.cell_key
