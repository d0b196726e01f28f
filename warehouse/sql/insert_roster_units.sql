-- The roster's units, in file order (new_units).
INSERT INTO roster_units SELECT * FROM new_units
