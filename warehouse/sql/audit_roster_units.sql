-- A roster as recorded ($1: roster_sha256), in the file's order: what the audit reads the tree from.
SELECT u.unit_id, u.unit_name, u.kind, u.parent_id, r.source_name
FROM roster_units u JOIN rosters r USING (roster_sha256)
WHERE roster_sha256 = ?
ORDER BY u.position
