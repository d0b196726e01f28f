"""publish: render the consolidated district report (HTML, XLSX, JSON) and publish it atomically.

- :mod:`publish.model` — :class:`DistrictReport` and :class:`UnitFigures`, what the renderers read;
- :mod:`publish.layout` — the official tables of sections 二/三/四 and the annex as grids of merged cells;
- :mod:`publish.narrative` — sections 一/五/六 from ``templates/narrative.zh.j2``;
- :mod:`publish.render` — ``render_html``, ``render_xlsx`` (:mod:`publish.xlsx`), ``report_json``;
- :mod:`publish.atomic` — ``publish()`` / ``publish_many()``: all four files of every node of a run appear in
  ``OUT/<node>/<year>/`` together, all nodes in one switch, or not at all;
- :mod:`publish.generations` — the store under ``OUT/.published`` and its one ``current`` pointer;
- :mod:`publish.confine` — every output path must resolve inside OUT.

Depends on :mod:`schemas` only (never on Prefect, the warehouse or the flows).
"""
