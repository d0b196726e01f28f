-- One field of a row as text that cannot be confused with another (length-prefixed; '-' for NULL), so that the
-- concatenation of a row's fields is injective: what chain_rows_<table>.sql hash. A TEMP macro: created by each
-- connection that hashes, never stored in the warehouse file where it could be redefined.
CREATE OR REPLACE TEMP MACRO chain_field(x) AS coalesce(length(x::VARCHAR) || ':' || x::VARCHAR, '-');
