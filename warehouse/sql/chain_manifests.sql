-- Every recorded publication (each node of every run): where its manifest is.
SELECT 'node_publications' AS table_name, run_key || '/' || node_id AS row_ref, run_key, folder FROM node_publications
ORDER BY 1, 2
