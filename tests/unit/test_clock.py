"""The shared clock: this machine's time corrected by a reference, never failing a request."""

from __future__ import annotations

import time

import pytest
from itsdangerous import SignatureExpired, URLSafeTimedSerializer

from idp.clock import Clock, SharedClockSigner


def test_without_reference_it_is_this_machines_clock():
    assert abs(Clock().now() - time.time()) < 0.01


def test_it_follows_a_reference_five_minutes_ahead():
    clock = Clock(lambda: time.time() + 300)
    assert abs(clock.now() - time.time() - 300) < 0.5
    assert abs(clock.offset - 300) < 0.5


def test_a_reference_that_fails_keeps_the_last_offset():
    answers = iter([time.time() - 120])

    def reference() -> float:
        return next(answers)  # StopIteration the second time: the store is down

    clock = Clock(reference)
    clock.now()
    clock._next_sync = 0  # the next minute
    assert abs(clock.now() - time.time() + 120) < 0.5


def test_reads_the_reference_once_a_minute():
    calls = []
    clock = Clock(lambda: calls.append(1) or time.time())
    for _ in range(100):
        clock.now()
    assert len(calls) == 1


def test_signatures_from_an_instance_ahead_are_refused_by_plain_itsdangerous_not_by_ours():
    class Ahead(SharedClockSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) + 300

    signed = URLSafeTimedSerializer("k", signer=Ahead).dumps({"a": 1})
    with pytest.raises(SignatureExpired):
        URLSafeTimedSerializer("k").loads(signed, max_age=3600)  # "signed in the future"
    from idp import clock

    clock.follow(lambda: time.time() + 300)
    try:
        assert URLSafeTimedSerializer("k", signer=SharedClockSigner).loads(signed, max_age=3600)
    finally:
        clock.follow(None)
