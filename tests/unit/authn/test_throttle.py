"""The login throttle's counters: what a check finds, and what a success clears."""

from __future__ import annotations

import pytest

from idp.authn.throttle import LoginThrottle, ThrottledError
from idp.storage.ephemeral import MemoryStore


@pytest.fixture
def throttle() -> LoginThrottle:
    return LoginThrottle(MemoryStore(), after=3, max_delay=60, per_source=5)


def test_a_clean_account_has_nothing_to_clear(throttle):
    assert throttle.check("alice", "10.0.0.1") is False


def test_a_failure_from_this_source_is_on_record_until_a_success_clears_it(throttle):
    throttle.failed("alice", "10.0.0.1")
    assert throttle.check("alice", "10.0.0.1") is True
    throttle.succeeded("alice", "10.0.0.1", failures_on_record=True)
    assert throttle.check("alice", "10.0.0.1") is False


def test_failures_from_another_source_are_on_record_for_the_account(throttle):
    """The account's count of consecutive failures is cleared by a success from anywhere."""
    throttle.failed("alice", "10.0.0.2")
    assert throttle.check("alice", "10.0.0.1") is True
    throttle.succeeded("alice", "10.0.0.1", failures_on_record=True)
    assert throttle.failed("alice", "10.0.0.1") == 1  # the account counts from zero again


def test_nothing_found_means_nothing_is_deleted(throttle):
    """A failure counted between the check and the success stays (stricter, never laxer)."""
    assert throttle.check("alice", "10.0.0.1") is False
    throttle.failed("alice", "10.0.0.1")
    throttle.succeeded("alice", "10.0.0.1", failures_on_record=False)
    assert throttle.check("alice", "10.0.0.1") is True


def test_the_delay_still_applies_after_enough_failures(throttle):
    for _ in range(3):
        throttle.failed("alice", "10.0.0.1")
    with pytest.raises(ThrottledError):
        throttle.check("alice", "10.0.0.1")
