-- The consolidated report (G3): every cell summed over the latest accepted return of every unit in `scope`
-- (a registered table of the reporting units below the node). Counts sum as BIGINT, the fee as DECIMAL (exact).
-- Cells nobody reported come back as 0.
WITH accepted AS (
    SELECT unit_id, arg_max(sha256, version) AS sha256
    FROM submission_status  -- submissions with waivers applied (create_evidence_tables.sql)
    WHERE year = $year AND status = 'accepted'
    GROUP BY unit_id
),
units AS (
    SELECT a.sha256
    FROM scope s
    JOIN accepted a USING (unit_id)
),
sums AS (
    SELECT c.cell_key, sum(c.value_int) AS value_int, sum(c.value_dec) AS value_dec
    FROM cells c
    JOIN units u USING (sha256)
    GROUP BY c.cell_key
),
final AS (
    SELECT k.position, k.cell_key,
           CASE WHEN k.is_fee THEN NULL ELSE coalesce(s.value_int, 0) END::BIGINT AS value_int,
           CASE WHEN k.is_fee THEN coalesce(s.value_dec, 0) ELSE NULL END::DECIMAL(38, 6) AS value_dec
    FROM cell_keys k
    LEFT JOIN sums s USING (cell_key)
)
SELECT cell_key, value_int, value_dec FROM final ORDER BY position
