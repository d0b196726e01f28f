-- A unit ($unit) of a recorded roster ($roster) and every unit above it, nearest first, with the roster's file
-- name: `nianbao audit --unit` checks that the unit is below the node asked about without reading the whole
-- roster (150,000 rows for a country). The depth bound only guards the recursion: a roster has no cycle.
WITH RECURSIVE up(unit_id, depth) AS (
    SELECT unit_id, 0 FROM roster_units WHERE roster_sha256 = $roster AND unit_id = $unit
    UNION ALL
    SELECT r.parent_id, up.depth + 1
    FROM up JOIN roster_units r ON r.roster_sha256 = $roster AND r.unit_id = up.unit_id
    WHERE coalesce(r.parent_id, '') <> '' AND up.depth < 64
)
SELECT u.unit_id, u.unit_name, u.kind, u.parent_id, f.source_name
FROM up
JOIN roster_units u ON u.roster_sha256 = $roster AND u.unit_id = up.unit_id
JOIN rosters f ON f.roster_sha256 = $roster
ORDER BY up.depth
