-- The years a unit has returns for.
SELECT DISTINCT year FROM submissions WHERE unit_id = ? AND year IS NOT NULL ORDER BY 1
