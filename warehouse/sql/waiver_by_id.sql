-- One waiver by its id.
SELECT waiver_id, kind, rule, severity, unit_id, year, sha256, version, reason, recorded_by, recorded_at, refers_to
FROM waivers WHERE waiver_id = ?
