"""intake: every way a return reaches the district office, read into a :class:`schemas.returns.CanonicalReturn`.

- :mod:`intake.template` — ``write_form(path, unit_id, unit_name, year, cells=None, narrative=None)``: the
  department's blank (or filled) XLSX form in the official layout.
- :mod:`intake.read` — ``read_submission(path) -> ReadOutcome`` and ``read_submissions(paths)``: pick the reader by
  extension, never raise for bad input (failures I1/S1 name the file).
- Readers: :mod:`intake.xlsx` (the form, python-calamine, zip-bomb safe), :mod:`intake.jsonfile` (canonical JSON),
  :mod:`intake.csvfile` (``cell,value`` CSV, UTF-8 or GBK), ``intake.published`` (published report text/HTML).
- :mod:`intake.layout` — where every cell and label sits on the form (shared by writer and reader).
- :mod:`intake.xlsx_save` — ``save_workbook(wb, path, instant)``: an XLSX with no clock in it (the form and the
  published report), so the same content gives the same bytes.
- :mod:`intake.errors` — the exceptions readers raise; :mod:`intake.roster` — the district roster.

Nothing is imported here, so ``import intake.roster`` does not load openpyxl or calamine.
"""
