-- The office's decision to keep an older accepted version of a unit's return while the latest one it received is
-- rejected (`nianbao keep`; audit/keeps.py holds the policy). Append-only evidence, chained like the waivers: a
-- revocation is a new row pointing at the keep it revokes. Without a keep in force, a unit whose latest return is
-- rejected blocks its node (rule G5): an older version is never used silently.
CREATE SEQUENCE IF NOT EXISTS keep_ids START 1;
CREATE TABLE IF NOT EXISTS keeps (
    keep_id            INTEGER PRIMARY KEY DEFAULT nextval('keep_ids'),
    kind               VARCHAR NOT NULL CHECK (kind IN ('keep', 'revocation')),
    unit_id            VARCHAR NOT NULL,
    year               INTEGER NOT NULL,
    sha256             VARCHAR NOT NULL,   -- the kept submission (an older, accepted version)
    version            INTEGER,
    instead_of         VARCHAR NOT NULL,   -- the unit's latest received submission (rejected) when it was recorded
    instead_of_version INTEGER,
    reason             VARCHAR NOT NULL,
    recorded_by        VARCHAR NOT NULL,
    recorded_at        TIMESTAMPTZ NOT NULL,
    refers_to          INTEGER             -- a revocation: the keep_id it revokes
);

-- Each unit's returns for a year in ONE pass over the submissions: its current one, whatever its status (the one
-- received last: receipts; waivers applied), and its latest received accepted one.
CREATE OR REPLACE VIEW unit_returns AS
SELECT unit_id, year,
       arg_max(sha256, [last_receipt, version]) AS current_sha256,
       arg_max(version, [last_receipt, version]) AS current_version,
       arg_max(status, [last_receipt, version]) AS current_status,
       arg_max(waived, [last_receipt, version]) AS current_waived,
       arg_max(sha256, [last_receipt, version]) FILTER (WHERE status = 'accepted') AS accepted_sha256,
       arg_max(version, [last_receipt, version]) FILTER (WHERE status = 'accepted') AS accepted_version
FROM submission_status  -- submissions with waivers applied (create_evidence_tables.sql)
WHERE unit_id IS NOT NULL AND year IS NOT NULL
GROUP BY unit_id, year;

-- A keep counts while the rejected return it was recorded against is still the unit's current one (any other file
-- received voids it), it is not revoked, and the kept version is still accepted. The latest such keep wins.
CREATE OR REPLACE VIEW keeps_in_force AS
SELECT k.unit_id, k.year, arg_max(k.keep_id, k.keep_id) AS keep_id, arg_max(k.sha256, k.keep_id) AS sha256,
       arg_max(k.version, k.keep_id) AS version
FROM keeps k
JOIN unit_returns c ON c.unit_id = k.unit_id AND c.year = k.year AND c.current_sha256 = k.instead_of
JOIN submission_status s ON s.sha256 = k.sha256 AND s.status = 'accepted'
WHERE k.kind = 'keep' AND c.current_status = 'rejected'
  AND k.keep_id NOT IN (SELECT refers_to FROM keeps WHERE kind = 'revocation' AND refers_to IS NOT NULL)
GROUP BY k.unit_id, k.year;

-- The return consolidation counts for each unit and year (sha256, version; NULL when it has none): the kept version
-- where a keep is in force, else the latest received accepted one. When that is not the current return (the
-- current one is rejected and nothing is kept) G5 blocks the node (unit_verdicts.sql). The current return's
-- columns come along for the verdict.
CREATE OR REPLACE VIEW returns_in_force AS
SELECT u.unit_id, u.year, coalesce(k.sha256, u.accepted_sha256) AS sha256,
       coalesce(k.version, u.accepted_version) AS version, k.keep_id,
       u.current_sha256, u.current_version, u.current_status, u.current_waived
FROM unit_returns u
LEFT JOIN keeps_in_force k USING (unit_id, year);
