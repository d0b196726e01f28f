SELECT count(*) FROM duckdb_tables() WHERE table_name = $1
