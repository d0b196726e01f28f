"""report.html laid out by a real browser: every figure sits under its column header and beside its row label.

The spans of section 三 and 四 are easy to get subtly wrong (a header one column off still "has colspan=5");
a layout engine settles it by geometry. Uses headless Chromium (Debian's package) through Playwright.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from publish_fixtures import make_report

from publish.render import render_html
from schemas.cells import S2_ITEMS, S3_COLS, S3_RESULTS_GROUP, S3_ROWS, S4_GROUPS, S4_RESULTS, s3, s4

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

BOXES_JS = """(name) => [...document.querySelectorAll(`table.${name} th, table.${name} td`)].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent, tag: e.tagName, key: e.dataset.cell || null, thead: !!e.closest('thead'),
            left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})"""


@pytest.fixture(scope="module")
def boxes(tmp_path_factory):  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make browser-deps installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path_factory.mktemp("browser") / "report.html"
    page_file.write_text(render_html(make_report()), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(Path(page_file).as_uri())
            yield {name: page.evaluate(BOXES_JS, name) for name in ("s2", "s3", "s4")}
        finally:
            browser.close()


def cx(b: dict) -> float:
    return (b["left"] + b["right"]) / 2


def cy(b: dict) -> float:
    return (b["top"] + b["bottom"]) / 2


def inside_x(b: dict, outer: dict) -> bool:
    return outer["left"] - 0.5 <= cx(b) <= outer["right"] + 0.5


def inside_y(b: dict, outer: dict) -> bool:
    return outer["top"] - 0.5 <= cy(b) <= outer["bottom"] + 0.5


def only(cells: list[dict], **where) -> dict:  # type: ignore[no-untyped-def]
    found = [c for c in cells if all(c[k] == v for k, v in where.items())]
    assert len(found) == 1, (where, len(found))
    return found[0]


def test_section_three_figures_sit_under_their_column_and_beside_their_row(boxes) -> None:
    cells = boxes["s3"]
    legal_group = only(cells, text="法人或其他组织")
    results_group = only(cells, text=S3_RESULTS_GROUP.zh)
    for row in S3_ROWS:
        row_label = only(cells, text=row.label.zh, thead=False)
        group_label = only(cells, text=row.group.zh) if row.group else None
        for col in S3_COLS:
            figure = only(cells, key=s3(row.key, col.key))
            header = only(cells, text=col.label.zh, thead=True)
            assert inside_x(figure, header), (row.key, col.key)
            assert inside_y(figure, row_label), (row.key, col.key)
            assert figure["left"] >= row_label["right"] - 0.5
            if group_label:
                assert inside_y(figure, group_label)
            if row.outcome or row.key == "total_processed":
                assert inside_y(figure, results_group)
            else:
                assert not inside_y(figure, results_group)
            assert inside_x(figure, legal_group) == col.legal_person


def test_section_four_figures_sit_under_their_group_and_result(boxes) -> None:
    cells = boxes["s4"]
    for group in S4_GROUPS:
        group_box = only(cells, text=group.label.zh)
        results = sorted(
            (c for c in cells if c["thead"] and inside_x(c, group_box) and c["text"] in {r.zh for _, r in S4_RESULTS}),
            key=lambda c: c["left"],
        )
        assert [c["text"] for c in results] == [r.zh for _, r in S4_RESULTS]
        for (result, _), header in zip(S4_RESULTS, results):
            figure = only(cells, key=s4(group.key, result))
            assert inside_x(figure, header) and inside_x(figure, group_box)
            assert figure["top"] >= header["bottom"] - 0.5
    litigation = only(cells, text="行政诉讼")
    review = only(cells, text="行政复议")
    assert all(inside_x(only(cells, key=s4(g.key, "total")), litigation) for g in S4_GROUPS[1:])
    assert inside_x(only(cells, key=s4("review", "total")), review)


def test_section_two_figures_sit_beside_their_item(boxes) -> None:
    cells = boxes["s2"]
    for item in S2_ITEMS:
        item_label = only(cells, text=item.label.zh)
        for field, _ in item.fields:
            figure = only(cells, key=f"s2.{item.key}.{field}")
            assert inside_y(figure, item_label) and figure["left"] >= item_label["right"] - 0.5
