"""argon2id hashing: OWASP parameters by default, rehash on change, no enumeration."""

from __future__ import annotations

import time

import pytest
from argon2 import extract_parameters

from idp.authn.passwords import Passwords
from idp.settings import load_settings


@pytest.fixture(scope="module")
def fast() -> Passwords:
    return Passwords(time_cost=1, memory_cost=1024, parallelism=1)


def test_default_parameters_meet_owasp_minimum():
    settings = load_settings(environ={})
    hashed = Passwords(
        settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
    ).hash("a long enough password")
    params = extract_parameters(hashed)
    assert hashed.startswith("$argon2id$")
    assert params.memory_cost >= 19456 and params.time_cost >= 2 and params.parallelism == 1


def test_check_accepts_right_and_refuses_wrong(fast):
    hashed = fast.hash("correct horse battery staple")
    assert fast.check(hashed, "correct horse battery staple").ok
    assert not fast.check(hashed, "Correct horse battery staple").ok


def test_unknown_user_fails_after_same_work(fast):
    assert fast.check(None, "anything").ok is False


def test_rehash_when_parameters_change(fast):
    old = fast.hash("correct horse battery staple")
    stronger = Passwords(time_cost=2, memory_cost=2048, parallelism=1)
    result = stronger.check(old, "correct horse battery staple")
    assert result.ok and result.new_hash and extract_parameters(result.new_hash).time_cost == 2
    assert stronger.check(result.new_hash, "correct horse battery staple").new_hash is None


def test_unknown_user_and_wrong_password_take_similar_time():
    passwords = Passwords(time_cost=2, memory_cost=19456, parallelism=1)
    stored = passwords.hash("correct horse battery staple")

    def timed(stored_hash):
        start = time.perf_counter()
        for _ in range(3):
            passwords.check(stored_hash, "wrong password")
        return time.perf_counter() - start

    known, unknown = timed(stored), timed(None)
    assert 0.5 < known / unknown < 2.0


@pytest.mark.parametrize("password", ["", "x" * 1025])
def test_hash_refuses_empty_or_huge(fast, password):
    with pytest.raises(ValueError):
        fast.hash(password)


def test_check_survives_huge_input_and_corrupt_hash(fast):
    assert not fast.check(fast.hash("abc"), "x" * 100000).ok
    assert not fast.check("not-a-hash", "abc").ok
