-- Where each cell of a published report (DOCX, PDF, HTML, text) was read: page, table, row and the form's column
-- (or line and offset) and the text as printed, in words. decoded_by lists the identities that cut a glued digit
-- group apart ('' for a forced cut; NULL when the cell was printed on its own): those identities cannot vouch
-- for the cell, so the audit reports them as not independently checked. Append-only, like the cells.
CREATE TABLE IF NOT EXISTS cell_sources (
    sha256     VARCHAR NOT NULL,
    cell_key   VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    decoded_by VARCHAR
);
