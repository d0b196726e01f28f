"""A unit's verdict for a year, as the run, the CLI, the flow's artifacts and the audit report count it.

The verdicts come from ONE query (warehouse/sql/unit_verdicts.sql); this module names them and writes the one
count line every place prints, so that no two places can count differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# in the order every summary lists them
VERDICTS = ("accepted", "waived", "kept", "rejected", "missing")
COUNTED = ("accepted", "waived", "kept")  # the unit's return is in the report
LABELS = {
    "accepted": "accepted",
    "waived": "accepted through a waiver",
    "kept": "older version kept",
    "rejected": "latest return rejected",
    "missing": "no return",
}


def verdict_counts(verdicts: Iterable[str]) -> dict[str, int]:
    counts = {v: 0 for v in VERDICTS}
    for verdict in verdicts:
        counts[verdict] += 1
    return counts


def count_line(counts: Mapping[str, int]) -> str:
    """ "units: 3 accepted, 0 accepted through a waiver, 1 older version kept, 0 latest return rejected, 0 no return"."""
    return "units: " + ", ".join(f"{counts.get(v, 0)} {LABELS[v]}" for v in VERDICTS)
