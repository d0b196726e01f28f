-- The submissions already recorded among the wanted sha256s.
SELECT s.sha256, s.unit_id, s.year, s.version, s.status FROM submissions s JOIN wanted USING (sha256)
