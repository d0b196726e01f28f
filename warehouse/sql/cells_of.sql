-- Long-form cells of the wanted submissions, only the cells named in $keys, in the official order.
-- The wanted keys filter the 200-row cell_keys table, whose join then filters the cells (benchmarks/README.md).
SELECT c.sha256, c.cell_key, c.value_int, c.value_dec
FROM cells c
JOIN wanted w USING (sha256)
JOIN (SELECT cell_key, position FROM cell_keys WHERE list_contains($keys, cell_key)) k USING (cell_key)
ORDER BY c.sha256, k.position
