-- A warehouse last written before receipts (and keeps), opened read-only: unit_verdicts.sql with "current" meaning
-- the highest version and nothing kept.
WITH cur AS (
    SELECT unit_id, arg_max(sha256, version) AS sha256, max(version) AS version, arg_max(status, version) AS status,
           arg_max(waived, version) AS waived
    FROM submission_status WHERE year = $year AND unit_id IS NOT NULL GROUP BY unit_id
),
used AS (
    SELECT unit_id, arg_max(sha256, version) AS sha256, max(version) AS version
    FROM submission_status WHERE year = $year AND status = 'accepted' GROUP BY unit_id
),
rules AS (
    SELECT v.sha256, string_agg(DISTINCT v.rule, ',' ORDER BY v.rule) AS rules
    FROM validation_results v
    JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key
    JOIN cur c ON c.sha256 = v.sha256 AND c.status = 'rejected'
    WHERE v.severity <> 'SOFT'
    GROUP BY v.sha256
)
SELECT s.position, s.unit_id, u.sha256, u.version, NULL::INTEGER AS keep_id,
       c.sha256 AS current_sha256, c.version AS current_version, coalesce(r.rules, '') AS current_rules,
       CASE WHEN c.sha256 IS NULL THEN 'missing'
            WHEN c.status = 'accepted' THEN CASE WHEN c.waived THEN 'waived' ELSE 'accepted' END
            ELSE 'rejected' END AS verdict
FROM scope s
LEFT JOIN cur c USING (unit_id)
LEFT JOIN used u USING (unit_id)
LEFT JOIN rules r ON r.sha256 = c.sha256
ORDER BY s.position
