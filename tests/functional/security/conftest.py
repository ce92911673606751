"""Fixtures of the security review's tests."""

from __future__ import annotations

import pytest

from idp.services import of as services_of


@pytest.fixture
def admin(app):
    """The domain service referents and support act through."""
    return services_of(app).admin
