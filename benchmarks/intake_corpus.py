"""How well nianbao reads the reports units really file: exact / refused / wrong per kind, and the parse time per
report, over the dev set of real reports and a synthetic corpus made from our own figures.

    .venv/bin/python -m benchmarks.intake_corpus            # text, HTML, DOCX, PDF (PDF printed by Chromium)
    .venv/bin/python -m benchmarks.intake_corpus --no-pdf   # without Chromium

*exact*: every one of the 200 cells (and the single (六) row, where printed) equals what the report was made from,
and the unit and year too; *refused*: the reader said where it could not place a cell (ParseError, or an unreadable
file); *wrong*: anything else — must be 0. The time is one ``intake.report_readers.read_report(bytes)`` per
report (sniffing, decoding, reading, the section logic), median over the reports of a kind, in this process (the
one-time imports and the first PDF's font set-up excluded). The synthetic corpus:

- text: the fixture corpus (tests/published/fixtures, with its expected outcomes) and ten copy defects
  (tests/published/test_text_variants.py) over six sets of figures;
- HTML: the corpus's HTML fixtures, and each set of figures as a saved portal page (GBK, page furniture, a
  hidden table: tests/published/test_portal_pages.py);
- DOCX: each set of figures written with python-docx in three layouts (plain, matrix nested in a layout table,
  wrapped labels with Word numbering: tests/published/docx_fixture_builder.py);
- PDF: each set of figures' report.html printed by Chromium, plain A4 and with page numbers and narrow pages
  (labels wrapped, the matrix over a page break).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "published"
for folder in (ROOT, TESTS, ROOT / "tests" / "intake_flow"):
    sys.path.insert(0, str(folder))

from intake.errors import IntakeError
from intake.published import ParseError
from intake.report_readers import read_report
from schemas import cells as C
from schemas.returns import CanonicalReturn

Expected = dict[str, Any]  # {"cells": {key: value}, "unit": str, "year": int, "single": list | None} or None: refuse


Case = tuple[str, str, bytes, "Expected | None"]  # (name, kind, bytes, what it must read as; None: refused)


def _outcome(ret: CanonicalReturn | None, expected: Expected | None) -> str:
    if ret is None:
        return "refused" if expected is None or expected.get("refusable") else "wrong"
    if expected is None:
        return "wrong"
    for key, value in expected["cells"].items():
        got = ret.cells.get(key)
        if key == C.FEE_KEY and value is not None:
            value = Decimal(str(value))
        if got != value:
            return "wrong"
    single = list(ret.other_single_row) if ret.other_single_row is not None else None
    if single != expected.get("single") or (ret.unit_name, ret.year) != (expected["unit"], expected["year"]):
        return "wrong"
    return "exact"


def real_reports() -> list[Case]:
    real = TESTS / "real"
    transcribed = json.loads((real / "expected_section3.json").read_text("utf-8"))["reports"]
    units = {
        "2021_pingtan_zonghe-shiyanqu": ("平潭综合实验区", 2021),
        "2023_huaian-hongzequ_quzhengfu": ("洪泽区人民政府", 2023),
        "2023_shuyang_fagaiju": ("沭阳县发展和改革局", 2023),
        "2024_shanghai_shikewei": ("上海市科委", 2024),
    }
    out: list[Case] = []
    for stem, cells in transcribed.items():
        single = (
            [cells.pop(f"s3.other_single_row.{c}") for c in C.S3_COL_KEYS]
            if any("other_single_row" in k for k in cells)
            else None
        )
        if single is not None:
            cells.update(
                {
                    C.s3(r, c): None
                    for r in ("other_no_correction", "other_fee_unpaid", "other_other")
                    for c in C.S3_COL_KEYS
                }
            )
        unit, year = units[stem]
        # only section 三 is transcribed: a report read with another section wrong cannot be told here
        expected = {"cells": cells, "unit": unit, "year": year, "single": single, "refusable": True}
        for path in sorted(real.glob(stem + ".*")):
            kind = "pdf" if path.suffix == ".pdf" else "text"
            out.append((f"real/{path.name}", kind, path.read_bytes(), expected))
    return out


def fixture_corpus() -> list[Case]:
    manifest = json.loads((TESTS / "fixtures" / "manifest.json").read_text("utf-8"))
    out = []
    for name, exp in sorted(manifest.items()):
        data = (TESTS / "fixtures" / name).read_bytes()
        kind = "html" if name.endswith(".html") else "text"
        expected = None
        if exp["expect"] == "exact":
            expected = {
                "cells": exp["cells"],
                "unit": exp["unit_name"],
                "year": exp["year"],
                "single": exp.get("other_single_row"),
            }
        out.append((f"fixtures/{name}", kind, data, expected))
    return out


def figure_sets() -> dict[str, dict]:
    from test_text_variants import FIGURES

    return FIGURES


def text_variants() -> list[Case]:
    from test_text_variants import VARIANTS, report

    out: list[Case] = []
    for figures in figure_sets():
        rep, text = report(figures)
        expected = {"cells": rep.values, "unit": rep.unit, "year": rep.year, "single": None, "refusable": True}
        out.append((f"text/{figures}/space", "text", text.encode("utf-8"), expected))
        for variant, make in VARIANTS.items():
            out.append((f"text/{figures}/{variant}", "text", make(text).encode("utf-8"), expected))
    return out


def portal_pages() -> list[Case]:
    from published_fixture_builder import Report, render
    from test_portal_pages import portal_page

    out: list[Case] = []
    for figures, cells in figure_sets().items():
        rep = Report("示范区民政局", 2022, dict(cells), metadata=False)
        expected = {"cells": rep.values, "unit": rep.unit, "year": rep.year, "single": None}
        out.append((f"html/{figures}/portal-gbk", "html", portal_page(render(rep, "html")), expected))
    return out


def _unit_reports():
    from docx_fixture_builder import unit_report

    from intake.published import parse_published
    from publish.render import render_html

    for figures, cells in figure_sets().items():
        rep = unit_report("示范区民政局", cells)
        title = parse_published(render_html(rep), "report.html")  # the unit and year as our report.html titles them
        yield figures, rep, {"cells": dict(cells), "unit": title.unit_name, "year": title.year, "single": None}


def docx_reports() -> list[Case]:
    from docx_fixture_builder import build_docx

    out = []
    for figures, rep, expected in _unit_reports():
        for layout, wrapped, numbered in (("plain", False, False), ("nested", False, False), ("plain", True, True)):
            data = build_docx(layout, wrapped=wrapped, numbered=numbered, report=rep)
            out.append((f"docx/{figures}/{layout}{'-wrapped-numbered' if wrapped else ''}", "docx", data, expected))
    return out


def pdf_reports() -> list[Case]:
    import tempfile

    from playwright.sync_api import sync_playwright

    from publish.render import render_html

    footer = '<div style="font-size:10px;width:100%;text-align:center">- <span class="pageNumber"></span> -</div>'
    out = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            for figures, rep, expected in _unit_reports():
                html = Path(tmp) / f"{figures}.html"
                html.write_text(render_html(rep), encoding="utf-8")
                page.goto(html.as_uri())
                out.append((f"pdf/{figures}/a4", "pdf", page.pdf(format="A4"), expected))
                page.add_style_tag(content="main { font-size: 20px; } table.form { font-size: 18px; }")
                narrow = page.pdf(
                    width="150mm",
                    height="210mm",
                    display_header_footer=True,
                    header_template="<div></div>",
                    footer_template=footer,
                    margin={"top": "50px", "bottom": "50px"},
                )
                out.append((f"pdf/{figures}/narrow-footer", "pdf", narrow, expected))
        finally:
            browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-pdf", action="store_true", help="leave out the PDF prints (no Chromium)")
    args = parser.parse_args()
    corpora = {
        "dev set (real reports)": real_reports(),
        "synthetic": fixture_corpus()
        + text_variants()
        + portal_pages()
        + docx_reports()
        + ([] if args.no_pdf else pdf_reports()),
    }
    if not args.no_pdf:  # a first PDF pays for font set-up in pdfminer: not a per-report cost
        read_report(corpora["synthetic"][-1][2], "warm-up.pdf")
    wrong: list[str] = []
    for title, items in corpora.items():
        print(f"\n{title}: {len(items)} reports")
        print(f"{'kind':6} {'exact':>6} {'refused':>8} {'wrong':>6} {'median ms':>10} {'max ms':>8}")
        by_kind: dict[str, dict[str, Any]] = {}
        for name, kind, data, expected in items:
            start = time.perf_counter()
            try:
                ret: CanonicalReturn | None = read_report(data, name)
            except (ParseError, IntakeError):
                ret = None
            ms = (time.perf_counter() - start) * 1000
            row = by_kind.setdefault(kind, {"exact": 0, "refused": 0, "wrong": 0, "ms": []})
            result = _outcome(ret, expected)
            row[result] += 1
            row["ms"].append(ms)
            if result == "wrong":
                wrong.append(name)
        for kind in ("text", "html", "docx", "pdf"):
            if kind in by_kind:
                r = by_kind[kind]
                print(
                    f"{kind:6} {r['exact']:>6} {r['refused']:>8} {r['wrong']:>6} "
                    f"{statistics.median(r['ms']):>10.1f} {max(r['ms']):>8.1f}"
                )
    print("\nwrong:", ", ".join(wrong) if wrong else "none")


if __name__ == "__main__":
    main()
