"""Sections 一, 五 and 六 of the district report as plain text, from the Jinja2 narrative template.

The figures quoted in 一 are read from the consolidated cells, so the text agrees with the tables by
construction (and passes the narrative checks X1–X3 of schemas.narrative). A caller can override any section
with ``DistrictReport.narrative``; overrides are used verbatim.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from publish.model import KIND_ZH, DistrictReport
from schemas.cells import FEE_KEY, NARRATIVE_KEYS
from schemas.values import fee_text

TEMPLATES = Path(__file__).with_name("templates")
NARRATIVE_TEMPLATE = "narrative.zh.j2"
# Who compiles the consolidated report, by scope (a district's text is unchanged: 区政府办公室 / 全区).
OFFICE_BY_SCOPE: dict[str, str] = {
    "全区": "区政府办公室",
    "全市": "市政府办公室",
    "全省": "省政府办公厅",
    "全国": "国务院办公厅",
}


@lru_cache(maxsize=1)
def text_environment() -> jinja2.Environment:
    """Plain-text templates: no autoescape (the text is data; the HTML template escapes it), strict undefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def figures(report: DistrictReport) -> dict[str, Any]:
    """The numbers the narrative quotes, by name (the template reads nothing else)."""
    c = report.cells
    fee = c[FEE_KEY]
    return {
        "year": report.year,
        "district": report.short_name,
        "scope": report.scope,
        "office": OFFICE_BY_SCOPE.get(report.scope, "区政府办公室"),  # who compiles the report
        "roster_units": len(report.units),
        "unit_kinds": "、".join(dict.fromkeys(KIND_ZH.get(u.kind, u.kind) for u in report.units)) or "无",
        "included_units": len(report.included_units),
        "excluded_units": len(report.units) - len(report.included_units),
        "docs_issued": c["s2.normative_docs.issued"],
        "docs_repealed": c["s2.normative_docs.repealed"],
        "docs_in_force": c["s2.normative_docs.in_force"],
        "license": c["s2.admin_license.decisions"],
        "penalty": c["s2.admin_penalty.decisions"],
        "coercion": c["s2.admin_coercion.decisions"],
        "fee": fee_text(Decimal(fee)),
        "new_received": c["s3.new_received.total"],
        "carried_in": c["s3.carried_in.total"],
        "processed": c["s3.total_processed.total"],
        "granted": c["s3.granted.total"],
        "partially_granted": c["s3.partially_granted.total"],
        "carried_out": c["s3.carried_out.total"],
        "reviews": c["s4.review.total"],
        "lawsuits": c["s4.litigation_direct.total"] + c["s4.litigation_after_review.total"],
    }


def narrative_texts(report: DistrictReport) -> dict[str, str]:
    """``{"overview": 一, "problems": 五, "other": 六}``: the caller's overrides where given, else the template.

    Paragraphs are separated by a newline. Call :func:`publish.model.check_report` first (the template needs
    every cell it quotes).
    """
    module = text_environment().get_template(NARRATIVE_TEMPLATE).module
    overrides = report.narrative or {}
    values = figures(report)
    out: dict[str, str] = {}
    for key in NARRATIVE_KEYS:
        given = overrides.get(key)
        out[key] = given.strip() if given and given.strip() else str(getattr(module, key)(values)).strip()
    return out


def paragraphs(text: str) -> list[str]:
    """Non-empty lines of a section's text (each becomes one <p>)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
