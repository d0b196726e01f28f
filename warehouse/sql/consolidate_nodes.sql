-- Every node of a run in ONE statement (G3 at every level): each node's 200 cells summed over the latest accepted
-- return of every reporting unit below it. Registered tables: `run_nodes` (position, node_id) lists the nodes,
-- `closure` (node_id, unit_id) pairs each reporting unit with each node above it (pipeline/hierarchy.py), so one
-- GROUP BY node_id, cell_key sums every level at once. Counts sum as BIGINT, the fee as DECIMAL (exact).
-- Cells nobody reported, and nodes with no unit below them, come back as 0.
--
-- Units with the same set of nodes above them (in a tree: the units of one district, or of one township) are
-- summed together first (`set_sums`), then each set's sums are added into each of its nodes. Exact sums add up
-- the same whatever the grouping, and a blank still adds nothing; but 30 million cells are then grouped once
-- (~550,000 groups) instead of once per level (120 million joined rows for 150,000 units four levels deep):
-- 2.1 s -> 0.8 s on the 150,000-return benchmark.
WITH accepted AS (  -- the return in force: the latest received accepted one, or the kept version
    SELECT unit_id, sha256 FROM returns_in_force WHERE year = $year  -- (create_keep_tables.sql)
),
unit_sets AS (  -- each unit's nodes, as a list: one row per closure pair (a repeated pair counts twice, as before)
    SELECT unit_id, list(node_id ORDER BY node_id) AS nodes
    FROM closure
    GROUP BY unit_id
),
node_sets AS (  -- each distinct list of nodes, numbered (grouping 30 million rows by a list is slow; by a number not)
    SELECT nodes, row_number() OVER () AS set_id
    FROM (SELECT DISTINCT nodes FROM unit_sets)
),
members AS (
    SELECT n.set_id, a.sha256
    FROM unit_sets u
    JOIN node_sets n USING (nodes)
    JOIN accepted a USING (unit_id)
),
set_sums AS (
    SELECT m.set_id, c.cell_key, sum(c.value_int) AS value_int, sum(c.value_dec) AS value_dec
    FROM (  -- a single (六) row counted under 3.其他 (stand_in_cells, create_deviation_tables.sql)
        SELECT sha256, cell_key, value_int, value_dec FROM cells
        UNION ALL SELECT sha256, cell_key, value_int, NULL FROM stand_in_cells
    ) c
    JOIN members m USING (sha256)
    GROUP BY m.set_id, c.cell_key
),
sums AS (
    SELECT n.node_id, s.cell_key, sum(s.value_int) AS value_int, sum(s.value_dec) AS value_dec
    FROM set_sums s
    JOIN (SELECT set_id, unnest(nodes) AS node_id FROM node_sets) n USING (set_id)
    GROUP BY n.node_id, s.cell_key
),
final AS (
    SELECT n.position AS node_position, k.position, n.node_id, k.cell_key,
           CASE WHEN k.is_fee THEN NULL ELSE coalesce(s.value_int, 0) END::BIGINT AS value_int,
           CASE WHEN k.is_fee THEN coalesce(s.value_dec, 0) ELSE NULL END::DECIMAL(38, 6) AS value_dec
    FROM run_nodes n
    CROSS JOIN cell_keys k
    LEFT JOIN sums s ON s.node_id = n.node_id AND s.cell_key = k.cell_key
)
SELECT node_id, cell_key, value_int, value_dec FROM final ORDER BY node_position, position
