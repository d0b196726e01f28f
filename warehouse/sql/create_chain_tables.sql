-- The evidence chain: one link per evidence row (or per group of rows: a submission's cells, sources and
-- deviations, a run's consolidated cells, a node's cells, a roster's units), per table in the order rows were
-- recorded. A link carries the hash of its row's content (warehouse/sql/chain_rows_<table>.sql says what is
-- hashed) and the hash of the previous link of the same table, so an UPDATE, a DELETE or a forged INSERT made
-- outside nianbao, or a rewritten link, breaks the chain (`nianbao audit --verify`). Append-only.
-- link_hash = sha256 of "<len>:<prev_hash><len>:<table><len>:<row_ref><len>:<row_hash>" (warehouse/chain.py).
CREATE TABLE IF NOT EXISTS evidence_chain (
    link_id    BIGINT PRIMARY KEY,   -- 1, 2, ... over all tables, in the order links were added
    table_name VARCHAR NOT NULL,
    row_ref    VARCHAR NOT NULL,     -- which row (or group) of table_name: its key, e.g. a sha256 or run_key/seq
    row_hash   VARCHAR NOT NULL,     -- sha256 of the row's content
    prev_hash  VARCHAR NOT NULL,     -- link_hash of the table's previous link (64 zeros for its first)
    link_hash  VARCHAR NOT NULL,
    run_key    VARCHAR               -- the run that recorded the row (NULL: a waiver, or rows sealed on upgrade)
);
