-- Status now, waived, status at receipt of the submissions in $1 (a list of sha256).
SELECT sha256, status, waived, status_at_receipt FROM submission_status WHERE list_contains(?, sha256)
