"""Email one-time codes: the second step of a password login.

Codes are 6 digits drawn with ``secrets`` (uniform, 20 bits): a per-challenge HOTP secret from
pyotp would add nothing since each code is used once and mailed, never derived by the user.
A challenge lives ``otp_ttl`` seconds in the ephemeral store, holds only an HMAC of the code
(keyed by the server secret, so a store dump cannot be brute-forced offline), is consumed on
success, and is voided after ``otp_max_attempts`` wrong codes counted atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass

from idp import clock
from idp.errors import IdpError
from idp.mail import MailDeliveryError, Mailer, render
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User


class ChallengeError(IdpError):
    """Base of the refusals of a code; ``reason`` names it for the page."""

    reason = "invalid"


class WrongCodeError(ChallengeError):
    reason = "wrong"

    def __init__(self, remaining: int, user_id: int | None = None) -> None:
        super().__init__(f"{remaining} tries left")
        self.remaining = remaining
        self.user_id = user_id  # whose code it was (the per-account count)


class ChallengeExpiredError(ChallengeError):
    """Unknown, expired, already used or voided: the person must sign in again."""

    reason = "expired"


class CodeVoidedError(ChallengeExpiredError):
    """The wrong code that used up the challenge's tries (it counts as a wrong code)."""

    def __init__(self, user_id: int) -> None:
        super().__init__("tries used up")
        self.user_id = user_id


class ResendTooSoonError(ChallengeError):
    reason = "too_soon"

    def __init__(self, wait: int) -> None:
        super().__init__(f"wait {wait} s")
        self.wait = wait


class ResendLimitError(ChallengeError):
    reason = "limit"


@dataclass
class Challenge:
    id: str
    user_id: int
    email: str
    name: str
    code_mac: str
    expires: int
    sends: int = 0
    last_sent: int = 0
    delivered: bool = False

    def remaining_seconds(self, now: int) -> int:
        return self.expires - now


def mask_email(email: str) -> str:
    """``new…@se….fr``: enough to recognise one's address, not to learn someone else's."""
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:3]}…@{host[:2]}….{tld}"


class EmailOtp:
    def __init__(
        self,
        store: EphemeralStore,
        mailer: Mailer,
        secret: str,
        ttl: int,
        max_attempts: int,
        cooldown: int,
        max_sends: int,
    ) -> None:
        self._store = store
        self._mailer = mailer
        self._secret = secret.encode()
        self.ttl = ttl
        self.max_attempts = max_attempts
        self.cooldown = cooldown
        self.max_sends = max_sends

    def start(self, user: User) -> Challenge:
        """Create a challenge and mail its code; ``delivered`` is False if the mail failed."""
        challenge = Challenge(
            id=secrets.token_urlsafe(24),
            user_id=user.id,
            email=user.email,
            name=f"{user.given_name} {user.family_name}".strip() or user.username,
            code_mac="",
            expires=clock.seconds() + self.ttl,
        )
        self._send_new_code(challenge)
        return challenge

    def get(self, challenge_id: str | None) -> Challenge | None:
        if not challenge_id or len(challenge_id) > 100:
            return None
        data = self._store.get(self._key(challenge_id))
        return Challenge(**data) if data else None

    def resend(self, challenge_id: str | None) -> Challenge:
        """A fresh code (the previous one stops working), within the cooldown and the cap."""
        challenge = self._require(challenge_id)
        now = clock.seconds()
        if challenge.sends >= self.max_sends:
            raise ResendLimitError()
        if challenge.delivered and now - challenge.last_sent < self.cooldown:
            raise ResendTooSoonError(self.cooldown - (now - challenge.last_sent))
        self._send_new_code(challenge)
        return challenge

    def verify(self, challenge_id: str | None, code: str) -> Challenge:
        """The challenge if ``code`` is right (and consume it); otherwise a ChallengeError."""
        challenge = self._require(challenge_id)
        code = (code or "").strip().replace(" ", "")
        if hmac.compare_digest(challenge.code_mac, self._mac(challenge.id, code)):
            if self._store.consume(self._key(challenge.id)) is None:
                raise ChallengeExpiredError()  # a parallel request used it first
            self._store.delete(self._attempts_key(challenge.id))
            return challenge
        failures = self._store.incr(self._attempts_key(challenge.id), self.ttl)
        if failures >= self.max_attempts:
            self.cancel(challenge.id)
            raise CodeVoidedError(challenge.user_id)
        raise WrongCodeError(self.max_attempts - failures, challenge.user_id)

    def cancel(self, challenge_id: str) -> None:
        self._store.delete(self._key(challenge_id))
        self._store.delete(self._attempts_key(challenge_id))

    def _send_new_code(self, challenge: Challenge) -> None:
        code = f"{secrets.randbelow(10**6):06d}"
        now = clock.seconds()
        challenge.code_mac = self._mac(challenge.id, code)
        challenge.sends += 1
        challenge.last_sent = now
        challenge.delivered = False
        self._save(challenge, now)
        minutes = max(1, challenge.remaining_seconds(now) // 60)
        try:
            self._mailer.send(
                render("otp_code", challenge.email, name=challenge.name, code=code, minutes=minutes)
            )
        except MailDeliveryError:
            return  # the challenge stays; the page offers to send again
        challenge.delivered = True
        self._save(challenge, now)

    def _require(self, challenge_id: str | None) -> Challenge:
        challenge = self.get(challenge_id)
        if challenge is None or challenge.remaining_seconds(clock.seconds()) <= 0:
            raise ChallengeExpiredError()
        return challenge

    def _save(self, challenge: Challenge, now: int) -> None:
        self._store.put(
            self._key(challenge.id), asdict(challenge), max(1, challenge.remaining_seconds(now))
        )

    def _mac(self, challenge_id: str, code: str) -> str:
        return hmac.new(self._secret, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _key(challenge_id: str) -> str:
        return keys.email_code(challenge_id)

    @staticmethod
    def _attempts_key(challenge_id: str) -> str:
        return keys.email_code_attempts(challenge_id)
