"""How long Chromium takes to render the audit report's top page, and how big it is.

    .venv/bin/python -m benchmarks.audit_render --page OUT/runs/<key>/audit.html
    .venv/bin/python -m benchmarks.audit_render --synthetic 150000 [--rejected 0.02]

``--page`` opens a written page; ``--synthetic N`` renders the top page of a made-up run over the benchmark tree of
N units (sampledata.roster.hierarchy: ~2,700 nodes at 150,000), a share of them rejected and blocking every node
above them (G5 rows for each), without any warehouse: the page's size and render time at a scale the data on disk
may not have. Chromium is Debian's /usr/bin/chromium through Playwright, headless; the time is the median of
``--repeat`` loads from file:// to the load event, then a search typed into the page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def synthetic_page(n_units: int, rejected: float, folder: Path) -> Path:
    from audit.lineage import UnitAudit
    from audit.report import AUDIT_FILE, RunAudit, render_audit
    from sampledata.roster import hierarchy
    from schemas.roster import AGGREGATE_KINDS

    roster = hierarchy(n_units)
    root = roster[0].unit_id
    parent = {u.unit_id: u.parent_id for u in roster}
    names = {u.unit_id: u.unit_name for u in roster}
    rng = random.Random(1)
    units, rows = [], []
    for u in roster:
        if u.kind in AGGREGATE_KINDS:
            continue
        status = "rejected" if rng.random() < rejected else "accepted"
        units.append(UnitAudit(u.unit_id, u.unit_name, u.kind, status, None, [], [], current_rules="X1"))
        node = u.parent_id
        while status == "rejected" and node:  # G5 names every node the unit blocks
            rows.append(
                {
                    "unit_id": u.unit_id,
                    "unit_name": u.unit_name,
                    "rules": "X1",
                    "node_id": node,
                    "node_name": names[node],
                    "latest_version": 2,
                    "version_counted": 1,
                }
            )
            node = parent.get(node, "")
    audit = RunAudit(
        run_key="0" * 16,
        district_id=root,
        district_name=names[root],
        year=2024,
        roster_sha256="0" * 64,
        started_at="2025-01-01T00:00:00+00:00",
        outcome="blocked",
        units=units,
        checkpoint=[{"name": "G5 latest return rejected", "rule": "G5", "success": not rows, "unexpected": rows}],
        unattributed=[],
        roster_units=tuple(roster),
    )
    t0 = time.perf_counter()
    page = render_audit(audit).encode("utf-8")
    print(
        f"synthetic {n_units} units, {len(audit.nodes)} nodes, {sum(u.status == 'rejected' for u in units)} "
        f"rejected, {len(rows)} G5 rows: rendered in {time.perf_counter() - t0:.2f} s"
    )
    target = folder / AUDIT_FILE
    target.write_bytes(page)
    return target


def render_times(page: Path, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    print(f"{page}: {page.stat().st_size / 1e6:.3f} MB")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        loads, searches = [], []
        for _ in range(repeat):
            tab = browser.new_page(viewport={"width": 1300, "height": 1000})
            t0 = time.perf_counter()
            tab.goto(page.resolve().as_uri(), wait_until="load")
            tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # painted
            loads.append(time.perf_counter() - t0)
            if tab.locator("#search").count():  # the top page (node pages have no script)
                t0 = time.perf_counter()
                tab.fill("#search", "区")
                tab.evaluate("() => document.getElementById('nodes-shown').textContent")
                searches.append(time.perf_counter() - t0)
            tab.close()
        browser.close()
    print(f"Chromium load + first paint: median {statistics.median(loads):.2f} s of {[round(x, 2) for x in loads]}")
    if searches:
        print(f"a search typed: median {statistics.median(searches):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", type=Path)
    parser.add_argument("--synthetic", type=int)
    parser.add_argument("--rejected", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    page = args.page or synthetic_page(args.synthetic, args.rejected, Path(tempfile.mkdtemp(prefix="audit-top-")))
    render_times(page, args.repeat)


if __name__ == "__main__":
    main()
