-- One waiver, acknowledgement or revocation; its id back.
INSERT INTO waivers (kind, rule, severity, unit_id, year, sha256, version, reason, recorded_by, recorded_at, refers_to)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING waiver_id
