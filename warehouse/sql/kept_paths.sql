-- Where every submission's original bytes are kept (warehouse/archive.py: a file, or <pack>.zip#<sha256>).
SELECT sha256, stored_path FROM submissions ORDER BY sha256
