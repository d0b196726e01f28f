-- One version of a unit's return for a year, with its status now (waivers applied): what `nianbao keep` may keep.
SELECT sha256, status, original_name
FROM submission_status
WHERE unit_id = $unit_id AND year = $year AND version = $version
