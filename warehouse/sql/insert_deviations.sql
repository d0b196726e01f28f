-- A load's deviations (registered table `new_deviations`, same columns as cell_deviations).
INSERT INTO cell_deviations SELECT sha256, deviation, col_key, position, value_int, raw_text FROM new_deviations
