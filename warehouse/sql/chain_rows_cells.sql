-- One hash per submission over its cells (30 million cells at 150,000 returns: a link per cell would cost the load
-- more than the cells themselves). A count is packed with its key's position in the format into one HUGEINT
-- (position << 66 | NULL flag << 65 | value + 2^63), and the sorted list of them hashed: no ordered aggregate of
-- text, which cost twice the time and memory (10,000 returns: 3.0 s, 840 MB -> 1.5 s, 350 MB). The positions are
-- chain_keys, registered from schemas.cells (not the warehouse's cell_keys, which the file could have rewritten).
-- Fees, raw text and keys that are not the format's are added as length-prefixed text in key order.
SELECT c.sha256 AS row_ref,
       sha256(list_sort(list((k.position::HUGEINT << 66)
                             + CASE WHEN c.value_int IS NULL THEN (1::HUGEINT << 65)
                                    ELSE c.value_int::HUGEINT + 9223372036854775808 END))::VARCHAR
              || coalesce(string_agg(length(c.cell_key) || ':' || c.cell_key || coalesce('d' || c.value_dec::VARCHAR, '')
                                     || coalesce('r' || length(c.raw_text) || ':' || c.raw_text, '') || ';', ''
                                     ORDER BY c.cell_key, c.value_dec, c.raw_text)
                          FILTER (WHERE k.position IS NULL OR c.value_dec IS NOT NULL OR c.raw_text IS NOT NULL), '')
       ) AS row_hash
FROM cells c
LEFT JOIN chain_keys k USING (cell_key)
WHERE $all OR c.sha256 IN (SELECT key FROM chain_scope)
GROUP BY c.sha256
ORDER BY row_ref
