-- District-era rows with no twin in the node tables (after the copy): while there are any, the old tables stay.
SELECT (SELECT count(*) FROM consolidated_cells c JOIN runs r USING (run_key)
        WHERE NOT EXISTS (SELECT 1 FROM node_cells n WHERE n.run_key = c.run_key AND n.node_id = r.district_id))
     + (SELECT count(*) FROM consolidated_cells c WHERE c.run_key NOT IN (SELECT run_key FROM runs))
     + (SELECT count(*) FROM publications p
        WHERE NOT EXISTS (SELECT 1 FROM node_publications n WHERE n.run_key = p.run_key AND n.node_id = p.district_id))
