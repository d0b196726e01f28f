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

-- The views over the keeps (unit_returns, keeps_in_force, returns_in_force): create_status_views.sql.
