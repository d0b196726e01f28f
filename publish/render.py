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
from markupsafe import Markup

from publish.layout import annex_grid, s2_grid, s3_grid, s4_grid, waivers_grid
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
            s2=s2_grid(report.cells),
            s3=s3_grid(report.cells),
            s4=s4_grid(report.cells),
            annex=annex_grid(report),
            waivers=waivers_grid(report) if report.waivers or report.keeps else None,
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
