-- 1 or more when some recorded roster lists the unit.
SELECT count(*) FROM roster_units WHERE unit_id = ?
