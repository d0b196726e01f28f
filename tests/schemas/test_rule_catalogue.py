"""Each rule of the catalogue is implemented in one place, and the catalogue names it."""

from __future__ import annotations

from pathlib import Path

from schemas.rules import IMPLEMENTED_IN, RULES

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_names_the_one_module_that_implements_it() -> None:
    assert set(IMPLEMENTED_IN) == {r.id for r in RULES}
    for rule_id, module in IMPLEMENTED_IN.items():
        text = (ROOT / module).read_text(encoding="utf-8")
        assert f'"{rule_id}"' in text, (rule_id, module)  # the module names the rule it implements


def test_the_g4_identities_are_the_return_identities() -> None:
    """G4 re-checks A1–A3 and L1 on each node's report with the same Identity objects a return is checked with:
    the formulas exist once (schemas/models.py)."""
    text = (ROOT / "checkpoint" / "nodes.py").read_text(encoding="utf-8")
    assert "from schemas.models import IDENTITIES" in text
