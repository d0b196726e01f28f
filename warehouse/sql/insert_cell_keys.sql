-- The 200 cell keys in the official order (new_keys: cell_key, position, is_fee); an existing file keeps its own.
INSERT OR IGNORE INTO cell_keys SELECT * FROM new_keys
