-- All cells of the new submissions in one statement: clean counts, odd count text, fees (warehouse.load.cells_table).
INSERT INTO cells
SELECT sha256, cell_key, value_int, NULL, NULL FROM new_counts
UNION ALL
SELECT sha256, cell_key, NULL, NULL, raw_text FROM new_odd
UNION ALL
SELECT sha256, cell_key, NULL, CAST(value_dec AS DECIMAL(18, 6)), raw_text FROM new_fees
