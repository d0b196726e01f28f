-- Where each cell of the submissions in the registered table `wanted` (sha256) was read, and the identities that
-- decoded it (NULL when none): the audit shows them beside a failing cell.
SELECT s.sha256, s.cell_key, s.source, s.decoded_by
FROM cell_sources s JOIN wanted USING (sha256)
ORDER BY s.sha256, s.cell_key
