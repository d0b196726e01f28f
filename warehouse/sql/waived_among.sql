-- Those of the wanted submissions accepted only through a waiver.
SELECT s.sha256 FROM submission_status s JOIN wanted USING (sha256) WHERE s.waived
