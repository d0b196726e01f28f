-- Runs that consolidate a tree (a city, a province, the country) produce one report per node. Append-only, like
-- the evidence tables: `consolidated_cells` / `publications` keep the run's own node (the one it was asked for);
-- these keep every node of the run, that node included.
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
