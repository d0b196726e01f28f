-- The cells as read of the submissions in the registered table `wanted` (sha256): the number, the exact fee, and
-- the raw text of a value that was not a clean number. One statement for every unit the audit shows.
SELECT c.sha256, c.cell_key, c.value_int, c.value_dec, c.raw_text
FROM cells c JOIN wanted USING (sha256)
