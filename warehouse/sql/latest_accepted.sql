-- The return in force for $year of every unit in `scope` (a registered table: position, unit_id): the latest
-- received accepted one, or the older version the office keeps (returns_in_force, create_keep_tables.sql). Units
-- without one come back with NULL sha256 (G1 looks for them). "Latest" is the latest RECEIVED (its last receipt),
-- not the highest version: v1, v2, then v1's bytes again make v1 current (create_tables.sql, receipts).
SELECT s.position, s.unit_id, a.sha256, a.version
FROM scope s
LEFT JOIN (SELECT unit_id, sha256, version FROM returns_in_force WHERE year = $year) a USING (unit_id)
ORDER BY s.position
