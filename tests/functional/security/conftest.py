"""Fixtures of the security review's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin(app):
    """The domain service referents and support act through."""
    return app.extensions["idp.admin"]
