"""audit.html and the offline Data Docs in headless Chromium (Debian's /usr/bin/chromium driven by Playwright;
never `playwright install`). Every request the page makes is recorded: none may leave the machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from checkpoint.datadocs import external_resources
from tests.audit.conftest import run_pipeline
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
    page, external = open_offline(browser, run.audit)
    assert external == []
    assert page.locator("script").count() == 0  # self-contained, no scripts
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
    assert page.locator("#rules-summary tr[data-rule='Y1'] td").nth(4).inner_text() == "2"
    assert page.locator("#outcome").inner_text() == "blocked"
    unit.locator('td[data-cell="s3.carried_in.natural_person"]').scroll_into_view_if_needed()
    shot = keep_screenshot(page, two_years["tmp"], "audit-blocked-Y1.png")
    assert shot.stat().st_size > 10_000
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
