-- The district-era tables, once every row of theirs is in the node tables (warehouse/migrate.py).
DROP TABLE consolidated_cells;
DROP TABLE publications;
