"""Blocking an account that is being guessed: its password, or its second factor.

Passwords are counted by ``throttle.py`` (per account, per source). Second factors (email
codes, app codes, the app code asked on the password-reset page) are counted here per
account, across challenges and pages: a right password opens a new challenge, but never a
fresh allowance of guesses (NIST SP 800-63B-4 3.2.2). Only a right code starts the count
again. At the threshold the account is blocked as for passwords: sessions and remembered
devices end, and a referent or the lockout's expiry unblocks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp import metrics
from idp.accounts import users
from idp.authn.remembered_devices import RememberedDevices
from idp.authn.sessions import SessionService
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
        devices: RememberedDevices,
        sessions: SessionService,
    ) -> None:
        self._db_session = db_session
        self._store = store
        self.policy = policy
        self._devices = devices
        self._sessions = sessions

    def second_factor_failed(self, user_id: int) -> bool:
        """Count a wrong code; True when this one blocked the account."""
        failures = self._store.incr(self._key(user_id), WINDOW)
        if failures < self.policy.second_factor_threshold:
            return False
        user = users.get_by_id(self._db_session(), user_id)
        if user is None:
            return False
        self._store.delete(self._key(user_id))
        blocked = self.block(user)
        if blocked:
            metrics.LOCKOUTS.labels("second_factor").inc()
        return blocked

    def second_factor_succeeded(self, user_id: int) -> None:
        self._store.delete(self._key(user_id))

    def password_failures_reached(self, username: str) -> None:
        """The password throttle counted ``threshold`` failures for this name."""
        user = users.get_by_username(self._db_session(), username)
        if user is not None and self.block(user):
            metrics.LOCKOUTS.labels("password").inc()

    def block(self, user: User) -> bool:
        """Block for ``duration`` and end what the account had open; False if already blocked."""
        session = self._db_session()
        if not users.block(session, user.username, self.policy.duration):
            return False
        self._devices.revoke_all(session, user)
        session.commit()
        self._sessions.end_all(user.id)
        return True

    @staticmethod
    def _key(user_id: int) -> str:
        return keys.second_factor_failures(user_id)
