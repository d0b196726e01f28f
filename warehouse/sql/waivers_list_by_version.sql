-- A warehouse last written before receipts, opened read-only: waivers_list.sql with "newer" meaning a higher version.
-- Every waiver and acknowledgement for $year, each with its revocation if one was recorded and the newer
-- version of the return that voided it, if any (a revocation is its
-- own row pointing back at the waiver; nothing is ever changed in place).
SELECT w.waiver_id, w.kind, w.rule, w.severity, w.unit_id, w.year, w.sha256, w.version, w.reason,
       w.recorded_by, w.recorded_at,
       r.waiver_id AS revoked_by_id, r.recorded_by AS revoked_by, r.recorded_at AS revoked_at,
       r.reason AS revoke_reason,
       CASE WHEN l.version > w.version THEN l.version END AS superseded_by_version  -- a newer version voids it
FROM waivers w
LEFT JOIN waivers r ON r.kind = 'revocation' AND r.refers_to = w.waiver_id
LEFT JOIN (SELECT unit_id, year, max(version) AS version FROM submissions WHERE unit_id IS NOT NULL GROUP BY ALL) l
       ON l.unit_id = w.unit_id AND l.year = w.year
WHERE w.kind <> 'revocation' AND w.year = $year
ORDER BY w.waiver_id
