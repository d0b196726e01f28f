-- One run: key, node, year, roster, number of files, started at.
INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)
