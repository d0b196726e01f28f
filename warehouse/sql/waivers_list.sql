-- Every waiver and acknowledgement for $year, each with its revocation if one was recorded and the newer
-- version of the return that voided it, if any (a revocation is its
-- own row pointing back at the waiver; nothing is ever changed in place).
SELECT w.waiver_id, w.kind, w.rule, w.severity, w.unit_id, w.year, w.sha256, w.version, w.reason,
       w.recorded_by, w.recorded_at,
       r.waiver_id AS revoked_by_id, r.recorded_by AS revoked_by, r.recorded_at AS revoked_at,
       r.reason AS revoke_reason,
       CASE WHEN l.sha256 <> w.sha256 THEN l.version END AS superseded_by_version  -- another file received voids it
FROM waivers w
LEFT JOIN waivers r ON r.kind = 'revocation' AND r.refers_to = w.waiver_id
LEFT JOIN (  -- each unit's current submission: the one received last (receipts)
    SELECT s.unit_id, s.year, arg_max(s.sha256, [coalesce(r.n, 0), s.version]) AS sha256,
           arg_max(s.version, [coalesce(r.n, 0), s.version]) AS version
    FROM submissions s LEFT JOIN (SELECT sha256, max(receipt_no) AS n FROM receipts GROUP BY sha256) r USING (sha256)
    WHERE s.unit_id IN (SELECT unit_id FROM waivers WHERE year = $year)  -- only the units it is joined to
    GROUP BY ALL
) l
       ON l.unit_id = w.unit_id AND l.year = w.year
WHERE w.kind <> 'revocation' AND w.year = $year
ORDER BY w.waiver_id
