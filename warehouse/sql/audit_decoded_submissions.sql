-- Which submissions of the registered table `wanted` (sha256) had glued digits cut apart by an identity
-- (cell_sources.decoded_by): the audit report shows those units in full, with the note, whatever their verdict.
SELECT DISTINCT s.sha256
FROM cell_sources s JOIN wanted USING (sha256)
WHERE s.decoded_by IS NOT NULL
ORDER BY s.sha256
