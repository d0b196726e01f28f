-- The status of every submission and the return each unit counts, as table macros of the units they are about
-- (`units`: a list of unit ids, or NULL for every unit) and as the views every query reads (the macros on NULL).
-- One definition: a question about one unit (`nianbao audit --unit`) passes [unit] and reads only that unit's rows
-- instead of a pass over every submission of the warehouse; it gets the same answer as the view restricted to it,
-- since each row here depends only on its own unit's submissions, receipts, waivers and keeps.
-- Executed after create_evidence_tables.sql and create_keep_tables.sql (waivers, keeps).

-- Each submission's status now: the status it got on receipt, unless every blocking failure it had then is a
-- HARD-W failure covered by a waiver that has not been revoked nor voided by a newer version of the return; such a
-- submission counts as accepted ("waived").
CREATE OR REPLACE MACRO submission_status_of(units) AS TABLE
WITH blocking AS (
    SELECT v.sha256, v.rule, v.severity
    FROM validation_results v
    JOIN submissions s ON s.sha256 = v.sha256 AND s.first_run = v.run_key
    WHERE v.severity <> 'SOFT' AND (units IS NULL OR list_contains(units, s.unit_id))
),
revoked AS (
    SELECT refers_to AS waiver_id FROM waivers WHERE kind = 'revocation' AND refers_to IS NOT NULL
),
received AS (  -- each submission's last receipt (create_tables.sql): the unit's current one is the latest
    SELECT sha256, max(receipt_no) AS last_receipt FROM receipts WHERE units IS NULL GROUP BY sha256
    UNION ALL  -- the units asked about: only their submissions' receipts (one branch or the other is empty)
    SELECT r.sha256, max(r.receipt_no) FROM receipts r
    SEMI JOIN submissions s ON s.sha256 = r.sha256 AND list_contains(units, s.unit_id)
    WHERE units IS NOT NULL GROUP BY r.sha256
),
latest AS (  -- a waiver counts only while its submission is the unit's current one: another file received voids it
    SELECT s.unit_id, s.year, arg_max(s.sha256, [coalesce(r.last_receipt, 0), s.version]) AS sha256
    FROM submissions s LEFT JOIN received r USING (sha256)
    WHERE s.unit_id IS NOT NULL AND (units IS NULL OR list_contains(units, s.unit_id)) GROUP BY ALL
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
LEFT JOIN received r USING (sha256)
WHERE units IS NULL OR list_contains(units, s.unit_id);

-- Each unit's returns for a year in ONE pass over the submissions: its current one, whatever its status (the one
-- received last: receipts; waivers applied), and its latest received accepted one.
CREATE OR REPLACE MACRO unit_returns_of(units) AS TABLE
SELECT unit_id, year,
       arg_max(sha256, [last_receipt, version]) AS current_sha256,
       arg_max(version, [last_receipt, version]) AS current_version,
       arg_max(status, [last_receipt, version]) AS current_status,
       arg_max(waived, [last_receipt, version]) AS current_waived,
       arg_max(sha256, [last_receipt, version]) FILTER (WHERE status = 'accepted') AS accepted_sha256,
       arg_max(version, [last_receipt, version]) FILTER (WHERE status = 'accepted') AS accepted_version
FROM submission_status_of(units)  -- submissions with waivers applied
WHERE unit_id IS NOT NULL AND year IS NOT NULL
GROUP BY unit_id, year;

-- A keep counts while the rejected return it was recorded against is still the unit's current one (any other file
-- received voids it), it is not revoked, and the kept version is still accepted. The latest such keep wins.
CREATE OR REPLACE MACRO keeps_in_force_of(units) AS TABLE
SELECT k.unit_id, k.year, arg_max(k.keep_id, k.keep_id) AS keep_id, arg_max(k.sha256, k.keep_id) AS sha256,
       arg_max(k.version, k.keep_id) AS version
FROM keeps k
JOIN unit_returns_of(units) c ON c.unit_id = k.unit_id AND c.year = k.year AND c.current_sha256 = k.instead_of
JOIN submission_status_of(units) s ON s.sha256 = k.sha256 AND s.status = 'accepted'
WHERE k.kind = 'keep' AND c.current_status = 'rejected'
  AND k.keep_id NOT IN (SELECT refers_to FROM keeps WHERE kind = 'revocation' AND refers_to IS NOT NULL)
GROUP BY k.unit_id, k.year;

-- The return consolidation counts for each unit and year (sha256, version; NULL when it has none): the kept version
-- where a keep is in force, else the latest received accepted one. When that is not the current return (the
-- current one is rejected and nothing is kept) G5 blocks the node (unit_verdicts.sql). The current return's
-- columns come along for the verdict.
CREATE OR REPLACE MACRO returns_in_force_of(units) AS TABLE
SELECT u.unit_id, u.year, coalesce(k.sha256, u.accepted_sha256) AS sha256,
       coalesce(k.version, u.accepted_version) AS version, k.keep_id,
       u.current_sha256, u.current_version, u.current_status, u.current_waived
FROM unit_returns_of(units) u
LEFT JOIN keeps_in_force_of(units) k USING (unit_id, year);

CREATE OR REPLACE VIEW submission_status AS SELECT * FROM submission_status_of(NULL);
CREATE OR REPLACE VIEW unit_returns AS SELECT * FROM unit_returns_of(NULL);
CREATE OR REPLACE VIEW keeps_in_force AS SELECT * FROM keeps_in_force_of(NULL);
CREATE OR REPLACE VIEW returns_in_force AS SELECT * FROM returns_in_force_of(NULL);
