-- The run's new submissions (new_submissions, in the submissions table's column order).
INSERT INTO submissions SELECT * FROM new_submissions
