-- One keep or revocation (`nianbao keep`); returns its id.
INSERT INTO keeps (kind, unit_id, year, sha256, version, instead_of, instead_of_version, reason, recorded_by,
                   recorded_at, refers_to)
VALUES ($kind, $unit_id, $year, $sha256, $version, $instead_of, $instead_of_version, $reason, $recorded_by,
        $recorded_at, $refers_to)
RETURNING keep_id
