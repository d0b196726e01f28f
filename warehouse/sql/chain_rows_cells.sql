-- One hash per submission over its cells in key order (30 million cells at 150,000 returns: a link per cell would
-- cost the load more than the cells themselves). Each cell is written out so that no two cell lists give the
-- same text: the key length-prefixed, the count, 'd' and the fee, 'r', the length and the raw text — inlined
-- rather than chain_field() for each column, which costs ~30 % more over 30 million rows.
SELECT sha256 AS row_ref,
       sha256(string_agg(length(cell_key) || ':' || cell_key || '=' || coalesce(value_int::VARCHAR, '')
                         || coalesce('d' || value_dec::VARCHAR, '')
                         || coalesce('r' || length(raw_text) || ':' || raw_text, ''), ';' ORDER BY cell_key)) AS row_hash
FROM cells
WHERE $all OR sha256 IN (SELECT key FROM chain_scope)
GROUP BY sha256
ORDER BY row_ref
