-- Each unit's last version number per year (the next file of that unit and year is one more).
SELECT unit_id, year, max(version) FROM submissions WHERE unit_id IS NOT NULL GROUP BY ALL
