-- The auditor's evidence (append-only, like every evidence table: the tool never updates or deletes a row; a
-- correction is a new row that points at the old one).

-- Waivers (HARD-W failures), acknowledgements (SOFT findings) and revocations of either. Each is tied to one
-- submission by its sha256: a new version of the return is another sha256, so it is not covered.
CREATE SEQUENCE IF NOT EXISTS waiver_ids START 1;
CREATE TABLE IF NOT EXISTS waivers (
    waiver_id   INTEGER PRIMARY KEY DEFAULT nextval('waiver_ids'),
    kind        VARCHAR NOT NULL CHECK (kind IN ('waiver', 'acknowledgement', 'revocation')),
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    unit_id     VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    sha256      VARCHAR NOT NULL,     -- the submission the decision is about
    version     INTEGER,
    reason      VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    refers_to   INTEGER               -- a revocation: the waiver_id it revokes
);

-- The status of each submission now (waivers applied): the view submission_status, create_status_views.sql.
