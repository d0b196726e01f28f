"""The audit report of one run (``audit.html``): what was checked, what failed, where in the official tables,
why it matters, and who decided what.

Self-contained: one HTML file with inline CSS, no scripts, fonts or external resources (it opens from a USB
stick on a machine without network). Autoescaped; control characters are shown as visible ``\\x..`` escapes,
so unit names, file names and reasons are always text, never markup.

Layout: a summary by rule and by unit, the checkpoint's expectations, then each unit's three tables in the
official layout (``publish.layout`` grids, the same ones the published report uses) with every failing cell
highlighted and explained (rule, formula, expected, actual, difference) and the unit's status.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from audit.lineage import UnitAudit, _ts, audit_units, roster_of
from publish.layout import s2_grid, s3_grid, s4_grid
from schemas.rules import RULE_BY_ID, RULES
from schemas.text import visible_text
from schemas.verdicts import count_line, verdict_counts
from warehouse import audit_queries
from warehouse.store import Warehouse
from warehouse.versions import Finding, finding_of

TEMPLATE = "audit.html.j2"
AUDIT_FILE = "audit.html"


@dataclass
class RuleSummary:
    rule: str
    severity: str
    title: str
    formula: str
    findings: int = 0
    units: set[str] = field(default_factory=set)
    covered: int = 0  # waived or acknowledged


@dataclass
class RunAudit:
    run_key: str
    district_id: str
    district_name: str
    year: int
    roster_sha256: str
    started_at: str
    outcome: str  # published | blocked | checked
    units: list[UnitAudit]
    checkpoint: list[dict[str, Any]]  # name, rule, success, unexpected rows
    unattributed: list[Finding]  # this run's findings on files that named no roster unit
    publication_folder: str | None = None
    data_docs: str | None = None  # link to the run's Data Docs page, relative to audit.html

    def by_rule(self) -> list[RuleSummary]:
        order = {r.id: i for i, r in enumerate(RULES)}
        table: dict[str, RuleSummary] = {}
        for unit in self.units:
            for f in unit.findings:
                if f.info:  # N1 notes are listed per unit, never counted as failures
                    continue
                entry = table.get(f.rule)
                if entry is None:
                    found = RULE_BY_ID.get(f.rule)
                    entry = table[f.rule] = RuleSummary(
                        f.rule, f.severity, found.title if found else "", found.formula if found else ""
                    )
                entry.findings += 1
                entry.units.add(unit.unit_id)
                entry.covered += f.covered_by is not None
        for row in self.checkpoint:
            if not row["success"]:
                entry = table.setdefault(
                    row["rule"],
                    RuleSummary(row["rule"], "HARD", RULE_BY_ID[row["rule"]].title, RULE_BY_ID[row["rule"]].formula),
                )
                entry.findings += len(row["unexpected"])
                entry.units.update(str(u.get("unit_id") or "") for u in row["unexpected"])
        return sorted(table.values(), key=lambda e: order.get(e.rule, 999))

    def status_counts(self) -> dict[str, int]:
        """accepted / waived / kept / rejected / missing, from the verdicts the run counts too (unit_verdicts.sql)."""
        return verdict_counts(unit.status for unit in self.units)

    def count_line(self) -> str:
        """The line the CLI summary and the run's artifacts print too (schemas.verdicts.count_line)."""
        return count_line(self.status_counts())


def run_audit(
    warehouse: Warehouse, run_key: str, data_docs: str | None = None, publication_folder: str | None = None
) -> RunAudit:
    """Collect the audit of run ``run_key`` from the warehouse (statuses as they stand now, waivers included).
    ``publication_folder``: the folder the run has just written and will record once this page is written too
    (pipeline.publish.publish_all: a publication is recorded only after every output of the run is on disk)."""
    row = audit_queries.run_row(warehouse, run_key)
    if row is None:
        raise KeyError(f"run {run_key} is not in the warehouse {warehouse.path}")
    district_id, year, roster_sha, started = row
    roster = roster_of(warehouse, roster_sha)
    units = roster.below(district_id)
    district = roster.unit(district_id)
    checks = [
        {"name": name, "rule": rule_id, "success": bool(ok), "unexpected": json.loads(unexpected)}
        for name, rule_id, ok, unexpected in audit_queries.checkpoint_results(warehouse, run_key)
    ]
    folder = publication_folder or audit_queries.publication_folder(warehouse, run_key, district_id)
    outcome = "published" if folder else ("blocked" if any(not c["success"] for c in checks) else "checked")
    ids = {u.unit_id for u in units}
    unattributed = [
        f for f in map(finding_of, warehouse.failures_of_run(run_key).itertuples(index=False)) if f.unit_id not in ids
    ]
    return RunAudit(
        run_key=run_key,
        district_id=district_id,
        district_name=district.unit_name if district else district_id,
        year=int(year),
        roster_sha256=roster_sha,
        started_at=_ts(started),
        outcome=outcome,
        units=audit_units(warehouse, units, int(year), with_cells=True),
        checkpoint=checks,
        unattributed=unattributed,
        publication_folder=folder,
        data_docs=data_docs,
    )


# --- rendering ----------------------------------------------------------------------------------------------


def visible(value: Any) -> Markup:
    """Escape for HTML and make control characters visible (``\\x07``), so that nothing in the data can act as
    markup, hide text or reorder it (bidi overrides)."""
    return escape(visible_text("" if value is None else str(value)))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("audit").joinpath("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["v"] = visible
    return env


def _unit_view(unit: UnitAudit) -> dict[str, Any]:
    """The unit's tables and the numbered explanations of its findings (number = anchor in the tables)."""
    marks: dict[str, list[tuple[int, Finding]]] = {}
    notes = []
    for n, f in enumerate(unit.findings, start=1):
        notes.append((n, f))
        if f.cell:
            marks.setdefault(f.cell, []).append((n, f))
    return {
        "unit": unit,
        "grids": [
            ("二、主动公开政府信息情况", s2_grid(unit.cells)),
            ("三、收到和处理政府信息公开申请情况", s3_grid(unit.cells)),
            ("四、政府信息公开行政复议、行政诉讼情况", s4_grid(unit.cells)),
        ]
        if unit.versions
        else [],
        "marks": marks,
        "notes": notes,
    }


def render_audit(audit: RunAudit) -> str:
    """The complete audit page as a string."""
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            a=audit,
            by_rule=audit.by_rule(),
            counts=audit.status_counts(),
            units=[_unit_view(u) for u in audit.units],
            cell_class=cell_class,
        )
    )


def cell_class(marks: list[tuple[int, Finding]]) -> str:
    """The highlight of a table cell: a blocking failure outranks a covered one, which outranks a SOFT note."""
    if any(f.severity != "SOFT" and f.covered_by is None for _, f in marks):
        return "fail"
    if any(f.covered_by is not None and f.severity != "SOFT" for _, f in marks):
        return "waived"
    return "soft"


def write_audit(audit: RunAudit, folder: Path) -> Path:
    """Write ``folder/audit.html`` atomically (a reader never sees half a page)."""
    target = folder / AUDIT_FILE
    page = render_audit(audit).encode("utf-8")
    tmp = ""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".audit-", suffix=".html")
        with os.fdopen(fd, "wb") as fh:
            fh.write(page)
        os.replace(tmp, target)
    except OSError as exc:  # a full disk says "[Errno 28]" and no file: name the page that could not be written
        raise OSError(exc.errno, f"{exc.strerror or exc} — the audit report cannot be written", str(target)) from exc
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    return target
