-- One row of `keeps` by its id (a keep or a revocation), and how many revocations point at it.
SELECT k.keep_id, k.kind, k.unit_id, k.year, k.sha256, k.version, k.instead_of, k.instead_of_version, k.reason,
       k.recorded_by, k.recorded_at, k.refers_to,
       (SELECT count(*) FROM keeps r WHERE r.kind = 'revocation' AND r.refers_to = k.keep_id) AS revocations
FROM keeps k
WHERE k.keep_id = $keep_id
