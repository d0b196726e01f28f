-- One node's publication by a run: run, node, year, folder, published at, manifest sha256, files (JSON).
INSERT INTO node_publications VALUES (?, ?, ?, ?, ?, ?, ?)
