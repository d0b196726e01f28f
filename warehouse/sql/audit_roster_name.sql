-- The file name a recorded roster ($1: roster_sha256) was read from.
SELECT source_name FROM rosters WHERE roster_sha256 = ?
