-- The deviations of the submissions in the registered table `wanted` (sha256), column by column.
SELECT d.sha256, d.deviation, d.col_key, d.value_int, d.raw_text
FROM cell_deviations d JOIN wanted USING (sha256)
ORDER BY d.sha256, d.deviation, d.position
