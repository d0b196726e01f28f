-- Every submission that has cells (forged ones included): what verification hashes, a chunk at a time.
SELECT DISTINCT sha256 FROM cells ORDER BY sha256
