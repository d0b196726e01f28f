-- A warehouse last written before receipts, opened read-only (nothing can be added to it): the latest accepted
-- submission by version, as nianbao chose it then. Otherwise latest_accepted.sql (the latest received).
-- The latest accepted submission for $year of every unit in `scope` (a registered table: position, unit_id).
-- Units without one come back with NULL sha256 (G1 looks for them).
WITH accepted AS (
    SELECT unit_id, arg_max(sha256, version) AS sha256, max(version) AS version
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
