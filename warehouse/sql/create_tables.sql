-- The nianbao warehouse. Evidence tables are append-only: the tool never updates or deletes their rows.

-- A roster as received (one row per distinct file content), and its units.
CREATE TABLE IF NOT EXISTS rosters (
    roster_sha256 VARCHAR PRIMARY KEY,
    district_id   VARCHAR NOT NULL,
    source_name   VARCHAR NOT NULL,
    n_units       INTEGER NOT NULL,
    loaded_at     TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS roster_units (
    roster_sha256 VARCHAR NOT NULL,
    position      INTEGER NOT NULL,   -- order in the roster file (the annex keeps it)
    unit_id       VARCHAR NOT NULL,
    unit_name     VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    parent_id     VARCHAR NOT NULL,
    PRIMARY KEY (roster_sha256, unit_id)
);

-- Every file received, once per distinct content. A changed file for the same unit and year is a new version.
CREATE TABLE IF NOT EXISTS submissions (
    sha256        VARCHAR PRIMARY KEY,
    unit_id       VARCHAR,            -- NULL when the file could not be read far enough to know
    year          INTEGER,
    version       INTEGER,            -- 1, 2, ... per (unit_id, year), in order of receipt
    original_name VARCHAR NOT NULL,
    stored_path   VARCHAR NOT NULL,   -- the original bytes, kept as received
    size_bytes    BIGINT NOT NULL,
    reader        VARCHAR NOT NULL,   -- which reader produced the return
    received_at   TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL,   -- accepted | rejected
    first_run     VARCHAR NOT NULL    -- the run that received it
);

-- Every receipt of a file: one row per distinct content per run (the same bytes twice in one batch are one
-- receipt; a rerun of the same run adds none). A unit's CURRENT return is the one it sent last — the latest
-- receipt — even when its bytes are those of an older version (v1, v2, then v1 again: v1 is current, with its
-- version number 1). `receipt_no` counts receipts across the warehouse, in order.
CREATE TABLE IF NOT EXISTS receipts (
    receipt_no    BIGINT NOT NULL,
    sha256        VARCHAR NOT NULL,
    run_key       VARCHAR NOT NULL,
    original_name VARCHAR NOT NULL,   -- the name it was received under this time
    received_at   TIMESTAMPTZ NOT NULL
);

-- The cells of every readable submission in long form: counts as integers, the fee as an exact decimal.
-- (sha256, cell_key) is unique, but deliberately not a PRIMARY KEY: the loader inserts a submission's cells once,
-- in the transaction that records the submission (whose sha256 IS a key), and an index over 30 million cells
-- (150,000 returns) costs ~35 s and ~3 GB of memory to build on load (measured in benchmarks/README.md).
CREATE TABLE IF NOT EXISTS cells (
    sha256    VARCHAR NOT NULL,
    cell_key  VARCHAR NOT NULL,
    value_int BIGINT,
    value_dec DECIMAL(18, 6),
    raw_text  VARCHAR                -- the text as read when it was not a clean number (evidence)
);

-- One row per distinct run: its key is a hash of its inputs, so a rerun of the same inputs is the same run.
CREATE TABLE IF NOT EXISTS runs (
    run_key       VARCHAR PRIMARY KEY,
    district_id   VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    roster_sha256 VARCHAR NOT NULL,
    n_files       INTEGER NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS validation_results (
    run_key   VARCHAR NOT NULL,
    seq       INTEGER NOT NULL,
    sha256    VARCHAR,
    file      VARCHAR,
    unit_id   VARCHAR,
    rule      VARCHAR NOT NULL,
    severity  VARCHAR NOT NULL,
    cell      VARCHAR,
    expected  VARCHAR,
    actual    VARCHAR,
    detail    VARCHAR,
    message   VARCHAR NOT NULL,
    PRIMARY KEY (run_key, seq)
);

-- The checkpoint that judged a run (its nodes' reports are in node_cells: create_node_tables.sql).
CREATE TABLE IF NOT EXISTS checkpoint_results (
    run_key     VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    expectation VARCHAR NOT NULL,
    rule        VARCHAR NOT NULL,
    success     BOOLEAN NOT NULL,
    unexpected  VARCHAR NOT NULL,    -- JSON list of the failing rows
    PRIMARY KEY (run_key, seq)
);

-- The 200 cell keys of the format in official order (filled from schemas.cells at start).
CREATE TABLE IF NOT EXISTS cell_keys (
    cell_key VARCHAR PRIMARY KEY,
    position INTEGER NOT NULL,
    is_fee   BOOLEAN NOT NULL
);
