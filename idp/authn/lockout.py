"""Blocking an account that is being guessed: its password, or its second factor.

Passwords are counted by ``throttle.py`` (per account, per source). Second factors (email
codes, app codes, the app code asked on the password-reset page) are counted here per
account, across challenges and pages: a right password opens a new challenge, but never a
fresh allowance of guesses (NIST SP 800-63B-4 3.2.2). Only a right code starts the count
again. At either threshold the account is locked out: password attempts from browsers it has
not used are refused for ``duration`` (``known_browsers``), and a new challenge needs one. What
an earlier login proved goes on (its sessions, remembered and known browsers, Pro Santé
Connect): a stranger who knows a username must not sign its owner out, nor keep them out of
their own workstation (ASVS 6.1.1, NIST SP 800-63B-4 3.2.2). A référent, support, the
lockout's expiry or a new password lifts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp import metrics
from idp.accounts import users
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User

WINDOW = 24 * 3600


@dataclass
class LockoutPolicy:
    threshold: int
    duration: int
    second_factor_threshold: int = 10


class Lockout:
    def __init__(
        self,
        db_session: Callable[[], Session],
        store: EphemeralStore,
        policy: LockoutPolicy,
    ) -> None:
        self._db_session = db_session
        self._store = store
        self.policy = policy

    def second_factor_failed(self, user_id: int) -> bool:
        """Count a wrong code; True when this one locked the account out."""
        failures = self._store.incr(self._key(user_id), WINDOW)
        if failures < self.policy.second_factor_threshold:
            return False
        user = users.get_by_id(self._db_session(), user_id)
        if user is None:
            return False
        self._store.delete(self._key(user_id))
        locked = self.lock_out(user)
        if locked:
            metrics.LOCKOUTS.labels("second_factor").inc()
        return locked

    def second_factor_succeeded(self, user_id: int) -> None:
        self._store.delete(self._key(user_id))

    def password_failures_reached(self, username: str) -> None:
        """The password throttle counted ``threshold`` failures for this name."""
        user = users.get_by_username(self._db_session(), username[:150])
        if user is not None and self.lock_out(user):
            metrics.LOCKOUTS.labels("password").inc()

    def lock_out(self, user: User) -> bool:
        """Lock out for ``duration``; False if it was locked out already. Ends nothing."""
        session = self._db_session()
        if not users.lock_out(session, user, self.policy.duration):
            return False
        session.commit()
        return True

    @staticmethod
    def _key(user_id: int) -> str:
        return keys.second_factor_failures(user_id)
