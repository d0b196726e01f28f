"""The root of every exception nianbao raises on purpose.

Each package keeps its own narrow exceptions (intake.errors, publish.errors, warehouse.store, …); they all derive
from :class:`NianbaoError` as well as from the builtin they always had (``class RosterError(NianbaoError,
ValueError)``), so ``except NianbaoError`` catches nianbao's refusals and nothing else, while every existing
``except ValueError`` still works. tests/schemas/test_errors.py checks that no public exception class escapes the root.
"""

from __future__ import annotations


class NianbaoError(Exception):
    """An error nianbao raises deliberately (bad input, a refusal, a broken invariant it checks)."""
