-- Every node of a run in ONE statement (G3 at every level): each node's 200 cells summed over the latest accepted
-- return of every reporting unit below it. Registered tables: `run_nodes` (position, node_id) lists the nodes,
-- `closure` (node_id, unit_id) pairs each reporting unit with each node above it (pipeline/hierarchy.py), so one
-- GROUP BY node_id, cell_key sums every level at once. Counts sum as BIGINT, the fee as DECIMAL (exact).
-- Cells nobody reported, and nodes with no unit below them, come back as 0.
WITH accepted AS (
    SELECT unit_id, arg_max(sha256, version) AS sha256
    FROM submission_status  -- submissions with waivers applied (create_evidence_tables.sql)
    WHERE year = $year AND status = 'accepted'
    GROUP BY unit_id
),
members AS (
    SELECT c.node_id, a.sha256
    FROM closure c
    JOIN accepted a USING (unit_id)
),
sums AS (
    SELECT m.node_id, c.cell_key, sum(c.value_int) AS value_int, sum(c.value_dec) AS value_dec
    FROM cells c
    JOIN members m USING (sha256)
    GROUP BY m.node_id, c.cell_key
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
