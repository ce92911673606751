"""Passwordless sign-in with a passkey: the passkey alone, user verification required.

No password is typed and none is hashed (an argon2 check costs most of a password login;
bench/). The account's state rules as for every login (``eligibility.check_sign_in``), and the
login reaches the level its passkey proves (``passkeys.passkey_level``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from idp import metrics
from idp.accounts import eligibility, users
from idp.authn.known_browsers import KnownBrowsers
from idp.authn.login import LoginStep, with_known_browser
from idp.authn.passkeys import PasskeyError, Passkeys
from idp.authn.sessions import SessionService


class PasskeyLogin:
    def __init__(
        self,
        db_session: Callable[[], Session],
        passkeys: Passkeys,
        sessions: SessionService,
        known_browsers: KnownBrowsers,
    ) -> None:
        self._db_session = db_session
        self.passkeys = passkeys
        self._sessions = sessions
        self._known = known_browsers

    @metrics.outcomes(
        metrics.LOGINS,
        "passkey",
        {PasskeyError: "refused", eligibility.NotEligibleError: "refused"},
    )
    def sign_in(self, challenge_id: str, response: str, bound_to: str) -> LoginStep:
        """PasskeyError for an answer that proves nothing; NotEligibleError for an account
        that may not sign in now."""
        proven = self.passkeys.authenticate(challenge_id, response, bound_to)
        session = self._db_session()
        user = users.get_by_id(session, proven.user.id)
        if user is None:
            raise PasskeyError("no such account")
        eligibility.check_sign_in(session, user)
        sso = self._sessions.start(user.id, proven.level.amr, proven.level.acr)
        return with_known_browser(LoginStep(sso, account=user), user, self._known)
