-- The roster of the latest run of a district ($1) and year ($2): the roster `nianbao audit` reads.
SELECT roster_sha256 FROM runs WHERE district_id = ? AND year = ? ORDER BY started_at DESC LIMIT 1
