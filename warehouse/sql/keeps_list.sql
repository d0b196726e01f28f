-- Every keep for $year (`nianbao keep`), with its revocation if one was recorded and the version of the unit's
-- current return when that is no longer the rejected one the keep was recorded against (which voids it).
SELECT k.keep_id, k.unit_id, k.year, k.sha256, k.version, k.instead_of, k.instead_of_version, k.reason,
       k.recorded_by, k.recorded_at,
       r.keep_id AS revoked_by_id, r.recorded_by AS revoked_by, r.recorded_at AS revoked_at, r.reason AS revoke_reason,
       CASE WHEN c.current_sha256 IS DISTINCT FROM k.instead_of THEN c.current_version END AS void_by_version,
       (f.keep_id IS NOT NULL) AS in_force
FROM keeps k
LEFT JOIN keeps r ON r.kind = 'revocation' AND r.refers_to = k.keep_id
LEFT JOIN unit_returns c ON c.unit_id = k.unit_id AND c.year = k.year
LEFT JOIN keeps_in_force f ON f.keep_id = k.keep_id
WHERE k.kind = 'keep' AND k.year = $year
ORDER BY k.keep_id
