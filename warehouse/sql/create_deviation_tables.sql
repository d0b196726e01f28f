-- Figures a return printed outside the official layout, kept beside its cells (append-only evidence, loaded in
-- the transaction that records the submission). One deviation so far: 'other_single_row', (六)其他处理 printed as
-- ONE row instead of its three sub-rows (schemas.single_row, rule S6); its 21 sub-row cells are NULL in `cells`.
CREATE TABLE IF NOT EXISTS cell_deviations (
    sha256    VARCHAR NOT NULL,
    deviation VARCHAR NOT NULL,       -- 'other_single_row'
    col_key   VARCHAR NOT NULL,       -- the section-三 column (schemas.cells.S3_COL_KEYS)
    position  INTEGER NOT NULL,       -- the column's order, 1..7
    value_int BIGINT,                 -- NULL when blank or not a clean count (then raw_text)
    raw_text  VARCHAR,
    PRIMARY KEY (sha256, deviation, col_key)
);

-- How consolidation counts a single (六) row: all of it under (六)3.其他 (the only "other" the form has), 0 under
-- 1. and 2. Only a return whose S6 was waived is accepted, so only those are summed. Consolidation adds these rows
-- to `cells` (UNION ALL, no anti-join over 30 million cells): that is exact because the 21 cells they stand in for
-- are NULL in `cells` for such a return — intake refuses a return giving both, and a return that has both is S1
-- (HARD, never accepted). direct_sums.sql does not count the NULLs they stand in for as blanks.
CREATE OR REPLACE VIEW stand_in_cells AS
SELECT d.sha256, 's3.' || r.row_key || '.' || d.col_key AS cell_key,
       CASE WHEN r.row_key = 'other_other' THEN d.value_int ELSE 0 END::BIGINT AS value_int
FROM cell_deviations d
CROSS JOIN (VALUES ('other_no_correction'), ('other_fee_unpaid'), ('other_other')) r(row_key)
WHERE d.deviation = 'other_single_row';
