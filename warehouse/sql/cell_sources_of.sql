-- The recorded places of one submission's cells (the audit shows them beside a failing cell).
SELECT cell_key, source, decoded_by FROM cell_sources WHERE sha256 = ? ORDER BY cell_key
