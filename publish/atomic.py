"""Atomic publication: the four files of every node a run publishes appear in ``OUT/<node>/<year>/`` together,
for ALL the run's nodes at once, or not at all.

How (publish/generations.py): each node's files are written into a staging folder under ``OUT/.published/data``
(by up to two processes at once for a run of many nodes: publish/parallel.py), fsynced and renamed to an
immutable payload folder; a new *generation* lists every node's payload (the nodes this
run does not touch keep theirs); then ONE rename points ``OUT/.published/current`` at it. ``OUT/<node>/<year>`` is
a symlink through ``current`` (made before the switch; it dangles until then for a node never published), so the
paths people read do not change while every node switches in a single step. A run killed at any point leaves
either the previous publication of every node or the new one of every node; the next publication clears what
the dead one left (staging, unswitched generation, old payloads) before it starts.

A ``<year>`` folder left by an older nianbao (a real folder, not the symlink) is migrated first, without a
moment's change for its readers: its files are hard-linked into a payload, a generation listing it is switched
in, then the folder and the symlink are exchanged in one ``renameat2(RENAME_EXCHANGE)``.

On any failure before the switch everything this call staged is removed, a folder it created is removed again,
and the previous publication is left exactly as it was. Ids are checked (schemas/ids.py) and every folder is
checked to lie inside OUT (publish/confine.py) before anything is written.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.confine import inside_out
from publish.errors import PublicationExists, PublishError, ReportDataError
from publish.generations import Step, Store, _no_step, fsync_dir
from publish.model import DistrictReport, check_report
from publish.parallel import default_workers, map_forked
from publish.render import json_bytes, render_html, render_xlsx, report_json
from schemas.ids import UnsafeId, check_id

__all__ = [
    "PUBLISHED_NAMES",
    "PublicationExists",
    "PublishError",
    "PublishedFiles",
    "ReportDataError",
    "publish",
    "publish_many",
]

REPORT_FILES: tuple[str, ...] = ("report.html", "report.xlsx", "report.json")
MANIFEST = "manifest.json"
PUBLISHED_NAMES: frozenset[str] = frozenset((*REPORT_FILES, MANIFEST))


@dataclass
class PublishedFiles:
    folder: Path
    files: dict[str, str]  # name -> sha256 (all four files, manifest.json included)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


_fsync_dir = fsync_dir


def write_files(report: DistrictReport, manifest: dict[str, Any], folder: Path) -> dict[str, str]:
    """Render the three report files and the manifest into ``folder``; return name -> sha256 of all four."""
    (folder / "report.html").write_bytes(render_html(report).encode("utf-8"))
    render_xlsx(report, folder / "report.xlsx")
    (folder / "report.json").write_bytes(json_bytes(report_json(report)))
    files = {name: sha256_of(folder / name) for name in REPORT_FILES}
    full_manifest = dict(manifest)
    full_manifest["files"] = dict(files)
    (folder / MANIFEST).write_bytes(json_bytes(full_manifest))
    files[MANIFEST] = sha256_of(folder / MANIFEST)
    for name in files:
        _fsync_file(folder / name)
    _fsync_dir(folder)
    return files


# --- one run's nodes, switched in one step ----------------------------------------------------------------


def publish(
    report: DistrictReport, out_root: Path, manifest: dict[str, Any], *, replace: bool = True
) -> PublishedFiles:
    """Write report.html, report.xlsx, report.json and manifest.json into ``OUT/<district_id>/<year>/`` atomically.

    ``manifest`` (the caller's record of what the report was built from) is written as manifest.json, extended
    with ``files``: {name: sha256} of the three report files. Output is deterministic: the same report and
    manifest give byte-identical files. Raises :class:`ReportDataError` for an incomplete report (nothing is
    written), :class:`PublicationExists` when the target may not be replaced, :class:`PublishError` when the
    filesystem fails; in every case the previous publication is untouched and no temporary folder is left.
    One node of :func:`publish_many`.
    """
    return publish_many([(report, manifest)], out_root, replace=replace)[str(report.district_id)]


def publish_many(
    items: Sequence[tuple[DistrictReport, dict[str, Any]]],
    out_root: Path,
    *,
    replace: bool = True,
    on_step: Step | None = None,
) -> dict[str, PublishedFiles]:
    """Publish every (report, manifest) of a run — all of them in ONE switch, or none (see the module note).
    Returns node id -> its published files, ``folder`` being ``OUT/<node>/<year>``. ``on_step`` (tests): called
    with the stage name before each change on disk."""
    step = on_step or _no_step
    items = list(items)
    nodes = _checked_nodes(items)
    out = Path(out_root)
    store = Store(out)
    what = ", ".join(f"{n} {y}" for n, y in nodes[:5]) + (f" and {len(nodes) - 5} more nodes" if len(nodes) > 5 else "")
    created = _missing_ancestors(store.root)
    try:
        out.mkdir(parents=True, exist_ok=True)
        inside_out(out, store.root, "publication store")
        for node, _ in nodes:
            inside_out(out, out / node, f"folder of node {node}")
        with store.locked():
            links: list[Path] = []
            switched = False
            try:
                results = _publish_locked(items, nodes, out, store, replace, step, links)
                switched = True
            finally:
                if not switched:
                    _undo(store, links)
            try:
                store.collect_garbage(step)  # the previous generation and payloads; redone next time if it fails
            except OSError:
                pass
        return results
    except BaseException as exc:
        _remove_created(store, created)
        if isinstance(exc, PublishError) or not isinstance(exc, OSError):
            raise
        raise PublishError(
            f"publishing {what} into {out} failed ({exc}); nothing was changed — check that the folder is "
            "writable and has space, then publish again"
        ) from exc


def _publish_locked(
    items: Sequence[tuple[DistrictReport, dict[str, Any]]],
    nodes: list[tuple[str, int]],
    out: Path,
    store: Store,
    replace: bool,
    step: Step,
    links: list[Path],
) -> dict[str, PublishedFiles]:
    """Under the store's lock: recover, stage every node, make the links, build the generation, switch."""
    store.collect_garbage(step, "recover")  # recovery: whatever a killed publisher left
    for node, year in nodes:
        _recover_node_leftovers(out / node, year, step)
    previous = store.entries()
    legacy = [(n, y) for n, y in nodes if _target_state(out, store, n, y, previous, replace) == "legacy"]
    results: dict[str, PublishedFiles] = {}
    entries = dict(previous)
    stagings = []
    for node, year in nodes:  # every node's staging folder, then their files written on every core
        step("stage")
        stagings.append(inside_out(out, store.staging(node, year), f"staging folder of node {node}"))
    written = map_forked(_write_staged, [(r, m, st) for (r, m), st in zip(items, stagings)], _workers(len(nodes)))
    for staging, files, (node, year) in zip(stagings, written, nodes):
        step("stage")
        store.commit_payload(staging, node, year, files[MANIFEST][:16])
        entries[(node, year)] = files[MANIFEST][:16]
        results[node] = PublishedFiles(folder=out / node / str(year), files=files)
    if legacy:
        previous = _migrate(out, store, legacy, previous, step)
        entries = {**previous, **{k: v for k, v in entries.items() if k in set(nodes)}}
    for node, year in nodes:  # the paths people read: made once, through `current`
        target = out / node / str(year)
        if not target.is_symlink():
            step("link")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(Store.link_text(node, year), target)
            links.append(target)
            fsync_dir(target.parent)
    store.switch(store.build_generation(entries, step), step)  # THE step: every node at once
    return results


PARALLEL_FROM = 8  # nodes: below this, forking a second process costs more than it saves


def _workers(nodes: int) -> int:
    return default_workers() if nodes >= PARALLEL_FROM else 1


def _write_staged(item: tuple[DistrictReport, dict[str, Any], Path]) -> dict[str, str]:
    report, manifest, staging = item
    return write_files(report, manifest, staging)


def _checked_nodes(items: Sequence[tuple[DistrictReport, dict[str, Any]]]) -> list[tuple[str, int]]:
    """(node id, year) of each report, after the checks that need no disk: complete, safe ids, no duplicates."""
    nodes: list[tuple[str, int]] = []
    for report, _ in items:
        check_report(report)  # fail before touching the disk when the data cannot be rendered
        node = str(report.district_id)
        try:
            check_id(node, "node id")
        except UnsafeId as exc:
            raise ReportDataError(f"{exc}") from exc
        if (node, int(report.year)) in nodes:
            raise ReportDataError(f"node {node} {report.year} is given twice; publish each node once per run")
        nodes.append((node, int(report.year)))
    if not nodes:
        raise ReportDataError("nothing to publish: no report was given")
    return nodes


def _target_state(
    out: Path, store: Store, node: str, year: int, previous: dict[tuple[str, int], str], replace: bool
) -> str:
    """``absent``, ``linked`` (our symlink) or ``legacy`` (a real folder from an older nianbao); else refused."""
    target = out / node / str(year)
    if target.is_symlink():
        if os.readlink(target) != Store.link_text(node, year):
            raise PublicationExists(
                f"{target} is a symbolic link this publisher did not make; move it away, then publish again"
            )
        if (node, year) in previous and not replace:
            raise PublicationExists(f"{target} already exists; pass replace=True to publish over it")
        return "linked"
    if not target.exists():
        return "absent"
    if not replace:
        raise PublicationExists(f"{target} already exists; pass replace=True to publish over it")
    if not target.is_dir():
        raise PublicationExists(f"{target} exists and is not a folder; move it away, then publish again")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in PUBLISHED_NAMES)
    if foreign:
        raise PublicationExists(
            f"{target} holds files this publisher did not write ({', '.join(foreign[:5])}); "
            "it will not be replaced — move them away or publish into another OUT folder"
        )
    return "legacy"


def _migrate(
    out: Path, store: Store, legacy: list[tuple[str, int]], previous: dict[tuple[str, int], str], step: Step
) -> dict[tuple[str, int], str]:
    """Bring real ``<year>`` folders under ``current`` without changing what their readers see (module note)."""
    entries = dict(previous)
    for node, year in legacy:
        step("migrate")
        target = out / node / str(year)
        staging = store.staging(node, year)
        for f in sorted(target.iterdir()):
            os.link(f, staging / f.name)  # the same bytes (the same inodes), nothing rewritten
        fsync_dir(staging)
        manifest = staging / MANIFEST
        payload_id = "legacy-" + (sha256_of(manifest)[:16] if manifest.exists() else "nomanifest")
        store.commit_payload(staging, node, year, payload_id)
        entries[(node, year)] = payload_id
    store.switch(store.build_generation(entries, step), step)  # the old folders are still read: no change
    for node, year in legacy:
        step("migrate")
        target = out / node / str(year)
        swap = target.with_name(f".{year}.swap-{os.getpid()}")
        os.symlink(Store.link_text(node, year), swap)
        if _exchange(swap, target):  # the symlink in, the folder out, in one step
            step("migrate")
            shutil.rmtree(swap)
        else:  # no renameat2: a moment without the folder (recovered by _recover_node_leftovers)
            aside = target.with_name(f".{year}.old-{os.getpid()}")
            os.replace(target, aside)
            os.replace(swap, target)
            shutil.rmtree(aside)
        fsync_dir(target.parent)
    return entries


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the kernel or file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _recover_node_leftovers(node_dir: Path, year: int, step: Step) -> None:
    """What a killed migration or an older nianbao's publisher left beside ``<year>``: a swap symlink never
    exchanged (removed), an old folder exchanged out (removed), a folder moved aside with nothing in its place
    (put back first)."""
    if not node_dir.is_dir():
        return
    target = node_dir / str(year)
    for leftover in sorted(node_dir.glob(f".{year}.old-*")):
        if leftover.is_dir() and not leftover.is_symlink():
            step("recover")
            if not target.exists() and not target.is_symlink():
                os.replace(leftover, target)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
    for leftover in sorted([*node_dir.glob(f".{year}.swap-*"), *node_dir.glob(f".{year}.tmp-*")]):
        step("recover")
        if leftover.is_symlink() or not leftover.is_dir():
            leftover.unlink(missing_ok=True)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _undo(store: Store, links: list[Path]) -> None:
    """After a failure before the switch (under the lock): the links this call made and what it staged."""
    for link in links:
        if not link.exists():  # dangling: the node had no publication; one with an entry keeps its (old) link
            link.unlink(missing_ok=True)
            try:
                link.parent.rmdir()
            except OSError:
                pass
    try:
        store.collect_garbage()
    except OSError:
        pass


def _remove_created(store: Store, created: list[Path]) -> None:
    """A store this call created and never switched to, and the folders it created for it (if left empty)."""
    if store.root in created and store.current() is None:
        shutil.rmtree(store.root, ignore_errors=True)
    for folder in reversed(created):  # innermost first
        try:
            folder.rmdir()
        except OSError:
            pass


def _missing_ancestors(folder: Path) -> list[Path]:
    """``folder`` and its parents that do not exist yet, outermost first (removed again if publishing fails)."""
    missing: list[Path] = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    return missing[::-1]
