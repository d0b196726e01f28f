-- Each unit of `scope` (registered: position, unit_id) with its verdict for $year: the ONE query behind the
-- consolidation's units, the checkpoint's G1/G5 rows, the CLI summary, the run's artifacts and audit.html, so
-- their counts cannot disagree. verdict:
--   accepted  the current (latest received) return is accepted
--   waived    ... accepted through a waiver
--   kept      the current return is rejected; an older accepted version is kept (`nianbao keep`) and counted
--   rejected  the current return is rejected and nothing is kept (G5 blocks when an older version is accepted,
--             G1 when none is)
--   missing   no return received
-- sha256/version: the return consolidation counts (returns_in_force; for `rejected`, the older accepted one the
-- sums hold while publication is blocked). current_rules: the blocking rules the current return failed.
-- $units: the scope's unit ids for a few units (only their rows are read), or NULL for every unit (one pass).
WITH r AS MATERIALIZED (SELECT * FROM returns_in_force_of($units) WHERE year = $year),  -- create_status_views.sql
rules AS (
    SELECT v.sha256, string_agg(DISTINCT v.rule, ',' ORDER BY v.rule) AS rules
    FROM validation_results v
    JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key  -- the verdict it got on receipt
    JOIN r ON r.current_sha256 = v.sha256 AND r.current_status = 'rejected'
    WHERE v.severity <> 'SOFT'
    GROUP BY v.sha256
)
SELECT s.position, s.unit_id, r.sha256, r.version, r.keep_id,
       r.current_sha256, r.current_version, coalesce(x.rules, '') AS current_rules,
       CASE WHEN r.current_sha256 IS NULL THEN 'missing'
            WHEN r.current_status = 'accepted' THEN CASE WHEN r.current_waived THEN 'waived' ELSE 'accepted' END
            WHEN r.keep_id IS NOT NULL THEN 'kept'
            ELSE 'rejected' END AS verdict
FROM scope s
LEFT JOIN r USING (unit_id)
LEFT JOIN rules x ON x.sha256 = r.current_sha256
ORDER BY s.position
