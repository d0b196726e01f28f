"""Atomic publication: the four files of a district report appear together in ``OUT/<district>/<year>/`` or not at
all.

How: everything is written into a temporary sibling folder ``OUT/<district>/.<year>.tmp-XXXX`` (same filesystem,
so a rename is atomic), each file and the folder are fsynced, then the folder is renamed to ``<year>``. When a
publication already exists it is swapped: the old folder is renamed away (``.<year>.old-XXXX``), the new one renamed
in, the old one deleted. If the second rename fails the old folder is renamed back. Readers therefore see either
the old complete set or the new complete set (on POSIX there is a moment between the two renames when ``<year>``
is absent; never a mix of old and new files).

On any failure the temporary folder is removed, a ``<district>`` folder created by this call is removed again, and
the previous publication is left exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.errors import PublicationExists, PublishError, ReportDataError
from publish.model import DistrictReport, check_report
from publish.render import json_bytes, render_html, render_xlsx, report_json

__all__ = ["PublishedFiles", "PublicationExists", "PublishError", "ReportDataError", "publish", "PUBLISHED_NAMES"]

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


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry durable (directories can be fsynced on POSIX; elsewhere this is a no-op)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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


def _check_replaceable(target: Path, replace: bool) -> None:
    if not target.exists() and not target.is_symlink():
        return
    if not replace:
        raise PublicationExists(f"{target} already exists; pass replace=True to publish over it")
    if target.is_symlink() or not target.is_dir():
        raise PublicationExists(f"{target} exists and is not a folder; move it away, then publish again")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in PUBLISHED_NAMES)
    if foreign:
        raise PublicationExists(
            f"{target} holds files this publisher did not write ({', '.join(foreign[:5])}); "
            "it will not be replaced — move them away or publish into another OUT folder"
        )


def _swap_in(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; if ``target`` exists, rename it away first and delete it afterwards."""
    if not target.exists():
        os.replace(staging, target)
        return
    holder = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    previous = holder / "previous"
    try:
        os.replace(target, previous)  # move the old publication out of the way
    except BaseException:
        shutil.rmtree(holder, ignore_errors=True)
        raise
    try:
        os.replace(staging, target)
    except BaseException as exc:
        try:
            os.replace(previous, target)  # put the previous publication back
        except OSError as restore_error:
            raise PublishError(
                f"could not rename the new publication into {target} ({exc}) nor restore the previous one "
                f"({restore_error}); the previous publication is kept at {previous} — rename it back to {target}"
            ) from exc
        shutil.rmtree(holder, ignore_errors=True)
        raise
    shutil.rmtree(holder, ignore_errors=True)


def _remove_leftovers(district_dir: Path, year: int) -> None:
    """Folders of this year left by a run killed mid-publish. Runs of one district and year never overlap (Prefect
    concurrency limit, warehouse lock), so they are no one's work in progress: a staging folder was never published
    and is removed; a previous publication moved aside mid-swap is put back if nothing replaced it, else removed."""
    target = district_dir / str(year)
    for leftover in sorted(district_dir.glob(f".{year}.old-*")):
        if leftover.is_dir() and not leftover.is_symlink():
            if not target.exists():
                os.replace(leftover, target)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
    for leftover in district_dir.glob(f".{year}.tmp-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


def publish(
    report: DistrictReport, out_root: Path, manifest: dict[str, Any], *, replace: bool = True
) -> PublishedFiles:
    """Write report.html, report.xlsx, report.json and manifest.json into ``OUT/<district_id>/<year>/`` atomically.

    ``manifest`` (the caller's record of what the report was built from) is written as manifest.json, extended
    with ``files``: {name: sha256} of the three report files. Output is deterministic: the same report and
    manifest give byte-identical files. Raises :class:`ReportDataError` for an incomplete report (nothing is
    written), :class:`PublicationExists` when the target may not be replaced, :class:`PublishError` when the
    filesystem fails; in every case the previous publication is untouched and no temporary folder is left.
    """
    check_report(report)  # fail before touching the disk when the data cannot be rendered
    district_dir = Path(out_root) / str(report.district_id)
    target = district_dir / str(report.year)
    _check_replaceable(target, replace)
    created = _missing_ancestors(district_dir)
    staging: Path | None = None
    try:
        district_dir.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(district_dir, report.year)
        staging = Path(tempfile.mkdtemp(prefix=f".{report.year}.tmp-", dir=district_dir))
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a published folder is meant to be read
        files = write_files(report, manifest, staging)
        _swap_in(staging, target)
        staging = None
        _fsync_dir(district_dir)
    except PublishError:
        _clean_up(staging, created)
        raise
    except OSError as exc:
        _clean_up(staging, created)
        raise PublishError(
            f"publishing {report.district_id} {report.year} into {target} failed ({exc}); "
            "nothing was changed — check that the folder is writable and has space, then publish again"
        ) from exc
    except BaseException:
        _clean_up(staging, created)
        raise
    return PublishedFiles(folder=target, files=files)


def _missing_ancestors(folder: Path) -> list[Path]:
    """``folder`` and its parents that do not exist yet, outermost first (removed again if publishing fails)."""
    missing: list[Path] = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    return missing[::-1]


def _clean_up(staging: Path | None, created: list[Path]) -> None:
    """Remove the temporary folder and any parent folder this call created (if it is empty)."""
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    for folder in reversed(created):  # innermost first
        try:
            folder.rmdir()
        except OSError:
            pass
