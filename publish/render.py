"""Rendering a :class:`~publish.model.DistrictReport`: the HTML page, the XLSX workbook and the JSON return.

All three are pure functions of the report (no clock, no randomness), so publishing the same report twice gives
byte-identical files.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePath
from typing import Any

import jinja2
from markupsafe import Markup, escape

from publish.layout import Grid, annex_grid, s2_grid, s3_grid, s4_grid, waivers_grid
from publish.model import DistrictReport, check_report
from publish.narrative import TEMPLATES, narrative_texts, paragraphs
from publish.xlsx import render_xlsx
from schemas.cells import FEE_KEY, SECTION_HEADINGS
from schemas.returns import CanonicalReturn
from schemas.text import visible_text
from schemas.values import fee_text

__all__ = ["json_bytes", "render_html", "render_xlsx", "report_json"]

HTML_TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def html_environment() -> jinja2.Environment:
    """HTML templates, autoescape ON: unit names and narrative overrides are data, never markup."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # every printed string: control and bidi characters shown as escapes, then HTML-escaped by autoescape
        # (Markup is already-rendered HTML from this same environment: left alone)
        finalize=lambda v: visible_text(v) if isinstance(v, str) and not isinstance(v, Markup) else v,
    )


def _attribute(value: str) -> str:
    return str(escape(visible_text(value)))


def table_html(grid: Grid, caption_id: str) -> Markup:
    """One table as the page prints it: ``<thead>`` for the header rows, a ``<tbody>`` per band, each cell a
    ``<th>``/``<td>`` with its spans, class and cell key; every string shown as visible text and HTML-escaped,
    exactly as the template's autoescape and ``finalize`` print a value."""
    out = [f'<table class="form {_attribute(grid.name)}" aria-labelledby="{_attribute(caption_id)}">']
    is_open = False
    for i, row in enumerate(grid.rows):
        if grid.head_rows and i == 0:
            out.append("\n<thead>")
        elif grid.head_rows and i == grid.head_rows:
            out.append("\n</thead>\n<tbody>")
        elif i in grid.groups:
            if is_open:
                out.append("\n</tbody>")
            out.append("\n<tbody>")
            is_open = True
        out.append("\n<tr>")
        for cell in row:
            tag = "th" if cell.header else "td"
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if cell.css:
                attrs += f' class="{_attribute(cell.css)}"'
            if cell.key:
                attrs += f' data-cell="{_attribute(cell.key)}"'
            out.append(f"\n<{tag}{attrs}>{_attribute(cell.text)}</{tag}>")
        out.append("\n</tr>")
    out.append("\n</tbody>\n</table>")
    return Markup("".join(out))


def render_html(report: DistrictReport) -> str:
    """The complete, self-contained report page (lang zh-CN, sections 一 to 六, annex)."""
    check_report(report)
    texts = narrative_texts(report)
    included = len(report.included_units)
    return (
        html_environment()
        .get_template(HTML_TEMPLATE)
        .render(
            title=report.title,
            year=report.year,
            district=report.short_name,
            scope=report.scope,
            roster_units=len(report.units),
            included_units=included,
            excluded_units=len(report.units) - included,
            headings=[h.zh for h in SECTION_HEADINGS],
            narrative={key: paragraphs(text) for key, text in texts.items()},
            tables={
                "s2": table_html(s2_grid(report.cells), "h2"),
                "s3": table_html(s3_grid(report.cells), "h3"),
                "s4": table_html(s4_grid(report.cells), "h4"),
                "annex": table_html(annex_grid(report), "ha"),
                "waivers": table_html(waivers_grid(report), "hw") if report.waivers or report.keeps else None,
            },
            waivers=bool(report.waivers or report.keeps),
        )
    )


def report_json(report: DistrictReport) -> dict[str, Any]:
    """The district's canonical return (``nianbao.return/1``, fee as a decimal string) plus scope and units."""
    check_report(report)
    cells: dict[str, Any] = dict(report.cells)
    cells[FEE_KEY] = Decimal(cells[FEE_KEY])  # an int fee (e.g. 0) is still written as a decimal string
    ret = CanonicalReturn(
        unit_id=report.district_id,
        unit_name=report.district_name,
        year=report.year,
        cells=cells,
        narrative=narrative_texts(report),
    )
    out = ret.to_json()
    out["scope"] = report.scope
    out["units"] = [
        {
            "unit_id": u.unit_id,
            "unit_name": u.unit_name,
            "kind": u.kind,
            "status": u.status,
            "version": u.version,
            "sha256": u.sha256,
            **({"note": u.note} if u.note else {}),
        }
        for u in report.units
    ]
    return out


def json_bytes(obj: Any) -> bytes:
    """The one JSON encoding used for published files: UTF-8, unescaped Chinese, 2-space indent, final newline."""
    return (json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default) + "\n").encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return fee_text(value)
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} {value!r} to JSON; give the manifest plain values")
