-- The cells that differ between two submissions ($old, $new), in the official order (cell_keys.position).
-- A cell that is absent or blank is NULL on that side; the fee compares as an exact DECIMAL; text kept as read
-- (raw_text, a value that was not a clean number) is compared as text.
SELECT k.cell_key,
       o.value_int AS old_int, o.value_dec AS old_dec, o.raw_text AS old_text,
       n.value_int AS new_int, n.value_dec AS new_dec, n.raw_text AS new_text
FROM cell_keys k
LEFT JOIN cells o ON o.sha256 = $old AND o.cell_key = k.cell_key
LEFT JOIN cells n ON n.sha256 = $new AND n.cell_key = k.cell_key
WHERE o.value_int IS DISTINCT FROM n.value_int
   OR o.value_dec IS DISTINCT FROM n.value_dec
   OR o.raw_text IS DISTINCT FROM n.raw_text
ORDER BY k.position
