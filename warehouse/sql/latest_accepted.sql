-- The latest accepted submission for $year of every unit in `scope` (a registered table: position, unit_id).
-- Units without one come back with NULL sha256 (G1 looks for them). "Latest" is the latest RECEIVED (its last
-- receipt), not the highest version: v1, v2, then v1's bytes again make v1 current (create_tables.sql, receipts).
WITH accepted AS (
    SELECT unit_id, arg_max(sha256, [last_receipt, version]) AS sha256,
           arg_max(version, [last_receipt, version]) AS version
    FROM submission_status  -- submissions with waivers applied (create_evidence_tables.sql)
    WHERE year = $year AND status = 'accepted'
    GROUP BY unit_id
),
final AS (
    SELECT s.position, s.unit_id, a.sha256, a.version
    FROM scope s
    LEFT JOIN accepted a USING (unit_id)
)
SELECT * FROM final ORDER BY position
