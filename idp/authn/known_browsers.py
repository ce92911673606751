"""Browsers an account has used: a stranger's wrong passwords never lock them out.

After a login completes (password and code, or Pro Santé Connect), the browser gets a cookie
(one per account, signed with itsdangerous) holding a random id. When wrong passwords or codes
have locked the account (``Lockout``), password attempts are refused from every other browser,
but not from these: the owner at their usual workstation still signs in, and so does a
remembered browser. This is the device-cookie defence of OWASP's "Slow Down Online Guessing
Attacks with Device Cookies", and NIST SP 800-63B's "no denial of service by throttling".

A known browser has its own allowance of wrong passwords (the account's lockout threshold);
past it, that browser counts as unknown until the lockout's duration has passed. A cookie signed
before the account's cut-off (a password change, "Se déconnecter partout") is no longer known.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from idp.clock import SharedClockSigner
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User

COOKIE_PREFIX = "idp_known_"


def cookie_name(username: str) -> str:
    """One cookie per account (a shared workstation serves several)."""
    return COOKIE_PREFIX + hashlib.sha256(username.lower().encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class KnownBrowser:
    """A browser the account has used, and its wrong passwords so far."""

    id: str
    failures: int


class KnownBrowsers:
    def __init__(
        self, secret_key: str, store: EphemeralStore, ttl: int, allowance: int, window: int
    ) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt="idp.known-browser", signer=SharedClockSigner
        )
        self._store = store
        self.ttl = ttl
        self._allowance = allowance
        self._window = window

    def issue(self, user: User) -> str:
        """The cookie value for a browser that just completed a login."""
        return self._serializer.dumps({"b": secrets.token_urlsafe(16), "s": user.subject})

    def recognise(self, cookie: str | None, user: User) -> KnownBrowser | None:
        """The browser if ``cookie`` is this account's, signed after its cut-off, and has
        wrong passwords left; else None (an unknown browser)."""
        if not cookie or len(cookie) > 500:
            return None
        try:
            data, signed = self._serializer.loads(cookie, max_age=self.ttl, return_timestamp=True)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("s") != user.subject:
            return None
        if user.signed_out_at is not None and signed <= user.signed_out_at:
            return None
        browser = str(data.get("b", ""))
        failures = self._store.get(self._failures_key(browser))
        count = failures if isinstance(failures, int) else 0
        return KnownBrowser(browser, count) if count < self._allowance else None

    def failed(self, browser: KnownBrowser) -> None:
        """Count a wrong password from a known browser (not against the account)."""
        self._store.incr(self._failures_key(browser.id), self._window)

    def succeeded(self, browser: KnownBrowser) -> None:
        self._store.delete(self._failures_key(browser.id))

    @staticmethod
    def _failures_key(browser: str) -> str:
        return keys.failures_of_known_browser(hashlib.sha256(browser.encode()).hexdigest()[:32])
