"""What a consolidation run produced, for the CLI, the flow's artifacts and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkpoint.suite import CheckpointResult
from schemas.errors import NianbaoError
from schemas.failures import Failure
from schemas.verdicts import COUNTED, count_line, verdict_counts


@dataclass
class RunResult:
    run_key: str
    district_id: str
    year: int
    status: str  # published | blocked
    accepted: list[str]  # unit ids whose return is counted (verdict accepted, waived or kept)
    rejected: list[str]  # files rejected in this batch (not units: see ``verdicts``)
    missing: list[str]  # roster units whose return is not counted (verdict rejected or missing)
    failures: list[Failure]  # every failure found in this batch (all severities)
    checkpoint: CheckpointResult
    why_missing: list[dict[str, Any]] = field(default_factory=list)
    folder: Path | None = None  # the publication folder, when published
    files: dict[str, str] = field(default_factory=dict)  # published file -> sha256
    loaded: dict[str, int] = field(default_factory=dict)  # new / known submissions
    # every node the run published (a city run publishes the city and each district below it): node -> folder
    published_nodes: dict[str, Path] = field(default_factory=dict)
    # unit_id -> accepted | waived | kept | rejected | missing: Warehouse.unit_verdicts, the query audit.html counts
    # from too (schemas.verdicts)
    verdicts: dict[str, str] = field(default_factory=dict)
    audit: Path | None = None  # OUT/runs/<run key>/audit.html: every run writes one, blocked or not

    @property
    def published(self) -> bool:
        return self.status == "published"

    @classmethod
    def unit_lists(cls, verdicts: dict[str, str]) -> dict[str, Any]:
        """``accepted`` and ``missing`` for the constructor, from the verdicts (roster order)."""
        return {
            "accepted": [u for u, v in verdicts.items() if v in COUNTED],
            "missing": [u for u, v in verdicts.items() if v not in COUNTED],
            "verdicts": dict(verdicts),
        }

    def counts(self) -> dict[str, int]:
        return verdict_counts(self.verdicts.values())

    def count_line(self) -> str:
        """The line audit.html prints too (schemas.verdicts.count_line)."""
        return count_line(self.counts())

    def blocking_reasons(self, limit: int = 60) -> list[str]:
        """One line per failing expectation, then per unit without an accepted return, the rules its return failed.
        At most ``limit`` lines (a whole missing province would otherwise print thousands); the rest are counted."""
        lines = [
            f"checkpoint: {o.name} FAILED ({len(o.unexpected)} unexpected)"
            for o in self.checkpoint.outcomes
            if not o.success
        ]
        for f in self.checkpoint.failures:
            # G1/G5 of a node check say which node the unit blocks: "<node> <name> blocked: unit <id> <name> ..."
            named = f.rule in ("G1", "G5") and " blocked: " in f.detail
            lines.append(f"  [{f.rule}] {f.detail if named else f.message_en}")
        for entry in self.why_missing:
            if entry.get("file"):
                lines.append(
                    f"unit {entry['unit_id']} {entry['unit_name']}: latest return {entry['file']} "
                    f"(v{entry.get('version')}) was rejected:"
                )
                for f in entry["failures"]:
                    lines.append(
                        f"  [{f['rule']}] cell {f['cell'] or '-'} expected={f['expected']} actual={f['actual']}"
                    )
            else:
                lines.append(f"unit {entry['unit_id']} {entry['unit_name']}: no return received")
        if len(lines) > limit:
            hidden = len(lines) - limit
            lines = [*lines[:limit], f"… and {hidden} more line(s): see the run's audit.html and `nianbao audit`"]
        return lines


class PublicationBlocked(NianbaoError):
    """The checkpoint failed: nothing was published. Carries the run's result so callers can say why."""

    def __init__(self, result: RunResult):
        self.result = result
        reasons = "\n".join(result.blocking_reasons())
        super().__init__(
            f"Publication of {result.district_id} {result.year} blocked by the checkpoint "
            f"(run {result.run_key}):\n{reasons}"
        )
