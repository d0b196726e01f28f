"""audit.html and the offline Data Docs in headless Chromium (Debian's /usr/bin/chromium driven by Playwright;
never `playwright install`). Every request the page makes is recorded: none may leave the machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from audit.report import node_page
from checkpoint.datadocs import external_resources
from tests.audit.conftest import DISTRICT, run_pipeline
from tests.chromium import CHROMIUM, CHROMIUM_ARGS, chromium_available

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed (make browser-deps)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_offline(browser, path: Path):
    """Open a file page; return (page, list of non-file URLs it requested)."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else external.append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("networkidle")
    return page, external


def keep_screenshot(page, tmp: Path, name: str) -> Path:
    """Screenshots go beside the test's files, and to $NIANBAO_SCREENSHOTS when set (to look at them)."""
    shot = tmp / name
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("NIANBAO_SCREENSHOTS"):
        Path(os.environ["NIANBAO_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["NIANBAO_SCREENSHOTS"]) / name)
    return shot


def test_audit_html_highlights_the_failing_cells(browser, two_years) -> None:
    run = run_pipeline(two_years["tmp"], 2024, two_years["subs"], two_years["roster"])
    top, external = open_offline(browser, run.audit)
    assert external == []
    # self-contained: one inline script (the search and filter), nothing loaded from anywhere
    assert top.locator("script").evaluate_all("els => els.map(e => e.src)") == [""]
    assert top.locator("#rules-summary tr[data-rule='Y1'] td").nth(4).inner_text() == "2"
    assert top.locator("#outcome").inner_text() == "blocked"
    assert top.locator('#rejected-units tr[data-unit="U2"]').get_attribute("data-status") == "rejected"
    assert top.locator("details.unit").count() == 0  # the tables are on the district's page, opened by a link
    top.locator(f'#nodes a[href="nodes/{DISTRICT}.html"]').click()
    top.wait_for_load_state("networkidle")
    assert top.url == node_page(run.audit.parent, DISTRICT).resolve().as_uri()
    page = top
    assert page.locator("script").count() == 0 and external == []
    unit = page.locator('details.unit[data-unit="U2"]')
    assert unit.get_attribute("data-status") == "rejected" and unit.get_attribute("open") is not None
    failing = unit.locator("td.fail")
    assert sorted(failing.evaluate_all("els => els.map(e => e.dataset.cell)")) == [
        "s3.carried_in.natural_person",
        "s3.carried_in.total",
    ]
    cell = unit.locator('td[data-cell="s3.carried_in.natural_person"]')
    assert cell.get_attribute("data-rules") == "Y1"
    colour = cell.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(255, 179, 179)"  # visibly highlighted
    # the footnote link leads to the explanation: rule, formula, expected, actual, difference
    cell.locator("sup a").first.click()
    row = unit.locator('tr[data-rule="Y1"][data-cell="s3.carried_in.natural_person"]')
    texts = row.locator("td").all_inner_texts()
    assert texts[1] == "Y1" and texts[2] == "HARD-W" and "carried_out" in texts[4]
    assert texts[7] == "+3"  # difference = actual − expected
    assert int(texts[6]) - int(texts[5]) == 3
    # the plainly accepted units are one row each, without their tables
    assert page.locator("details.unit").count() == 1
    assert page.locator("#units-summary tr[data-unit]").evaluate_all("els => els.map(e => e.dataset.status)") == [
        "accepted",
        "rejected",
        "accepted",
    ]
    unit.locator('td[data-cell="s3.carried_in.natural_person"]').scroll_into_view_if_needed()
    shot = keep_screenshot(page, two_years["tmp"], "audit-blocked-Y1.png")
    assert shot.stat().st_size > 10_000
    page.close()


def test_the_top_page_filters_and_searches_the_nodes(browser, tmp_path) -> None:
    """A country of two districts, one blocked: the filter shows the blocked one, the search finds a node by name."""
    from tests.audit.conftest import returns_for, write_returns

    lines = ["unit_id,unit_name,kind,parent_id", "C0,全国,country,", "P1,东省,province,C0", "D1,甲区,district,P1"]
    lines += [
        "D2,乙区,district,P1",
        "U1,甲区办公室,office,D1",
        "U2,乙区办公室,office,D2",
        "U3,乙区财政局,department,D2",
    ]
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = (("U1", "甲区办公室", "office"), ("U2", "乙区办公室", "office"))  # U3 sends nothing: D2 is blocked
    subs = write_returns(tmp_path / "subs", returns_for(2024, units))
    run = run_pipeline(tmp_path, 2024, subs, roster, district="C0")
    page, external = open_offline(browser, run.audit)
    assert external == []
    rows = page.locator("#nodes tbody tr")

    def visible_nodes() -> list[str]:
        return rows.evaluate_all("els => els.filter(e => !e.hidden).map(e => e.dataset.node)")

    assert visible_nodes() == ["C0", "P1", "D1", "D2"]
    assert page.locator("#blocked-nodes tbody tr").evaluate_all("els => els.map(e => e.dataset.node)") == [
        "C0",
        "P1",
        "D2",
    ]
    page.select_option("#node-filter", "kind-district")
    assert visible_nodes() == ["D1", "D2"]
    page.select_option("#node-filter", "problems")
    assert visible_nodes() == ["C0", "P1", "D2"]
    page.select_option("#node-filter", "all")
    page.fill("#search", "甲区")
    assert visible_nodes() == ["D1"] and page.locator("#nodes-shown").inner_text() == "1"
    assert page.locator("#rejected-units tbody tr").evaluate_all("els => els.filter(e => !e.hidden).length") == 0
    page.fill("#search", "u3")
    assert page.locator("#rejected-units tbody tr:not([hidden])").get_attribute("data-unit") == "U3"
    page.fill("#search", "")
    page.locator('#nodes a[href="nodes/P1.html"]').click()
    page.wait_for_load_state("networkidle")
    children = page.locator("#child-nodes tr[data-node]")
    assert children.evaluate_all("els => els.map(e => e.dataset.node + ':' + e.dataset.problems)") == ["D1:0", "D2:1"]
    page.close()


def test_data_docs_read_offline_with_pass_and_fail_icons(browser, two_years) -> None:
    run = run_pipeline(two_years["tmp"], 2024, two_years["subs"], two_years["roster"])
    docs = run.audit.parent / "data-docs"
    assert run.docs_page is not None and docs in run.docs_page.parents
    for html in docs.rglob("*.html"):
        assert external_resources(html) == [], html
    page, external = open_offline(browser, run.docs_page)
    assert external == []
    icons = page.locator(".fa-times.text-danger, .fa-check-circle.text-success")
    assert icons.count() >= 2
    glyph = icons.first.evaluate("e => getComputedStyle(e, '::before').content")
    assert glyph not in ("none", "normal", "")  # Font Awesome's glyph, from the local font
    assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    assert page.locator("link[rel=stylesheet]").evaluate_all(
        "els => els.every(e => e.sheet !== null)"
    )  # every stylesheet loaded
    keep_screenshot(page, two_years["tmp"], "data-docs-validation.png")
    page.close()
    index, external = open_offline(browser, docs / "index.html")
    assert external == []
    assert index.locator("table tbody tr").count() >= 1  # bootstrap-table filled the list of runs
    index.close()
    # the audit page links the Data Docs page relatively, so the run folder can be moved as a whole
    link = run.audit.read_text(encoding="utf-8").split('href="data-docs/', 1)[1].split('"', 1)[0]
    assert (docs / link).resolve() == run.docs_page.resolve()
