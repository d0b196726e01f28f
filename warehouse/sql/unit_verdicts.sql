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
WITH cur AS (SELECT * FROM current_submissions WHERE year = $year),
used AS (SELECT * FROM returns_in_force WHERE year = $year),
rules AS (
    SELECT v.sha256, string_agg(DISTINCT v.rule, ',' ORDER BY v.rule) AS rules
    FROM validation_results v
    JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key  -- the verdict it got on receipt
    JOIN cur c ON c.sha256 = v.sha256 AND c.status = 'rejected'
    WHERE v.severity <> 'SOFT'
    GROUP BY v.sha256
)
SELECT s.position, s.unit_id, u.sha256, u.version, u.keep_id,
       c.sha256 AS current_sha256, c.version AS current_version, coalesce(r.rules, '') AS current_rules,
       CASE WHEN c.sha256 IS NULL THEN 'missing'
            WHEN c.status = 'accepted' THEN CASE WHEN c.waived THEN 'waived' ELSE 'accepted' END
            WHEN u.keep_id IS NOT NULL THEN 'kept'
            ELSE 'rejected' END AS verdict
FROM scope s
LEFT JOIN cur c USING (unit_id)
LEFT JOIN used u USING (unit_id)
LEFT JOIN rules r ON r.sha256 = c.sha256
ORDER BY s.position
