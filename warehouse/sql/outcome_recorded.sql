-- Whether a run's outcome (its checkpoint rows, its nodes' cells) is recorded already: a rerun adds nothing.
SELECT (SELECT count(*) FROM node_cells WHERE run_key = $1) + (SELECT count(*) FROM checkpoint_results WHERE run_key = $1)
