-- As cells_of.sql, the first column the unit each wanted submission belongs to (wanted: sha256, unit_id).
SELECT w.unit_id, c.cell_key, c.value_int, c.value_dec
FROM cells c
JOIN wanted w USING (sha256)
JOIN (SELECT cell_key, position FROM cell_keys WHERE list_contains($keys, cell_key)) k USING (cell_key)
ORDER BY c.sha256, k.position
