INSERT INTO evidence_chain SELECT link_id, table_name, row_ref, row_hash, prev_hash, link_hash, run_key FROM new_links
