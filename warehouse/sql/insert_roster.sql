-- One roster: sha256, district, source file name, units, recorded at.
INSERT INTO rosters VALUES (?, ?, ?, ?, ?)
