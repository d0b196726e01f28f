"""kill -9 at every point of a multi-node publication (issue 11, part 6): after each crash either every node shows
the previous publication or every node shows the new one, each whole (its four files match its manifest), and
the next publication recovers and publishes all of them.

Each trial forks a child process that runs publish_many with an ``on_step`` hook counting the changes on disk
and SIGKILLing its own process (os.kill(os.getpid(), SIGKILL)) just before the k-th one; k runs from 1 until a
child finishes without being killed, so every point is tried. Nothing in the publisher is patched: the hook is
the publisher's own parameter, and the child is a real process killed by the kernel.

Scenarios: the first publication ever (the previous state: no node); a republication (of 4 nodes, and of 11 as
in the issue's country run, marked slow: ~40 trials of 11 rendered reports); a run that adds nodes to a previous,
smaller one; and real ``<year>`` folders left by an older nianbao, migrated on the way.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from publish_fixtures import YEAR, make_report

from publish.atomic import publish_many, write_files
from publish.generations import GEN_PREFIX, Store
from schemas.cells import FEE_KEY

FILES = ["manifest.json", "report.html", "report.json", "report.xlsx"]
# a country, two provinces, three cities, five districts: 11 nodes, as in the report
ELEVEN = ["000000", "110000", "120000", "110100", "110200", "120100", "110101", "110102", "110201", "120101", "120102"]
TRIALS: Counter[tuple[str, str]] = Counter()  # (scenario, stage) -> kill -9 trials, printed at the end


def items(run: str, nodes: list[str]) -> list[tuple[object, dict]]:
    fee = Decimal("1.5") if run == "old" else Decimal("2.25")
    out = []
    for node in nodes:
        cells = make_report().cells
        cells[FEE_KEY] = fee
        out.append((make_report(district_id=node, cells=cells), {"run": run, "node": node}))
    return out


def shown(out: Path, nodes: list[str]) -> dict[str, str | None]:
    """What a reader of OUT/<node>/<year>/ sees for each node: the run of its manifest (None: nothing), after
    checking that the four files are there and are the ones its manifest names."""
    seen: dict[str, str | None] = {}
    for node in nodes:
        folder = out / node / str(YEAR)
        if not folder.exists():
            seen[node] = None
            continue
        assert sorted(p.name for p in folder.iterdir()) == FILES, node
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for name, sha in manifest["files"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, (node, name)
        seen[node] = manifest["run"]
    return seen


def child(out: Path, nodes: list[str], kill_at: int, stage_file: Path) -> None:
    count = 0

    def step(stage: str) -> None:
        nonlocal count
        count += 1
        if count == kill_at:
            stage_file.write_text(stage, encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)

    publish_many(items("new", nodes), out, on_step=step)
    stage_file.write_text(f"done {count}", encoding="utf-8")
    os._exit(0)


def assert_clean(out: Path, nodes: list[str]) -> None:
    """After a completed publication: one generation, every payload listed by it, no staging, no pointer left."""
    store = Store(out)
    gens = [p.name for p in store.root.iterdir() if p.name.startswith(GEN_PREFIX)]
    assert gens == [store.current()]
    assert sorted(p.name for p in store.root.iterdir()) == sorted(["current", "data", "lock", *gens])
    entries = store.entries()
    assert {n for n, _ in entries} >= set(nodes)
    payloads = {(p.parent.parent.name, int(p.parent.name), p.name) for p in store.data.glob("*/*/*")}
    assert payloads == {(n, y, pid) for (n, y), pid in entries.items()}
    for node in nodes:
        assert sorted(p.name for p in (out / node).iterdir()) == [str(YEAR)]


def prepare(base: Path, scenario: str) -> tuple[list[str], dict[str, str | None]]:
    """The previous state in ``base``; returns the nodes the new run publishes and what each showed before."""
    if scenario == "first":
        nodes = ELEVEN[:4]
        return nodes, dict.fromkeys(nodes)
    if scenario in ("republish", "republish-11"):
        nodes = ELEVEN if scenario == "republish-11" else ELEVEN[:4]
        publish_many(items("old", nodes), base)
        return nodes, dict.fromkeys(nodes, "old")
    if scenario == "grow":  # a city run published 2 nodes; the province run now publishes 4
        publish_many(items("old", ELEVEN[3:5]), base)
        nodes = ELEVEN[1:5]
        return nodes, {n: ("old" if n in ELEVEN[3:5] else None) for n in nodes}
    if scenario == "legacy":  # real folders from an older nianbao
        nodes = ELEVEN[6:10]
        for report, manifest in items("old", nodes):
            folder = base / report.district_id / str(YEAR)
            folder.mkdir(parents=True)
            write_files(report, manifest, folder)
        return nodes, dict.fromkeys(nodes, "old")
    raise AssertionError(scenario)


@pytest.mark.parametrize(
    "scenario", ["first", "republish", "grow", "legacy", pytest.param("republish-11", marks=pytest.mark.slow)]
)
def test_a_kill_at_every_point_leaves_all_old_or_all_new_and_the_next_run_publishes_all(
    tmp_path: Path, scenario: str
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    nodes, before = prepare(base, scenario)
    after = dict.fromkeys(nodes, "new")
    assert shown(base, nodes) == before
    fork = multiprocessing.get_context("fork")
    outcomes: Counter[str] = Counter()
    k = 0
    while True:
        k += 1
        out = tmp_path / f"trial-{k}"
        shutil.copytree(base, out, symlinks=True)  # the previous state, links and all (hard links copied)
        stage_file = tmp_path / f"stage-{k}"
        proc = fork.Process(target=child, args=(out, nodes, k, stage_file))
        proc.start()
        proc.join(120)
        stage = stage_file.read_text(encoding="utf-8")
        if proc.exitcode == 0:  # k is past the last step: the publication ran to its end
            assert stage == f"done {k - 1}"
            assert shown(out, nodes) == after
            break
        assert proc.exitcode == -signal.SIGKILL, (k, proc.exitcode)
        now = shown(out, nodes)
        assert now in (before, after), f"{scenario}: killed at step {k} ({stage}): {now}"
        outcomes["old" if now == before else "new"] += 1
        TRIALS[(scenario, stage)] += 1
        publish_many(items("new", nodes), out)  # the next run: recovers, then publishes every node
        assert shown(out, nodes) == after, f"{scenario}: rerun after a kill at step {k} ({stage})"
        assert_clean(out, nodes)
        shutil.rmtree(out)
    assert k > 10 and outcomes["old"] > 0 and outcomes["new"] > 0  # both sides of the switch were hit
    stages = {s for (sc, s) in TRIALS if sc == scenario}
    assert {"stage", "gen", "switch", "switched"} <= stages
    assert ("link" in stages) == (scenario in ("first", "grow"))  # a node never published gets its link
    assert ("migrate" in stages) == (scenario == "legacy")
    print(
        f"\n[kill -9] {scenario}: {k - 1} trials, {outcomes['old']} left all old, {outcomes['new']} all new; "
        + ", ".join(f"{s} {n}" for (sc, s), n in sorted(TRIALS.items()) if sc == scenario)
    )


def test_a_kill_during_the_recovery_of_a_killed_publication_is_recovered_too(tmp_path: Path) -> None:
    """The next run's recovery is itself killed at each of its points: still all old or all new, and the run after
    that publishes all. The first crash is just before the switch: every node staged, a generation built."""
    nodes = ELEVEN[:4]
    base = tmp_path / "base"
    publish_many(items("old", nodes), base)
    before, after = dict.fromkeys(nodes, "old"), dict.fromkeys(nodes, "new")
    fork = multiprocessing.get_context("fork")

    def killed_at(out: Path, k: int) -> str:
        stage_file = tmp_path / "stage"
        proc = fork.Process(target=child, args=(out, nodes, k, stage_file))
        proc.start()
        proc.join(120)
        return stage_file.read_text(encoding="utf-8") if proc.exitcode == -signal.SIGKILL else "done"

    k = 1
    while killed_at(base, k) != "switch":  # a fresh copy of the old state each time, until the kill hits the switch
        shutil.rmtree(base)
        publish_many(items("old", nodes), base)
        k += 1
    assert shown(base, nodes) == before
    leftovers = [p for p in Store(base).root.iterdir() if p.name.startswith(GEN_PREFIX)]
    assert len(leftovers) == 2  # the current generation and the one never switched to
    stages: Counter[str] = Counter()
    j = 0
    while True:
        j += 1
        out = tmp_path / f"again-{j}"
        shutil.copytree(base, out, symlinks=True)
        stage = killed_at(out, j)
        if stage == "done":
            assert shown(out, nodes) == after
            assert_clean(out, nodes)
            break
        assert shown(out, nodes) in (before, after), f"killed at step {j} of the recovering run ({stage})"
        stages[stage] += 1
        TRIALS[("recovery", stage)] += 1
        publish_many(items("new", nodes), out)
        assert shown(out, nodes) == after
        assert_clean(out, nodes)
        shutil.rmtree(out)
    assert stages["recover"] == 5  # the four staged payloads and the generation never switched to
    print(f"\n[kill -9] recovery: {j - 1} trials; " + ", ".join(f"{s} {n}" for s, n in sorted(stages.items())))
