-- Rows of one table; {table} is a name from table_names.sql, never user input.
SELECT count(*) FROM "{table}"
