-- 1 when this roster (by content) is recorded already.
SELECT count(*) FROM rosters WHERE roster_sha256 = ?
