-- What a manifest names of each wanted submission.
SELECT s.sha256, s.version, s.original_name, s.reader FROM submissions s JOIN wanted USING (sha256)
