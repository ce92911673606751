"""Password login as a use case: check the credentials, start the SSO session, commit.

One answer for unknown user, wrong password and disabled account (no enumeration); the
argon2 check runs in every case so the timing is alike.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from idp.accounts import users
from idp.authn.passwords import Passwords
from idp.authn.sessions import SessionService, SsoSession
from idp.oidc.acr import ACR_PASSWORD, AMR_PASSWORD


class PasswordLogin:
    def __init__(
        self, db_session: Callable[[], Session], passwords: Passwords, sessions: SessionService
    ) -> None:
        self._db_session = db_session
        self._passwords = passwords
        self._sessions = sessions

    def login(self, username: str, password: str) -> SsoSession:
        """Raises InvalidCredentialsError; a rehashed password is saved on success."""
        session = self._db_session()
        try:
            user = users.authenticate_password(session, self._passwords, username, password)
            session.commit()
        except Exception:
            session.rollback()
            raise
        return self._sessions.start(user.id, amr=[AMR_PASSWORD], acr=ACR_PASSWORD)
