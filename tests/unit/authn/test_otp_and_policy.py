"""Pure pieces of the second factor: masking, policy, device summaries, challenge counting."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from idp.authn.otp import ChallengeExpiredError, EmailOtp, WrongCodeError, mask_email
from idp.authn.policy import second_factor_needed
from idp.authn.remembered_devices import cookie_name, summarize_user_agent
from idp.mail import OutboxMailer
from idp.storage.ephemeral import MemoryStore
from tests.mailbox import Outbox, text_of


def user(**fields):
    base = {
        "id": 1,
        "email": "newton@sesan.fr",
        "given_name": "Isaac",
        "family_name": "Newton",
        "username": "inewton",
        "otp_required": False,
    }
    return SimpleNamespace(**{**base, **fields})


def test_mask_email_matches_the_product_format():
    assert mask_email("newton@sesan.fr") == "new…@se….fr"
    assert mask_email("a@b.io") == "a…@b….io"


@pytest.mark.parametrize(
    "flag,today,expected",
    [
        (False, date(2026, 3, 30), False),
        (True, date(2026, 3, 30), True),
        (False, date(2026, 3, 31), True),
    ],
)
def test_second_factor_policy(flag, today, expected):
    assert second_factor_needed(user(otp_required=flag), date(2026, 3, 31), today) is expected


def test_user_agent_summary_and_cookie_names():
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
    assert summarize_user_agent(ua) == "Chrome (Windows)"
    assert cookie_name("Alice") == cookie_name("alice") != cookie_name("bob")


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    return Outbox(tmp_path / "outbox")


def make_otp(outbox: Outbox, attempts: int = 5) -> EmailOtp:
    mailer = OutboxMailer("idp@example.org", outbox.folder)
    return EmailOtp(
        MemoryStore(), mailer, "secret", ttl=600, max_attempts=attempts, cooldown=0, max_sends=3
    )


def test_code_is_six_digits_on_its_own_line(outbox):
    make_otp(outbox).start(user())
    lines = [line for line in text_of(outbox.latest()).splitlines() if line.strip().isdigit()]
    assert len(lines) == 1 and len(lines[0]) == 6


def test_verify_counts_failures_then_voids(outbox):
    otp = make_otp(outbox, attempts=2)
    challenge = otp.start(user())
    with pytest.raises(WrongCodeError) as first:
        otp.verify(challenge.id, "abcdef")
    assert first.value.remaining == 1
    with pytest.raises(ChallengeExpiredError):
        otp.verify(challenge.id, "abcdef")
    assert otp.get(challenge.id) is None


def test_verify_accepts_spaces_and_consumes(outbox):
    otp = make_otp(outbox)
    challenge = otp.start(user())
    code = outbox.latest_code()
    assert otp.verify(challenge.id, f" {code[:3]} {code[3:]} ").user_id == 1
    with pytest.raises(ChallengeExpiredError):
        otp.verify(challenge.id, code)
