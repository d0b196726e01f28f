-- Every recorded publication (a run's own node, and every node of a tree run): where its manifest is.
SELECT 'publications' AS table_name, run_key AS row_ref, run_key, folder FROM publications
UNION ALL
SELECT 'node_publications', run_key || '/' || node_id, run_key, folder FROM node_publications
ORDER BY 1, 2
