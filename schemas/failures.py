"""One failure record: the unit of evidence every layer produces and the auditor reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from schemas.grid import cell_location
from schemas.rules import Severity, rule


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Failure:
    """A rule that failed on one cell (or one unit) of one return.

    ``cell`` is the key of the cell whose value is ``actual``; ``cells`` lists every cell the formula reads.
    ``expected``/``actual`` are kept as text so that integers, decimals and words travel the same way.
    """

    rule: str
    unit_id: str
    cell: str = ""
    expected: str = ""
    actual: str = ""
    detail: str = ""  # extra words for the message (what was found, why it could not be read)
    file: str = ""  # original file name of the return, when there is one
    cells: tuple[str, ...] = field(default_factory=tuple)

    @property
    def severity(self) -> Severity:
        return rule(self.rule).severity

    @property
    def blocking(self) -> bool:
        return self.severity.blocks

    def _fill(self, template: str) -> str:
        return template.format(
            cell=self.cell or "-", expected=self.expected, actual=self.actual, unit_id=self.unit_id, detail=self.detail
        )

    @property
    def location(self) -> str:
        """Where the cell sits in the official table: section, row and column labels (empty for non-cells)."""
        return cell_location(self.cell)

    @property
    def message_zh(self) -> str:
        return self._fill(rule(self.rule).message_zh)

    @property
    def message_en(self) -> str:
        return self._fill(rule(self.rule).message_en)

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        """The record as printed by ``nianbao validate --json`` and stored in the warehouse."""
        d = asdict(self)
        d["cells"] = list(self.cells)
        d["severity"] = self.severity.value
        d["location"] = self.location
        d["message"] = self.message
        d["message_zh"] = self.message_zh
        d["message_en"] = self.message_en
        return d


def make(rule_id: str, unit_id: str, cell: str = "", expected: Any = None, actual: Any = None, **kw: Any) -> Failure:
    """Build a failure, turning expected/actual into text."""
    return Failure(rule=rule_id, unit_id=unit_id or "", cell=cell, expected=_text(expected), actual=_text(actual), **kw)


def blocking(failures: list[Failure]) -> list[Failure]:
    return [f for f in failures if f.blocking]
