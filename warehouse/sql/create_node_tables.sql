-- Every run consolidates a tree (a district is a tree of one node; a city, a province, the country have more) and
-- produces one report per node: these keep every node of the run, the one it was asked for included. Append-only,
-- like the evidence tables. (The district-era `consolidated_cells` / `publications` are moved here by
-- warehouse/migrate.py.)
CREATE TABLE IF NOT EXISTS node_cells (
    run_key   VARCHAR NOT NULL,
    node_id   VARCHAR NOT NULL,
    cell_key  VARCHAR NOT NULL,
    value_int BIGINT,
    value_dec DECIMAL(38, 6),
    PRIMARY KEY (run_key, node_id, cell_key)
);
CREATE TABLE IF NOT EXISTS node_publications (
    run_key         VARCHAR NOT NULL,
    node_id         VARCHAR NOT NULL,
    year            INTEGER NOT NULL,
    folder          VARCHAR NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL,
    manifest_sha256 VARCHAR NOT NULL,
    files           VARCHAR NOT NULL,  -- JSON {name: sha256}
    PRIMARY KEY (run_key, node_id)
);
