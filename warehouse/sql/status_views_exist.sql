-- Whether the status macros and their views (create_status_views.sql) are all there: a file written before them, or
-- with its keeps' views missing, opened read-only, gets them as TEMP objects of the connection.
SELECT (SELECT count(*) FROM duckdb_functions() WHERE function_name = 'returns_in_force_of'
                                                  AND function_type = 'table_macro') > 0
   AND (SELECT count(*) FROM duckdb_views() WHERE view_name = 'returns_in_force') > 0
