-- Every link, table by table, in the order they were added (verification walks them).
SELECT link_id, table_name, row_ref, row_hash, prev_hash, link_hash FROM evidence_chain ORDER BY table_name, link_id
