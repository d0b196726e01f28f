"""Fixtures for the publish tests (helpers live in publish_fixtures.py, imported by name)."""

from __future__ import annotations

import pytest
from publish_fixtures import make_report

from publish.model import DistrictReport


@pytest.fixture
def report() -> DistrictReport:
    """The 3-unit district (plus one missing unit) of publish_fixtures.make_report."""
    return make_report()
