"""A run's audit report: ``OUT/runs/<run key>/audit.html`` and its node pages ``nodes/<node id>.html``, written
by every run, blocked or not."""

from __future__ import annotations

from pathlib import Path

from audit.report import run_audit, write_audit
from checkpoint.suite import CheckpointResult
from publish.confine import inside_out
from schemas.ids import check_id
from warehouse.store import Warehouse


def run_folder(out_root: Path, key: str) -> Path:
    """Where a run's audit report and Data Docs go: ``OUT/runs/<run key>/`` (never inside a publish folder).
    The key must be a safe id and the folder must resolve inside OUT (publish.confine)."""
    return inside_out(out_root, Path(out_root) / "runs" / check_id(key, "run key"), "run folder")


def write_audit_report(
    warehouse: Warehouse,
    key: str,
    out_root: Path,
    result: CheckpointResult | None = None,
    publication_folder: Path | None = None,
) -> Path:
    """Write ``OUT/runs/<run key>/audit.html`` (every run, blocked or not), linking the run's Data Docs page.
    ``publication_folder``: the run's folder, written but not yet recorded (publish_all's ``before_record``)."""
    folder = run_folder(out_root, key)
    docs = None
    if result is not None and result.data_docs_page is not None:
        try:
            docs = Path(result.data_docs_page).resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            docs = Path(result.data_docs_page).resolve().as_uri()
    published = None if publication_folder is None else str(publication_folder)
    audit = run_audit(warehouse, key, data_docs=docs, publication_folder=published)
    return write_audit(audit, folder, warehouse)
