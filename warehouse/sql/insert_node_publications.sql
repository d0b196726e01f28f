-- A run's node publications at once (new_node_publications: run, node, year, folder, published at, manifest
-- sha256, files as JSON), in the column order of node_publications.
INSERT INTO node_publications SELECT * FROM new_node_publications
