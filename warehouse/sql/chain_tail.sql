-- The last link of each table (its head), and the last link id over all tables.
SELECT table_name, max(link_id) AS link_id, arg_max(link_hash, link_id) AS link_hash FROM evidence_chain GROUP BY ALL
