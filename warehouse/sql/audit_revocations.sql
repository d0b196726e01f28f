-- How many revocations point at a waiver ($1: waiver_id): a waiver is revoked at most once.
SELECT count(*) FROM waivers WHERE kind = 'revocation' AND refers_to = ?
