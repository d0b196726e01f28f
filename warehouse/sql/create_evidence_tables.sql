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

-- Each submission's status now: the status it got on receipt, unless every blocking failure it had then is a
-- HARD-W failure covered by a waiver that has not been revoked nor voided by a newer version of the return; such a
-- submission counts as accepted ("waived").
CREATE OR REPLACE VIEW submission_status AS
WITH blocking AS (
    SELECT v.sha256, v.rule, v.severity
    FROM validation_results v
    JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key
    WHERE v.severity <> 'SOFT'
),
revoked AS (
    SELECT refers_to AS waiver_id FROM waivers WHERE kind = 'revocation' AND refers_to IS NOT NULL
),
received AS (  -- each submission's last receipt (create_tables.sql): the unit's current one is the latest
    SELECT sha256, max(receipt_no) AS last_receipt FROM receipts GROUP BY sha256
),
latest AS (  -- a waiver counts only while its submission is the unit's current one: another file received voids it
    SELECT s.unit_id, s.year, arg_max(s.sha256, [coalesce(r.last_receipt, 0), s.version]) AS sha256
    FROM submissions s LEFT JOIN received r USING (sha256)
    WHERE s.unit_id IS NOT NULL GROUP BY ALL
),
active AS (
    SELECT DISTINCT w.sha256, w.rule FROM waivers w
    JOIN latest l ON l.unit_id = w.unit_id AND l.year = w.year AND l.sha256 = w.sha256
    WHERE w.kind = 'waiver' AND w.waiver_id NOT IN (SELECT waiver_id FROM revoked)
),
verdict AS (
    SELECT b.sha256, bool_and(b.severity = 'HARD-W' AND a.rule IS NOT NULL) AS all_waived
    FROM blocking b
    LEFT JOIN active a ON a.sha256 = b.sha256 AND a.rule = b.rule
    GROUP BY b.sha256
)
SELECT s.* REPLACE (
           CASE WHEN s.status = 'rejected' AND coalesce(v.all_waived, false) THEN 'accepted' ELSE s.status END AS status
       ),
       (s.status = 'rejected' AND coalesce(v.all_waived, false)) AS waived,
       s.status AS status_at_receipt,
       coalesce(r.last_receipt, 0) AS last_receipt  -- orders "latest": the latest received is current
FROM submissions s
LEFT JOIN verdict v USING (sha256)
LEFT JOIN received r USING (sha256);
