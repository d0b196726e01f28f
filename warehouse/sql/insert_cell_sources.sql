INSERT INTO cell_sources SELECT sha256, cell_key, source, decoded_by FROM new_sources
