-- Every table of the warehouse, by name (the rows per table: Warehouse.counts).
SELECT table_name FROM duckdb_tables() ORDER BY 1
