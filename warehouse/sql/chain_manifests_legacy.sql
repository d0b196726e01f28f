-- The district-era publications of a warehouse not yet migrated (opened read-only: warehouse/migrate.py).
SELECT 'publications' AS table_name, run_key AS row_ref, run_key, folder FROM publications ORDER BY 1, 2
